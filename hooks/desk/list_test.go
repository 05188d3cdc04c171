package desk_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/internal/testapp"
	"printlab/schema"
)

// listApp holds 130 ready-to-print jobs a minute apart (some with look-alike
// names, one with a note and a claim), 7 uploaded and 3 printing jobs.
func listApp(t *testing.T) (*tests.TestApp, *testapp.Fixtures, []string) {
	app, fx := testapp.NewSeeded(t)
	col, _ := app.FindCollectionByNameOrId(schema.Jobs)
	base := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	var ready []string // oldest first
	add := func(i int, st schema.Status, first, last string, extra map[string]any) *core.Record {
		j := core.NewRecord(col)
		j.Load(map[string]any{"short_id": fmt.Sprintf("LST%04d", i), "status": string(st), "first_name": first, "last_name": last,
			"email": strings.ToLower(first) + "@student.example.edu", "discipline": "Art", "course": "ART 101", "method": "filament",
			"material": fx.Material.Id, "color": "True Red", "printer": fx.Printer.Id, "status_key_salt": "secret-salt",
			"confirm_token_hash": "secret-hash"})
		for k, v := range extra {
			j.Set(k, v)
		}
		if err := app.Save(j); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(i) * time.Minute).Format("2006-01-02 15:04:05.000Z")
		if _, err := app.DB().NewQuery("UPDATE jobs SET created = {:at}, status_changed = {:at} WHERE id = {:id}").
			Bind(map[string]any{"at": at, "id": j.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
		return j
	}
	for i := 0; i < 130; i++ {
		first, last := "Ada", fmt.Sprintf("Student%03d", i)
		extra := map[string]any{}
		switch i {
		case 5:
			first, last = "Percy", "100%_Sure"
		case 6:
			first, last = "Zed", "O'Brien"
			extra["notes"] = []map[string]any{{"text": "Use the brim", "staff": "Sam Lee"}}
			extra["claim_workstation"] = fx.Workstation.Id
			extra["claim_until"] = time.Now().Add(time.Minute)
		case 7:
			first, last = "José", "Núñez"
			extra["email"] = "jose.nunez@student.example.edu"
		}
		ready = append(ready, add(i, schema.StatusReadyToPrint, first, last, extra).Id)
	}
	for i := 0; i < 7; i++ {
		add(200+i, schema.StatusUploaded, "Uma", fmt.Sprintf("Up%d", i), nil)
	}
	for i := 0; i < 3; i++ {
		add(300+i, schema.StatusPrinting, "Pat", fmt.Sprintf("Print%d", i), map[string]any{"method": "resin"})
	}
	return app, fx, ready
}

type cardPage struct {
	Page    int              `json:"page"`
	PerPage int              `json:"perPage"`
	Items   []map[string]any `json:"items"`
}

func get(t *testing.T, app *tests.TestApp, auth *core.Record, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if auth != nil {
		req.Header.Set("Authorization", testapp.Token(t, auth))
	}
	return testapp.Do(t, app, req)
}

func cards(t *testing.T, app *tests.TestApp, auth *core.Record, query string) cardPage {
	t.Helper()
	rec := get(t, app, auth, "/api/printlab/desk/jobs?"+query)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", query, rec.Code, rec.Body.String())
	}
	var p cardPage
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func ids(p cardPage) []string {
	out := make([]string, len(p.Items))
	for i, c := range p.Items {
		out[i] = c["id"].(string)
	}
	return out
}

func TestDeskListPagesAndOrders(t *testing.T) {
	app, fx, ready := listApp(t)
	newest := slices.Clone(ready)
	slices.Reverse(newest)

	// Newest first, 50 a page, pages in sequence without overlap or gap.
	var got []string
	for page := 1; page <= 3; page++ {
		p := cards(t, app, fx.Workstation, fmt.Sprintf("status=ready_to_print&sort=-created&perPage=50&page=%d", page))
		got = append(got, ids(p)...)
	}
	if !slices.Equal(got, newest) {
		t.Fatalf("three pages of newest first are not the 130 ready jobs in order:\n got %v\nwant %v", got, newest)
	}
	// The default is oldest first, as the dashboard opens.
	if p := cards(t, app, fx.Workstation, "status=ready_to_print&perPage=3"); !slices.Equal(ids(p), ready[:3]) {
		t.Fatalf("oldest first: %v, want %v", ids(p), ready[:3])
	}
	// Other tabs hold only their own jobs.
	if p := cards(t, app, fx.Workstation, "status=uploaded"); len(p.Items) != 7 || p.Items[0]["status"] != "uploaded" {
		t.Fatalf("uploaded tab: %d cards", len(p.Items))
	}
	if p := cards(t, app, fx.Workstation, "status=cancelled"); len(p.Items) != 0 {
		t.Fatalf("an empty tab has %d cards", len(p.Items))
	}

	// The same list as PocketBase's records API gives for the same question.
	q := url.Values{"filter": {"status='ready_to_print'"}, "sort": {"-created"}, "perPage": {"50"}, "skipTotal": {"1"}}
	rec := get(t, app, fx.Workstation, "/api/collections/jobs/records?"+q.Encode())
	var generic cardPage
	if err := json.Unmarshal(rec.Body.Bytes(), &generic); err != nil || rec.Code != 200 {
		t.Fatalf("records API: %d %s", rec.Code, rec.Body.String())
	}
	ours := cards(t, app, fx.Workstation, "status=ready_to_print&sort=-created&perPage=50")
	if !slices.Equal(ids(ours), ids(generic)) {
		t.Fatal("the desk list and PocketBase's list disagree on the first page")
	}
	// Each card carries what the card shows, valued as the record API values it,
	// and nothing hidden.
	for k, want := range generic.Items[0] {
		if _, ok := ours.Items[0][k]; !ok {
			continue // a column the card does not show
		}
		if fmt.Sprint(ours.Items[0][k]) != fmt.Sprint(want) {
			t.Errorf("card field %s = %v, record API says %v", k, ours.Items[0][k], want)
		}
	}
	for _, k := range []string{"thumbnail", "notes", "claim_until", "quote_cents", "reviewed", "collectionName"} {
		if _, ok := ours.Items[0][k]; !ok {
			t.Errorf("card lacks %s", k)
		}
	}
	body := get(t, app, fx.Workstation, "/api/printlab/desk/jobs?status=ready_to_print&perPage=200").Body.String()
	for _, secret := range []string{"secret-salt", "secret-hash", "status_key_salt", "confirm_token_hash", "model_stats"} {
		if strings.Contains(body, secret) {
			t.Errorf("the list leaks %q", secret)
		}
	}
}

func TestDeskListFilters(t *testing.T) {
	app, fx, ready := listApp(t)
	count := func(query string) int {
		t.Helper()
		return len(cards(t, app, fx.Workstation, "status=ready_to_print&perPage=200&"+query).Items)
	}
	cases := []struct {
		query string
		want  int
	}{
		{"q=Student12", 10},                        // Student012, Student120…129
		{"q=student12+ada", 10},                    // case-insensitive, every term must match
		{"q=" + url.QueryEscape("100%_"), 1},       // % and _ are letters here, not wildcards
		{"q=" + url.QueryEscape("%"), 1},           // only the one name with a % in it
		{"q=" + url.QueryEscape("O'Brien"), 1},     // quotes are text
		{"q=" + url.QueryEscape("' OR 1=1 --"), 0}, // and never SQL
		{"q=LST0007", 1},                           // short id
		{"q=" + url.QueryEscape("JOSÉ"), 1},        // any case beyond ASCII too
		{"q=" + url.QueryEscape("josé"), 1},
		{"q=" + url.QueryEscape("núñez JOSÉ"), 1},
		{"q=" + url.QueryEscape("jose"), 1}, // the email
		{"printer=" + fx.Printer.Id, 130},
		{"printer=nosuchprinter", 0},
		{"method=resin", 0},
		{"flag=notes", 1},
		{"flag=claimed", 1},
		{"flag=new", 130},
		{"flag=failed", 0},
	}
	for _, c := range cases {
		if got := count(c.query); got != c.want {
			t.Errorf("%s: %d cards, want %d", c.query, got, c.want)
		}
	}
	// A deleted workstation's claim (its relation emptied, the time left)
	// holds nothing and is not listed as claimed.
	if _, err := app.DB().NewQuery("UPDATE jobs SET claim_workstation = '', claim_until = {:at} WHERE id = {:id}").
		Bind(map[string]any{"at": time.Now().Add(time.Minute).UTC().Format("2006-01-02 15:04:05.000Z"), "id": ready[9]}).Execute(); err != nil {
		t.Fatal(err)
	}
	if got := count("flag=claimed"); got != 1 {
		t.Errorf("with a deleted workstation's claim: %d claimed, want 1", got)
	}
	// Sorting by name puts the look-alikes where a person expects them.
	p := cards(t, app, fx.Workstation, "status=ready_to_print&sort=last_name&perPage=200")
	if p.Items[0]["last_name"] != "100%_Sure" || p.Items[len(p.Items)-1]["last_name"] != "Student129" {
		t.Errorf("by name: first %v, last %v", p.Items[0]["last_name"], p.Items[len(p.Items)-1]["last_name"])
	}
	if p := cards(t, app, fx.Workstation, "status=ready_to_print&sort=-status_changed&perPage=1"); ids(p)[0] != ready[129] {
		t.Errorf("recently changed first: %v", ids(p))
	}

	// Counts: every tab, with and without filters.
	var got struct{ Counts map[string]int }
	rec := get(t, app, fx.Workstation, "/api/printlab/desk/counts")
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
		t.Fatalf("counts: %d %s", rec.Code, rec.Body.String())
	}
	want := map[string]int{"uploaded": 7, "pending": 0, "ready_to_print": 130, "printing": 3, "completed": 0,
		"picked_up": 0, "rejected": 0, "cancelled": 0, "archived": 0}
	if fmt.Sprint(got.Counts) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", got.Counts, want)
	}
	rec = get(t, app, fx.Workstation, "/api/printlab/desk/counts?method=resin")
	_ = json.Unmarshal(rec.Body.Bytes(), &got)
	if got.Counts["printing"] != 3 || got.Counts["ready_to_print"] != 0 || got.Counts["uploaded"] != 0 {
		t.Errorf("resin counts %v", got.Counts)
	}
}

func TestDeskListRefusals(t *testing.T) {
	app, fx, _ := listApp(t)
	for _, c := range []struct {
		who    *core.Record
		query  string
		status int
		says   string
	}{
		{nil, "status=uploaded", 401, ""},
		{fx.Superuser, "status=uploaded", 200, `"status":"uploaded"`},
		{fx.Workstation, "", 400, `"status":{`},
		{fx.Workstation, "status=done", 400, "status must be one of"},
		{fx.Workstation, "status=uploaded&sort=email", 400, `"sort":{`},
		{fx.Workstation, "status=uploaded&flag=vip", 400, `"flag":{`},
		{fx.Workstation, "status=uploaded&perPage=5000", 400, `"perPage":{`},
		{fx.Workstation, "status=uploaded&perPage=x", 400, `"perPage":{`},
		{fx.Workstation, "status=uploaded&page=0", 400, `"page":{`},
		{fx.Workstation, "status=uploaded&q=" + strings.Repeat("a", 101), 400, `"q":{`},
		{fx.Workstation, "status=uploaded&q=jane+doe+art101+uni+edu+zzzzzz", 400, "at most 5 words"},
		{nil, "", 401, ""}, // counts below
	} {
		rec := get(t, app, c.who, "/api/printlab/desk/jobs?"+c.query)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.says) {
			t.Errorf("%q: %d %s, want %d with %q", c.query, rec.Code, rec.Body.String(), c.status, c.says)
		}
	}
	if rec := get(t, app, nil, "/api/printlab/desk/counts"); rec.Code != 401 {
		t.Errorf("counts without a workstation: %d", rec.Code)
	}
	if rec := get(t, app, fx.Workstation, "/api/printlab/desk/counts?flag=vip"); rec.Code != 400 {
		t.Errorf("counts with a bad flag: %d", rec.Code)
	}
}
