package desk_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/hooks/jobs"
	"printlab/internal/testapp"
	"printlab/schema"
)

// exportApp holds a job whose student typed a spreadsheet formula as a name,
// picked up and paid (then undone and paid again, so one payment is voided),
// and a second job submitted on another day.
func exportApp(t *testing.T) (*tests.TestApp, *testapp.Fixtures) {
	app, fx := testapp.NewSeeded(t)
	col, _ := app.FindCollectionByNameOrId(schema.Jobs)
	add := func(short, first, last string, created time.Time) *core.Record {
		j := core.NewRecord(col)
		j.Load(map[string]any{"short_id": short, "status": "uploaded", "first_name": first, "last_name": last,
			"email": "s@student.example.edu", "discipline": "Art", "course": "ART 101", "method": "filament",
			"material": fx.Material.Id, "color": "True Red", "printer": fx.Printer.Id, "status_key_salt": "x"})
		if err := app.Save(j); err != nil {
			t.Fatal(err)
		}
		if _, err := app.DB().NewQuery("UPDATE jobs SET created = {:c} WHERE id = {:id}").
			Bind(map[string]any{"c": created.UTC().Format("2006-01-02 15:04:05.000Z"), "id": j.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
		return j
	}
	now := time.Now()
	j := add("EXP001", "=HYPERLINK(\"http://evil\")", "Zoë, \"The\" Maker", now)
	add("EXP002", "Old", "Job", now.AddDate(0, 0, -40))
	by := jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id, CanOverride: true}
	g, h, final := 42.5, 2.0, 50.0
	steps := []jobs.Request{
		{Action: jobs.ActionApprove, Expected: schema.StatusUploaded, Input: jobs.Input{Grams: &g, Hours: &h}},
		{Action: jobs.ActionConfirm, Expected: schema.StatusPending, Input: jobs.Input{Reason: "At the desk"}},
		{Action: jobs.ActionStart, Expected: schema.StatusReadyToPrint},
		{Action: jobs.ActionComplete, Expected: schema.StatusPrinting},
		{Action: jobs.ActionPickup, Expected: schema.StatusCompleted, Input: jobs.Input{Grams: &final, Reference: "+SUM(A1)", PickedUpBy: "Zoë", AcceptOverQuote: true}},
		{Action: jobs.ActionUndo, Expected: schema.StatusPickedUp},
		{Action: jobs.ActionPickup, Expected: schema.StatusCompleted, Input: jobs.Input{Grams: &final, Reference: "R-2", PickedUpBy: "Zoë", AcceptOverQuote: true}},
	}
	for _, r := range steps {
		r.JobID, r.By = j.Id, by
		if _, err := jobs.Do(app, r); err != nil {
			t.Fatalf("%s: %v", r.Action, err)
		}
	}
	return app, fx
}

func csvOf(t *testing.T, app *tests.TestApp, who *core.Record, path string) (int, http.Header, [][]string, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if who != nil {
		req.Header.Set("Authorization", testapp.Token(t, who))
	}
	rec := testapp.Do(t, app, req)
	body := rec.Body.String()
	if rec.Code != 200 {
		return rec.Code, rec.Header(), nil, body
	}
	if !strings.HasPrefix(body, "\ufeff") {
		t.Error("the CSV does not start with a UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	return rec.Code, rec.Header(), rows, body
}

func TestExportPaymentsAndJobs(t *testing.T) {
	app, fx := exportApp(t)
	today := time.Now().Format("2006-01-02")
	monthAgo := time.Now().AddDate(0, 0, -30).Format("2006-01-02")

	code, hdr, rows, body := csvOf(t, app, fx.Workstation, "/api/printlab/export/payments.csv?from="+monthAgo+"&to="+today)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if !strings.Contains(hdr.Get("Content-Disposition"), `filename="printlab-payments-`+monthAgo+`-to-`+today+`.csv"`) {
		t.Errorf("Content-Disposition %q", hdr.Get("Content-Disposition"))
	}
	if len(rows) != 3 || rows[0][0] != "paid_at" {
		t.Fatalf("payments: %v", rows)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	first, second := rows[1], rows[2]
	if first[col["short_id"]] != "EXP001" || first[col["voided"]] != "yes" || second[col["voided"]] != "no" {
		t.Errorf("the undone payment should be voided, the second live: %v / %v", first, second)
	}
	if second[col["amount"]] != "5.00" || second[col["grams"]] != "50" || second[col["staff"]] != "Sam Lee" ||
		second[col["workstation"]] != "Front Desk" || second[col["material"]] != "PLA" {
		t.Errorf("payment row: %v", second)
	}
	// What a student or the desk typed never becomes a formula.
	if got := first[col["first_name"]]; got != `'=HYPERLINK("http://evil")` {
		t.Errorf("formula name exported as %q", got)
	}
	if got := first[col["reference"]]; got != "'+SUM(A1)" {
		t.Errorf("formula reference exported as %q", got)
	}
	if got := first[col["last_name"]]; got != `Zoë, "The" Maker` {
		t.Errorf("quotes and commas: %q", got)
	}
	if _, err := time.Parse("2006-01-02 15:04", first[col["paid_at"]]); err != nil {
		t.Errorf("paid_at %q is not a local time", first[col["paid_at"]])
	}

	// Jobs by the day they were submitted: the 40-day-old job is outside a month.
	_, _, rows, _ = csvOf(t, app, fx.Workstation, "/api/printlab/export/jobs.csv?from="+monthAgo+"&to="+today)
	if len(rows) != 2 || rows[1][0] != "EXP001" || rows[1][1] != "picked_up" {
		t.Fatalf("jobs this month: %v", rows)
	}
	_, _, rows, _ = csvOf(t, app, fx.Superuser, "/api/printlab/export/jobs.csv?from="+time.Now().AddDate(-1, 0, 0).Format("2006-01-02")+"&to="+today)
	if len(rows) != 3 {
		t.Fatalf("all jobs: %d rows", len(rows))
	}
	// An empty range is a header only.
	_, _, rows, _ = csvOf(t, app, fx.Workstation, "/api/printlab/export/payments.csv?from=2020-01-01&to=2020-01-31")
	if len(rows) != 1 {
		t.Fatalf("empty range: %v", rows)
	}
}

func TestExportRefusals(t *testing.T) {
	app, fx := exportApp(t)
	for _, c := range []struct {
		who    *core.Record
		path   string
		status int
		says   string
	}{
		{nil, "/api/printlab/export/jobs.csv?from=2026-01-01&to=2026-01-31", 401, ""},
		{fx.Workstation, "/api/printlab/export/jobs.csv?to=2026-01-31", 400, `"from":{`},
		{fx.Workstation, "/api/printlab/export/jobs.csv?from=2026-13-01&to=2026-01-31", 400, "YYYY-MM-DD"},
		{fx.Workstation, "/api/printlab/export/jobs.csv?from=2026-02-01&to=2026-01-31", 400, "must not be before from"},
		{fx.Workstation, "/api/printlab/export/jobs.csv?from=2000-01-01&to=2026-01-31", 400, "ask in parts"},
		{fx.Workstation, "/api/printlab/export/users.csv?from=2026-01-01&to=2026-01-31", 404, "jobs.csv or payments.csv"},
		{fx.Workstation, "/api/printlab/export/jobs.csv?from=2026-01-01'%20OR%201=1--&to=2026-01-31", 400, "YYYY-MM-DD"},
	} {
		code, _, _, body := csvOf(t, app, c.who, c.path)
		if code != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d %s", c.path, code, body)
		}
	}
}

// stalledWriter is a browser that stops reading a download: its first write
// says so on started and then blocks until release is closed.
type stalledWriter struct {
	hdr     http.Header
	code    int
	once    sync.Once
	started chan struct{}
	release chan struct{}
}

func (w *stalledWriter) Header() http.Header  { return w.hdr }
func (w *stalledWriter) WriteHeader(code int) { w.code = code }
func (w *stalledWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { close(w.started) })
	<-w.release
	return len(b), nil
}

// A long export that a slow connection downloads does not hold up the desk:
// the export reads on the read pool, so moves keep landing meanwhile.
func TestASlowExportDoesNotHoldUpMoves(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	// Enough rows that the CSV is written in several pieces while they are read.
	var sb strings.Builder
	sb.WriteString("INSERT INTO jobs (id, short_id, status, first_name, last_name, email, method, material, printer, created, updated) VALUES ")
	for i := range 2000 {
		if i > 0 {
			sb.WriteString(",")
		}
		st := "picked_up"
		if i == 0 {
			st = "uploaded" // the job the desk approves meanwhile
		}
		fmt.Fprintf(&sb, "('exp%012d','E%05d','%s','Long','Export%d','e%d@example.edu','filament','%s','%s',strftime('%%Y-%%m-%%d %%H:%%M:%%fZ','now'),strftime('%%Y-%%m-%%d %%H:%%M:%%fZ','now'))",
			i, i, st, i, i, fx.Material.Id, fx.Printer.Id)
	}
	if _, err := app.DB().NewQuery(sb.String()).Execute(); err != nil {
		t.Fatal(err)
	}

	today := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	from := time.Now().AddDate(0, 0, -7).Format("2006-01-02")
	req := httptest.NewRequest(http.MethodGet, "/api/printlab/export/jobs.csv?from="+from+"&to="+today, nil)
	req.Header.Set("Authorization", testapp.Token(t, fx.Workstation))
	w := &stalledWriter{hdr: http.Header{}, started: make(chan struct{}), release: make(chan struct{})}
	served := make(chan struct{})
	go func() {
		defer close(served)
		testapp.Handler(t, app).ServeHTTP(w, req)
	}()
	defer func() { close(w.release); <-served }()
	select {
	case <-w.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the export never started writing")
	}
	if w.code != http.StatusOK {
		t.Fatalf("the export answered %d", w.code)
	}

	moved := make(chan error, 1)
	go func() {
		g, h := 10.0, 1.0
		_, err := jobs.Do(app, jobs.Request{JobID: "exp000000000000", Action: jobs.ActionApprove, Expected: schema.StatusUploaded,
			By: jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id}, Input: jobs.Input{Grams: &g, Hours: &h}})
		moved <- err
	}()
	select {
	case err := <-moved:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an approve waited more than 5 s behind an export being downloaded")
	}
}
