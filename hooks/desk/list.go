package desk

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/hooks/stmts"
	"printlab/schema"
)

// The dashboard's list and tab counts (SPEC §6). The desk asks for one status
// tab at a time, 50 cards a page, and for the counts of every tab; these two
// routes answer with the card columns only, straight from one indexed query,
// instead of PocketBase's generic list (full records, one count query per
// tab). The filters are the dashboard's own: search terms, printer, method,
// discipline, a flag, and a sort from a fixed list.

// MaxPerPage caps a page of cards.
const MaxPerPage = 200

// cardColumns are the job columns a card shows and how each is written out.
// The names are the job record's, so a card from this list and a record from
// the realtime stream are handled alike.
var cardColumns = []struct {
	name string
	kind byte // 's' text, 'b' bool, 'n' number, 'j' JSON
}{
	{"id", 's'}, {"short_id", 's'}, {"status", 's'}, {"first_name", 's'}, {"last_name", 's'}, {"email", 's'},
	{"discipline", 's'}, {"course", 's'}, {"method", 's'}, {"material", 's'}, {"color", 's'}, {"printer", 's'},
	{"display_name", 's'}, {"thumbnail", 's'}, {"reviewed", 'b'}, {"confirm_expired", 'b'}, {"uncollected", 'b'},
	{"failure_count", 'n'}, {"notes", 'j'}, {"claim_workstation", 's'}, {"claim_staff", 's'}, {"claim_until", 's'},
	{"created", 's'}, {"status_changed", 's'}, {"quote_cents", 'n'}, {"grams", 'n'}, {"hours", 'n'}, {"updated", 's'},
}

var cardSelect = func() string {
	names := make([]string, len(cardColumns))
	for i, c := range cardColumns {
		names[i] = c.name
	}
	return "SELECT " + strings.Join(names, ", ") + " FROM jobs"
}()

// sorts are the orders the dashboard offers. rowid breaks ties so pages never
// overlap or skip a card; it is the last column of every index, so the
// (status, created) and (status, status_changed) indexes deliver the order
// without a sort.
var sorts = map[string]string{
	"created":         "created ASC, rowid ASC",
	"-created":        "created DESC, rowid DESC",
	"status_changed":  "status_changed ASC, rowid ASC",
	"-status_changed": "status_changed DESC, rowid DESC",
	"last_name":       "last_name COLLATE NOCASE ASC, first_name COLLATE NOCASE ASC, rowid ASC",
}

// flags are the dashboard's flag filter.
var flags = map[string]string{
	"new":         "reviewed = FALSE",
	"expired":     "confirm_expired = TRUE",
	"uncollected": "uncollected = TRUE",
	"failed":      "failure_count > 0",
	"notes":       `notes LIKE '%"text"%'`,
	"claimed":     "claim_until > ? AND claim_workstation != ''", // a deleted workstation's claim holds nothing
}

// listFilter is the WHERE clause of the dashboard's filters, without the status,
// with its arguments in order.
type listFilter struct {
	where []string
	args  []any
}

// parseFilter reads the dashboard's filters from the query string; an unknown
// value is refused with the parameter's name rather than ignored.
func parseFilter(q url.Values, now time.Time) (*listFilter, error) {
	f := &listFilter{}
	terms := strings.Fields(q.Get("q"))
	if len(terms) > maxTerms {
		return nil, invalid("q", fmt.Sprintf("search with at most %d words", maxTerms))
	}
	for _, t := range terms {
		if len(t) > 100 {
			return nil, invalid("q", "search terms are at most 100 characters long")
		}
		// SQLite's LIKE ignores case for ASCII letters only: a term with
		// other letters ("josé") is also tried in upper case ("JOSÉ"), and
		// the other way round, so "any case" holds for names like José.
		variants := []string{t}
		if strings.IndexFunc(t, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0 {
			for _, v := range []string{strings.ToLower(t), strings.ToUpper(t)} {
				if !slices.Contains(variants, v) {
					variants = append(variants, v)
				}
			}
		}
		clauses := make([]string, len(variants))
		for i, v := range variants {
			like := "%" + likeEscaper.Replace(v) + "%"
			clauses[i] = searchClause
			f.args = append(f.args, like, like, like, like, like)
		}
		f.where = append(f.where, "("+strings.Join(clauses, " OR ")+")")
	}
	for _, name := range []string{"printer", "method", "discipline"} {
		if v := q.Get(name); v != "" {
			if len(v) > 100 {
				return nil, invalid(name, "is too long")
			}
			f.where = append(f.where, name+" = ?")
			f.args = append(f.args, v)
		}
	}
	if v := q.Get("flag"); v != "" {
		cond, ok := flags[v]
		if !ok {
			return nil, invalid("flag", "must be one of new, expired, uncollected, failed, notes, claimed")
		}
		f.where = append(f.where, cond)
		if v == "claimed" {
			f.args = append(f.args, now.UTC().Format(dateLayout))
		}
	}
	return f, nil
}

// maxTerms is how many words a search may have.
const maxTerms = 5

// dateLayout is how PocketBase stores dates, which compare as text.
const dateLayout = "2006-01-02 15:04:05.000Z"

// searchClause matches one search term in a student's name, email, course or
// the job's short id, as the dashboard's search box promises.
const searchClause = `(first_name LIKE ? ESCAPE '\' OR last_name LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\'` +
	` OR short_id LIKE ? ESCAPE '\' OR course LIKE ? ESCAPE '\')`

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func invalid(field, rule string) error {
	return &jobs.Error{Status: http.StatusBadRequest, Code: "invalid", Message: field + " " + rule + ".",
		Fields: map[string]string{field: rule}}
}

// listCards answers GET /api/printlab/desk/jobs?status=…&page=…&perPage=…: one
// page of one status tab, {page, perPage, items}.
func listCards(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	status := q.Get("status")
	if !schema.Status(status).Valid() {
		return jobs.Respond(e, invalid("status", "must be one of "+strings.Join(schema.StatusValues(), ", ")))
	}
	order, ok := sorts[q.Get("sort")]
	if q.Get("sort") == "" {
		order, ok = sorts["created"], true
	}
	if !ok {
		return jobs.Respond(e, invalid("sort", "must be one of created, -created, status_changed, -status_changed, last_name"))
	}
	page, perPage := intParam(q, "page", 1), intParam(q, "perPage", 50)
	if page < 1 || page > 100000 {
		return jobs.Respond(e, invalid("page", "must be a whole number from 1"))
	}
	if perPage < 1 || perPage > MaxPerPage {
		return jobs.Respond(e, invalid("perPage", "must be a whole number from 1 to "+strconv.Itoa(MaxPerPage)))
	}
	f, err := parseFilter(q, time.Now())
	if err != nil {
		return jobs.Respond(e, err)
	}
	col, err := e.App.FindCachedCollectionByNameOrId(schema.Jobs)
	if err != nil {
		return err
	}
	where := append([]string{"status = ?"}, f.where...)
	args := append(append([]any{status}, f.args...), perPage, (page-1)*perPage)
	rows, err := stmts.Query(e.App, cardSelect+" WHERE "+strings.Join(where, " AND ")+" ORDER BY "+order+" LIMIT ? OFFSET ?", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	b := append((*buf)[:0], `{"page":`...)
	b = strconv.AppendInt(b, int64(page), 10)
	b = append(b, `,"perPage":`...)
	b = strconv.AppendInt(b, int64(perPage), 10)
	b = append(b, `,"items":[`...)
	// Text and JSON columns are copied from the driver's buffers straight into
	// the response, never into strings of their own.
	raw := make([]sql.RawBytes, len(cardColumns))
	flags := make([]bool, len(cardColumns))
	nums := make([]float64, len(cardColumns))
	dest := make([]any, len(cardColumns))
	for i, c := range cardColumns {
		switch c.kind {
		case 'b':
			dest[i] = &flags[i]
		case 'n':
			dest[i] = &nums[i]
		default:
			dest[i] = &raw[i]
		}
	}
	for n := 0; rows.Next(); n++ {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = appendCard(b, col, raw, flags, nums)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	b = append(b, "]}"...)
	*buf = b
	return e.Blob(http.StatusOK, "application/json", b)
}

// bufPool holds the list's response buffers (a page of 50 cards is about 40 kB).
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// appendCard writes one scanned row as a JSON object, with the names and
// values PocketBase's records API gives the same job (TestDeskListPagesAndOrders
// compares them). A page is encoded hundreds of times a minute on a busy desk;
// written out by hand it costs a third of encoding/json.
func appendCard(b []byte, col *core.Collection, raw []sql.RawBytes, flags []bool, nums []float64) []byte {
	b = append(b, '{')
	for i, c := range cardColumns {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, c.name...)
		b = append(b, '"', ':')
		switch c.kind {
		case 'b':
			b = strconv.AppendBool(b, flags[i])
		case 'n':
			b = strconv.AppendFloat(b, nums[i], 'f', -1, 64)
		case 'j':
			if len(raw[i]) == 0 || !json.Valid(raw[i]) {
				b = append(b, "null"...)
			} else {
				b = append(b, raw[i]...)
			}
		default:
			b = appendJSONString(b, []byte(raw[i]))
		}
		if i == 0 { // after the id, as in PocketBase's records
			b = append(b, `,"collectionId":`...)
			b = appendJSONString(b, col.Id)
			b = append(b, `,"collectionName":`...)
			b = appendJSONString(b, col.Name)
		}
	}
	return append(b, '}')
}

// appendJSONString writes s as a JSON string, escaped as encoding/json does
// (including <, > and & and the line separators), with invalid UTF-8 replaced.
func appendJSONString[T string | []byte](b []byte, s T) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := decodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// countCards answers GET /api/printlab/desk/counts with the same filters: the
// number of jobs in every status, {"counts": {"uploaded": 3, …}}.
func countCards(e *core.RequestEvent) error {
	f, err := parseFilter(e.Request.URL.Query(), time.Now())
	if err != nil {
		return jobs.Respond(e, err)
	}
	sqlText := "SELECT status, COUNT(*) FROM jobs"
	if len(f.where) > 0 {
		sqlText += " WHERE " + strings.Join(f.where, " AND ")
	}
	rows, err := stmts.Query(e.App, sqlText+" GROUP BY status", f.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	counts := make(map[string]int, len(schema.StatusValues()))
	for _, s := range schema.StatusValues() {
		counts[s] = 0
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return err
		}
		counts[st] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"counts": counts})
}

func intParam(q url.Values, name string, def int) int {
	v := q.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

func decodeRune[T string | []byte](s T) (rune, int) {
	if v, ok := any(s).(string); ok {
		return utf8.DecodeRuneInString(v)
	}
	return utf8.DecodeRune(any(s).([]byte))
}
