package jobs_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/hooks/jobs"
	"printlab/internal/testapp"
	"printlab/schema"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// t0 is the tests' controlled clock.
var t0 = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)

func ptr(f float64) *float64 { return &f }

// newJob saves a job directly in status, with what that status implies (a quote
// for pending and later, the last move and its time for undo).
func newJob(tb testing.TB, app core.App, fx *testapp.Fixtures, status schema.Status) *core.Record {
	tb.Helper()
	c, err := app.FindCollectionByNameOrId(schema.Jobs)
	if err != nil {
		tb.Fatal(err)
	}
	j := core.NewRecord(c)
	j.Load(map[string]any{
		"short_id": testShortID(), "status": string(status), "first_name": "Jane", "last_name": "Doe",
		"email": "jane.doe@student.example.edu", "discipline": "Art", "course": "ART 101", "method": "filament",
		"material": fx.Material.Id, "color": "True Red", "printer": fx.Printer.Id,
		"display_name": "JaneDoe_Filament_TrueRed_TEST.stl", "status_changed": t0, "status_key_salt": "test-salt",
	})
	if status != schema.StatusUploaded {
		j.Set("grams", 50)
		j.Set("hours", 2.5)
		j.Set("quote_cents", 500)
	}
	switch status {
	case schema.StatusPending:
		_, hash := jobs.NewToken()
		j.Set("confirm_token_hash", hash)
		j.Set("confirm_expires", t0.Add(72*time.Hour))
	case schema.StatusCompleted:
		j.Set("last_action", string(jobs.ActionComplete))
		j.Set("completed_at", t0)
	case schema.StatusPickedUp:
		j.Set("last_action", string(jobs.ActionPickup))
	}
	if err := app.Save(j); err != nil {
		tb.Fatal(err)
	}
	return j
}

var shortIDs int

func testShortID() string {
	shortIDs++
	const a = "ABCDEFGHJKMNPQRSTVWXYZ"
	n := shortIDs
	b := []byte("T00000")
	for i := 5; i > 0 && n > 0; i-- {
		b[i] = a[n%len(a)]
		n /= len(a)
	}
	return string(b)
}

// staffAt is the usual actor: Sam Lee at Front Desk (which may override).
func staffAt(fx *testapp.Fixtures) jobs.Actor {
	return jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id, CanOverride: true}
}

func count(tb testing.TB, app core.App, col, jobID string) int {
	tb.Helper()
	n, err := app.CountRecords(col, dbx.HashExp{"job": jobID})
	if err != nil {
		tb.Fatal(err)
	}
	return int(n)
}

func emailKinds(tb testing.TB, app core.App, jobID string) []string {
	tb.Helper()
	rows, err := app.FindRecordsByFilter(schema.Emails, "job = {:j}", "created", 0, 0, dbx.Params{"j": jobID})
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.GetString("kind"))
	}
	return out
}

func events(tb testing.TB, app core.App, jobID string) []*core.Record {
	tb.Helper()
	rows, err := app.FindRecordsByFilter(schema.Events, "job = {:j}", "created", 0, 0, dbx.Params{"j": jobID})
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// confirmToken digs the live confirmation token out of the job's confirm emails,
// as the student's inbox would have it: the one whose hash the job holds.
func confirmToken(tb testing.TB, app core.App, jobID string) string {
	tb.Helper()
	job, err := app.FindRecordById(schema.Jobs, jobID)
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := app.FindRecordsByFilter(schema.Emails, "job = {:j} && kind = 'confirm'", "", 0, 0, dbx.Params{"j": jobID})
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range rows {
		var d struct {
			ConfirmURL string `json:"confirm_url"`
		}
		if err := json.Unmarshal([]byte(r.GetString("data")), &d); err != nil {
			tb.Fatal(err)
		}
		_, token, _ := strings.Cut(d.ConfirmURL, "/confirm/#")
		if token != "" && jobs.HashToken(token) == job.GetString("confirm_token_hash") {
			return token
		}
	}
	tb.Fatalf("no confirm email carries the job's live link (%d emails)", len(rows))
	return ""
}

func seeded(tb testing.TB) (*tests.TestApp, *testapp.Fixtures) {
	app, fx := testapp.NewSeeded(tb)
	tb.Cleanup(app.Cleanup)
	return app, fx
}
