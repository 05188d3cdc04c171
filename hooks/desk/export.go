package desk

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/hooks/settings"
)

// CSV exports of jobs and payments for a range of days (SPEC §6), for the
// lab's accounts and reports: GET /api/printlab/export/jobs.csv and
// /api/printlab/export/payments.csv with from=YYYY-MM-DD&to=YYYY-MM-DD, both
// days included, in the lab's time zone.

// MaxExportDays bounds one export (about five years).
const MaxExportDays = 5 * 366

const exportJobs = `SELECT j.short_id, j.status, j.created, j.first_name, j.last_name, j.email, j.discipline, j.course,
	j.method, COALESCE(m.name, ''), j.color, COALESCE(p.name, ''), j.grams, j.hours, j.quote_cents, j.final_grams,
	j.final_cents, j.status_changed, j.display_name
	FROM jobs j LEFT JOIN materials m ON m.id = j.material LEFT JOIN printers p ON p.id = j.printer
	WHERE j.created >= {:from} AND j.created < {:to} ORDER BY j.created, j.rowid`

var exportJobsHeader = []string{"short_id", "status", "submitted", "first_name", "last_name", "email", "discipline",
	"course", "method", "material", "color", "printer", "quoted_grams", "quoted_hours", "quote", "final_grams",
	"final_price", "status_changed", "file_name"}

const exportPayments = `SELECT pay.created, j.short_id, j.first_name, j.last_name, j.email, j.discipline, j.course,
	COALESCE(m.name, ''), pay.grams, pay.amount_cents, pay.reference, pay.picked_up_by, COALESCE(s.name, ''),
	COALESCE(w.name, ''), pay.voided, pay.voided_at
	FROM payments pay JOIN jobs j ON j.id = pay.job LEFT JOIN materials m ON m.id = j.material
	LEFT JOIN staff s ON s.id = pay.staff LEFT JOIN workstations w ON w.id = pay.workstation
	WHERE pay.created >= {:from} AND pay.created < {:to} ORDER BY pay.created, pay.rowid`

var exportPaymentsHeader = []string{"paid_at", "short_id", "first_name", "last_name", "email", "discipline", "course",
	"material", "grams", "amount", "reference", "picked_up_by", "staff", "workstation", "voided", "voided_at"}

// exportCSV answers one export. Every cell a person typed is guarded against
// spreadsheet formulas; the file starts with a UTF-8 byte order mark so that
// Excel shows accented names correctly.
func exportCSV(e *core.RequestEvent) error {
	kind := e.Request.PathValue("kind")
	if kind != "jobs.csv" && kind != "payments.csv" {
		return jobs.Respond(e, &jobs.Error{Status: http.StatusNotFound, Code: "not_found",
			Message: "There is no such export: ask for jobs.csv or payments.csv."})
	}
	from, end, loc, err := dayRange(e)
	if err != nil {
		return respondOr(e, err)
	}
	q := e.Request.URL.Query()
	params := dbx.Params{"from": from.UTC().Format(dateLayout), "to": end.UTC().Format(dateLayout)}

	sqlText, header := exportJobs, exportJobsHeader
	if kind == "payments.csv" {
		sqlText, header = exportPayments, exportPaymentsHeader
	}
	rows, err := e.App.DB().NewQuery(sqlText).Bind(params).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()

	name := fmt.Sprintf("printlab-%s-%s-to-%s.csv", strings.TrimSuffix(kind, ".csv"), q.Get("from"), q.Get("to"))
	h := e.Response.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	e.Response.WriteHeader(http.StatusOK)
	if _, err := e.Response.Write([]byte("\ufeff")); err != nil {
		return nil // the client went away
	}
	w := csv.NewWriter(e.Response)
	_ = w.Write(header)
	cols := make([]any, len(header))
	vals := make([]string, len(header))
	ptrs := make([]*string, len(header))
	for i := range cols {
		ptrs[i] = new(string)
		cols[i] = ptrs[i]
	}
	for rows.Next() {
		if err := rows.Scan(cols...); err != nil {
			e.App.Logger().Error("printlab: export", "kind", kind, "error", err)
			break // the header is sent: end the file where it broke, the log says why
		}
		for i, name := range header {
			vals[i] = exportCell(name, *ptrs[i], loc)
		}
		if err := w.Write(vals); err != nil {
			return nil
		}
	}
	w.Flush()
	return nil
}

// exportCell formats one value for people: times in the lab's zone, cents as
// money, booleans as yes/no, and text that a spreadsheet would run as a
// formula (=, +, -, @, tab, return) quoted with a leading apostrophe.
func exportCell(col, v string, loc *time.Location) string {
	switch col {
	case "submitted", "status_changed", "paid_at", "voided_at":
		if v == "" {
			return ""
		}
		t, err := time.Parse(dateLayout, v)
		if err != nil {
			return v
		}
		return t.In(loc).Format("2006-01-02 15:04")
	case "quote", "final_price", "amount":
		c, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return ""
		}
		return fmt.Sprintf("%.2f", c/100)
	case "voided":
		if v == "1" || v == "true" {
			return "yes"
		}
		return "no"
	case "quoted_grams", "quoted_hours", "final_grams", "grams":
		return v
	}
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// dayRange reads the from and to days of a request (YYYY-MM-DD, both
// included, in the lab's time zone) and returns the start of from and the
// start of the day after to, and the zone.
func dayRange(e *core.RequestEvent) (from, end time.Time, loc *time.Location, err error) {
	lab, err := settings.Load(e.App)
	if err != nil {
		return from, end, nil, err
	}
	loc = lab.Location()
	q := e.Request.URL.Query()
	if from, err = day(q.Get("from"), "from", loc); err != nil {
		return
	}
	to, err := day(q.Get("to"), "to", loc)
	if err != nil {
		return
	}
	if to.Before(from) {
		return from, end, loc, invalid("to", "must not be before from")
	}
	if to.Sub(from) > MaxExportDays*24*time.Hour {
		return from, end, loc, invalid("to", fmt.Sprintf("must be at most %d days after from; ask in parts", MaxExportDays))
	}
	return from, to.AddDate(0, 0, 1), loc, nil
}

// respondOr answers a refusal (*jobs.Error) to the client and passes any other
// error on to PocketBase's error handling.
func respondOr(e *core.RequestEvent, err error) error {
	if _, ok := jobs.AsError(err); ok {
		return jobs.Respond(e, err)
	}
	return err
}

// day reads a YYYY-MM-DD parameter as the start of that day in loc.
func day(v, field string, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, invalid(field, "is required: a day as YYYY-MM-DD")
	}
	t, err := time.ParseInLocation("2006-01-02", v, loc)
	if err != nil {
		return time.Time{}, invalid(field, "must be a day as YYYY-MM-DD")
	}
	return t, nil
}
