package intake_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/hooks/jobs"
	"printlab/hooks/mail"
	"printlab/internal/testapp"
	"printlab/schema"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// studentApp has one approved job; it returns the job's status key and the raw
// confirmation token from the outbox, as the student's inbox has them.
func studentApp(tb testing.TB) (*tests.TestApp, string, string, string) {
	app, fx := testapp.NewSeeded(tb)
	c, _ := app.FindCollectionByNameOrId(schema.Jobs)
	j := core.NewRecord(c)
	j.Load(map[string]any{"short_id": "STUD01", "status": "uploaded", "first_name": "Jane", "last_name": "Doe",
		"email": "jane@student.example.edu", "discipline": "Art", "course": "ART 101", "method": "filament",
		"material": fx.Material.Id, "color": "True Red", "printer": fx.Printer.Id})
	if err := app.Save(j); err != nil {
		tb.Fatal(err)
	}
	_, err := jobs.Do(app, jobs.Request{JobID: j.Id, Action: jobs.ActionApprove, Expected: schema.StatusUploaded,
		By:    jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id},
		Input: jobs.Input{Grams: ptr(42), Hours: ptr(1)}})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := jobs.Do(app, jobs.Request{JobID: j.Id, Action: jobs.ActionNote, Expected: schema.StatusPending,
		By:    jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id},
		Input: jobs.Input{Text: "STAFF-ONLY-NOTE"}}); err != nil {
		tb.Fatal(err)
	}
	email, err := app.FindFirstRecordByFilter(schema.Emails, "job = {:j} && kind = 'confirm'", dbx.Params{"j": j.Id})
	if err != nil {
		tb.Fatal(err)
	}
	if err := mail.Render(app, email); err != nil {
		tb.Fatal(err)
	}
	text := email.GetString("text")
	status := between(text, "/status/#"+j.Id+".", "\n")
	token := between(text, "/confirm/#", "\n")
	return app, j.Id, strings.TrimSpace(status), strings.TrimSpace(token)
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, end)
	return before
}

func ptr(f float64) *float64 { return &f }

func TestStudentStatusAndConfirm(t *testing.T) {
	var id, key, token string
	factory := func(tb testing.TB) *tests.TestApp {
		app, i, k, tok := studentApp(tb)
		id, key, token = i, k, tok
		if len(key) < 20 || len(token) != 32 {
			tb.Fatalf("links not found in the email: key %q token %q", key, token)
		}
		return app
	}
	staffOnly := []string{"STAFF-ONLY-NOTE", "Sam Lee", "Front Desk", "jane@student.example.edu", "confirm_token_hash", "status_key_salt"}
	type sc struct {
		name, method string
		url          func() string
		body         func() string
		status       int
		contains     []string
		after        func(tb testing.TB, app *tests.TestApp)
	}
	scenarios := []sc{
		{name: "status with the key", method: "GET", url: func() string { return "/api/printlab/status/" + id + "?key=" + key },
			status: 200, contains: []string{`"status":"pending"`, `"quote_cents":420`, `"can_cancel":true`, "sent you a quote", `"timezone":"America/Chicago"`}},
		{name: "status with a wrong key", method: "GET", url: func() string { return "/api/printlab/status/" + id + "?key=" + key + "x" },
			status: 404, contains: []string{"can't find this request"}},
		{name: "status of a missing job looks the same", method: "GET", url: func() string { return "/api/printlab/status/nosuchjob000000?key=" + key },
			status: 404, contains: []string{"can't find this request"}},
		{name: "confirm page changes nothing", method: "GET", url: func() string { return "/api/printlab/confirm/" + token },
			status: 200, contains: []string{`"usable":true`, `"quote_cents":420`, `"timezone":"America/Chicago"`},
			after: func(tb testing.TB, app *tests.TestApp) {
				if j, _ := app.FindRecordById(schema.Jobs, id); j.GetString("status") != "pending" {
					tb.Error("viewing the confirm page changed the job")
				}
			}},
		{name: "confirm", method: "POST", url: func() string { return "/api/printlab/confirm/" + token },
			status: 200, contains: []string{`"confirmed":true`, `"status":"ready_to_print"`}},
		{name: "unknown token", method: "POST", url: func() string { return "/api/printlab/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
			status: 404, contains: []string{"don't recognise this confirmation link"}},
		{name: "cancel with the key", method: "POST", url: func() string { return "/api/printlab/status/" + id + "/cancel" },
			body: func() string { return `{"key":"` + key + `","reason":"<b>changed my mind</b>"}` }, status: 200,
			contains: []string{`"status":"cancelled"`, `"can_cancel":false`}},
		{name: "cancel with a wrong key", method: "POST", url: func() string { return "/api/printlab/status/" + id + "/cancel" },
			body: func() string { return `{"key":"nope"}` }, status: 404},
	}
	for _, s := range scenarios {
		s := s
		scenario := tests.ApiScenario{Name: s.name, Method: s.method, TestAppFactory: factory,
			ExpectedStatus: s.status, ExpectedContent: s.contains, NotExpectedContent: staffOnly}
		scenario.BeforeTestFunc = func(tb testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			scenario.URL = s.url()
			if s.body != nil {
				scenario.Body = strings.NewReader(s.body())
			}
		}
		if s.after != nil {
			scenario.AfterTestFunc = func(tb testing.TB, app *tests.TestApp, res *http.Response) { s.after(tb, app) }
		}
		scenario.Test(t)
	}
}

func TestConfirmTwiceExplainsItself(t *testing.T) {
	app, _, _, token := studentApp(t)
	defer app.Cleanup()
	if _, err := jobs.ConfirmByToken(app, token, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err := jobs.ConfirmByToken(app, token, time.Now())
	if je, ok := jobs.AsError(err); !ok || je.Code != "used" {
		t.Fatalf("second use: %v", err)
	}
}
