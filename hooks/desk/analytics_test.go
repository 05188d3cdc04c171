package desk_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/hooks/desk"
	"printlab/hooks/jobs"
	"printlab/internal/testapp"
	"printlab/schema"
)

const stamp = "2006-01-02 15:04:05.000Z"

// analyticsApp: job A submitted three days ago and moved through every status
// at known hours (approve +2 h, confirm +5 h, start +6 h, complete +10 h, paid
// and picked up +34 h, 50 g for $5.00); job B, an Engineering job, rejected
// after 3 hours for two reasons; job C submitted an hour ago, still uploaded.
func analyticsApp(t *testing.T) (*tests.TestApp, *testapp.Fixtures) {
	app, fx := testapp.NewSeeded(t)
	t0 := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)
	col, _ := app.FindCollectionByNameOrId(schema.Jobs)
	evCol, _ := app.FindCollectionByNameOrId(schema.Events)
	submit := func(short, discipline, course string, at time.Time) *core.Record {
		j := core.NewRecord(col)
		j.Load(map[string]any{"short_id": short, "status": "uploaded", "first_name": "Ana", "last_name": "Lyst",
			"email": "ana@student.example.edu", "discipline": discipline, "course": course, "method": "filament",
			"material": fx.Material.Id, "color": "True Red", "printer": fx.Printer.Id, "status_key_salt": "x"})
		if err := app.Save(j); err != nil {
			t.Fatal(err)
		}
		ev := core.NewRecord(evCol)
		ev.Load(map[string]any{"job": j.Id, "type": "submit", "actor": "student", "from_status": "", "to_status": "uploaded"})
		if err := app.Save(ev); err != nil {
			t.Fatal(err)
		}
		setCreated(t, app, "jobs", j.Id, at)
		setCreated(t, app, "events", ev.Id, at)
		return j
	}
	by := jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id, CanOverride: true}
	move := func(j *core.Record, a jobs.Action, from schema.Status, in jobs.Input, at time.Time) {
		if _, err := jobs.Do(app, jobs.Request{JobID: j.Id, Action: a, Expected: from, By: by, Input: in}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		var id string
		if err := app.DB().NewQuery("SELECT id FROM events WHERE job = {:j} AND type = {:t} ORDER BY rowid DESC LIMIT 1").
			Bind(dbx.Params{"j": j.Id, "t": string(a)}).Row(&id); err != nil {
			t.Fatal(err)
		}
		setCreated(t, app, "events", id, at)
		if a == jobs.ActionPickup {
			if _, err := app.DB().NewQuery("UPDATE payments SET created = {:at} WHERE job = {:j}").
				Bind(dbx.Params{"at": at.Format(stamp), "j": j.Id}).Execute(); err != nil {
				t.Fatal(err)
			}
		}
	}
	g, h, final := 42.5, 2.0, 50.0
	a := submit("ANA001", "Art", "ART 101", t0)
	move(a, jobs.ActionApprove, schema.StatusUploaded, jobs.Input{Grams: &g, Hours: &h}, t0.Add(2*time.Hour))
	move(a, jobs.ActionConfirm, schema.StatusPending, jobs.Input{Reason: "At the desk"}, t0.Add(5*time.Hour))
	move(a, jobs.ActionStart, schema.StatusReadyToPrint, jobs.Input{}, t0.Add(6*time.Hour))
	move(a, jobs.ActionComplete, schema.StatusPrinting, jobs.Input{}, t0.Add(10*time.Hour))
	move(a, jobs.ActionPickup, schema.StatusCompleted, jobs.Input{Grams: &final, Reference: "R1", PickedUpBy: "Ana", AcceptOverQuote: true}, t0.Add(34*time.Hour))
	b := submit("ANA002", "Engineering", "ME 101", t0.Add(time.Hour))
	move(b, jobs.ActionReject, schema.StatusUploaded, jobs.Input{Reasons: []string{"Walls too thin", "Too large"}}, t0.Add(4*time.Hour))
	submit("ANA003", "Engineering", "ME 101", time.Now().UTC().Add(-time.Hour))
	return app, fx
}

func setCreated(t *testing.T, app core.App, table, id string, at time.Time) {
	t.Helper()
	if _, err := app.DB().NewQuery("UPDATE " + table + " SET created = {:at} WHERE id = {:id}").
		Bind(dbx.Params{"at": at.UTC().Format(stamp), "id": id}).Execute(); err != nil {
		t.Fatal(err)
	}
}

func TestAnalyticsFigures(t *testing.T) {
	app, fx := analyticsApp(t)
	q := fmt.Sprintf("from=%s&to=%s", time.Now().AddDate(0, 0, -7).Format("2006-01-02"), time.Now().Format("2006-01-02"))
	req := httptest.NewRequest(http.MethodGet, "/api/printlab/analytics?"+q, nil)
	req.Header.Set("Authorization", testapp.Token(t, fx.Workstation))
	rec := testapp.Do(t, app, req)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	var a desk.Analytics
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if a.Totals.Submitted != 3 || a.Totals.PickedUp != 1 || a.Totals.Rejected != 1 || a.Totals.RevenueCents != 500 ||
		a.Totals.Grams != 50 || a.Totals.TurnaroundHours != 34 {
		t.Errorf("totals %+v", a.Totals)
	}
	want := map[string][3]float64{ // moves, median, p90
		"uploaded": {2, 2, 3}, "pending": {1, 3, 3}, "ready_to_print": {1, 1, 1}, "printing": {1, 4, 4}, "completed": {1, 24, 24},
	}
	for _, s := range a.InStatus {
		if w := want[s.Status]; float64(s.Moves) != w[0] || s.MedianHours != w[1] || s.P90Hours != w[2] {
			t.Errorf("time in %s: %+v, want moves/median/p90 %v", s.Status, s, w)
		}
	}
	if fmt.Sprint(a.Rejected) != "[{Too large 1} {Walls too thin 1}]" {
		t.Errorf("reasons %v", a.Rejected)
	}
	if len(a.Material) != 1 || a.Material[0].Name != "PLA" || a.Material[0].Grams != 50 || a.Printer[0].Name != "Prusa MK4S" {
		t.Errorf("grams %v / %v", a.Material, a.Printer)
	}
	if a.Backlog[0].Status != "uploaded" || a.Backlog[0].Jobs != 1 || a.Backlog[0].Under1 != 1 {
		t.Errorf("backlog %+v", a.Backlog)
	}
	if a.Discip[0].Name != "Engineering" || a.Discip[0].Submitted != 2 || a.Discip[1].RevenueCents != 500 {
		t.Errorf("disciplines %+v", a.Discip)
	}
	sub, picked := 0, 0
	for _, w := range a.Weeks {
		if d, err := time.Parse("2006-01-02", w.Start); err != nil || d.Weekday() != time.Monday {
			t.Errorf("week %q does not start on a Monday", w.Start)
		}
		sub += w.Submitted
		picked += w.PickedUp
	}
	if sub != 3 || picked != 1 {
		t.Errorf("weeks hold %d submissions and %d pickups: %+v", sub, picked, a.Weeks)
	}
	if len(a.Months) == 0 || a.Months[len(a.Months)-1].RevenueCents+func() int64 {
		if len(a.Months) > 1 {
			return a.Months[0].RevenueCents
		}
		return 0
	}() != 500 {
		t.Errorf("months %+v", a.Months)
	}

	// A range before any of it is all zeros, with the backlog as it is now.
	req = httptest.NewRequest(http.MethodGet, "/api/printlab/analytics?from=2025-01-01&to=2025-01-31", nil)
	req.Header.Set("Authorization", testapp.Token(t, fx.Superuser))
	rec = testapp.Do(t, app, req)
	_ = json.Unmarshal(rec.Body.Bytes(), &a)
	if rec.Code != 200 || a.Totals.Submitted != 0 || a.Totals.RevenueCents != 0 || a.Backlog[0].Jobs != 1 || len(a.Weeks) != 5 {
		t.Errorf("an empty range: %d %+v, %d weeks", rec.Code, a.Totals, len(a.Weeks))
	}
	for _, bad := range []string{"", "from=2026-01-01", "from=x&to=2026-01-01", "from=2026-02-01&to=2026-01-01"} {
		req = httptest.NewRequest(http.MethodGet, "/api/printlab/analytics?"+bad, nil)
		req.Header.Set("Authorization", testapp.Token(t, fx.Workstation))
		if rec := testapp.Do(t, app, req); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"data"`) {
			t.Errorf("%q: %d %s", bad, rec.Code, rec.Body.String())
		}
	}
	if rec := testapp.Do(t, app, httptest.NewRequest(http.MethodGet, "/api/printlab/analytics?"+q, nil)); rec.Code != 401 {
		t.Errorf("guest: %d", rec.Code)
	}
}
