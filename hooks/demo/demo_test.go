package demo_test

import (
	"io"
	"testing"

	"github.com/pocketbase/dbx"

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
