package demo_test

import (
	"io"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/demo"
	"printlab/internal/testapp"
	"printlab/schema"
)

func TestDemoFillsEveryStatusThroughTheEngine(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()
	if err := demo.Seed(app, "demo-password-1", io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(app, "demo-password-1", io.Discard); err != nil { // twice is harmless
		t.Fatal(err)
	}
	for _, st := range schema.Statuses {
		n, err := app.CountRecords(schema.Jobs, dbx.HashExp{"status": string(st)})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("no demo job is %s", st.Label())
		}
	}
	// Every job has its model, thumbnail and a history that starts with the submission.
	all, _ := app.FindAllRecords(schema.Jobs)
	for _, j := range all {
		if j.GetString("model") == "" || j.GetString("thumbnail") == "" {
			t.Errorf("%s lacks its files", j.GetString("short_id"))
		}
		evs, _ := app.FindRecordsByFilter(schema.Events, "job = {:j}", "created", 0, 0, dbx.Params{"j": j.Id})
		if len(evs) == 0 || evs[0].GetString("type") != "submit" {
			t.Errorf("%s: history does not start with the submission", j.GetString("short_id"))
		}
		for _, ev := range evs[1:] {
			if ev.GetString("actor") == "staff" && (ev.GetString("staff") == "" || ev.GetString("workstation") == "") {
				t.Errorf("%s: %s event without attribution", j.GetString("short_id"), ev.GetString("type"))
			}
		}
	}
	ws, err := app.FindFirstRecordByData(schema.Workstations, "username", demo.Workstation)
	if err != nil || !ws.ValidatePassword("demo-password-1") {
		t.Error("the demo workstation cannot sign in with the printed password")
	}
}

// The demo's moves happen over each job's life, not all at the moment the demo
// ran: the dashboard's time in status and the history read like a real lab's.
func TestDemoMovesAreSpreadOverEachJobsLife(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()
	began := time.Now()
	if err := demo.Seed(app, "demo-password-1", io.Discard); err != nil {
		t.Fatal(err)
	}
	all, _ := app.FindAllRecords(schema.Jobs)
	for _, j := range all {
		id := j.GetString("short_id") + " (" + j.GetString("status") + ")"
		created, changed := j.GetDateTime("created").Time(), j.GetDateTime("status_changed").Time()
		if !created.Before(began.Add(-time.Hour)) {
			t.Errorf("%s: sent %s, not hours before the demo ran", id, created)
		}
		evs, _ := app.FindRecordsByFilter(schema.Events, "job = {:j}", "created", 0, 0, dbx.Params{"j": j.Id})
		if len(evs) == 1 {
			if d := changed.Sub(created); d < 0 || d > time.Second {
				t.Errorf("%s: a job never moved has been in its status since it was sent, not %s later", id, d)
			}
			continue
		}
		moves := []*core.Record{}
		for _, ev := range evs[1:] {
			if ev.GetString("from_status") != ev.GetString("to_status") {
				moves = append(moves, ev)
			}
		}
		if len(moves) == 0 {
			continue
		}
		last := moves[len(moves)-1].GetDateTime("created").Time()
		if d := changed.Sub(last); d < -time.Second || d > time.Second {
			t.Errorf("%s: in its status since %s, but its last move is at %s", id, changed, last)
		}
		if !changed.Before(began.Add(-30*time.Minute)) || !changed.After(created.Add(30*time.Minute)) {
			t.Errorf("%s: last moved at %s, not well between its sending (%s) and the demo's run (%s)", id, changed, created, began)
		}
		for k := 1; k < len(evs); k++ {
			if gap := evs[k].GetDateTime("created").Time().Sub(evs[k-1].GetDateTime("created").Time()); gap < 10*time.Minute {
				t.Errorf("%s: %s only %s after %s", id, evs[k].GetString("type"), gap, evs[k-1].GetString("type"))
			}
		}
		if j.GetString("status") == string(schema.StatusPending) {
			approved := last
			if exp := j.GetDateTime("confirm_expires").Time(); exp.Sub(approved) != 72*time.Hour {
				t.Errorf("%s: the link expires %s after the approval, not the lab's 72 hours", id, exp.Sub(approved))
			}
		}
		emails, _ := app.FindAllRecords(schema.Emails, dbx.HashExp{"job": j.Id})
		for _, e := range emails {
			if !e.GetDateTime("created").Time().Before(began.Add(-time.Minute)) {
				t.Errorf("%s: its %s email is dated the demo's run, not its move", id, e.GetString("kind"))
			}
		}
	}
}
