package desk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/logger"

	"printlab/hooks/jobs"
	"printlab/internal/testapp"
	"printlab/schema"
)

func TestMain(m *testing.M) { testapp.Main(m) }

const jobID = "deskjob00000001"

func deskApp(tb testing.TB) (*tests.TestApp, *testapp.Fixtures) {
	app, fx := testapp.NewSeeded(tb)
	c, _ := app.FindCollectionByNameOrId(schema.Jobs)
	j := core.NewRecord(c)
	j.Load(map[string]any{"id": jobID, "short_id": "DESK01", "status": "uploaded", "first_name": "Jane", "last_name": "Doe",
		"email": "jane@student.example.edu", "discipline": "Art", "course": "ART 101", "method": "filament",
		"material": fx.Material.Id, "color": "True Red", "printer": fx.Printer.Id})
	if err := app.Save(j); err != nil {
		tb.Fatal(err)
	}
	return app, fx
}

func TestActionRoutes(t *testing.T) {
	url := "/api/printlab/jobs/" + jobID + "/"
	var fx *testapp.Fixtures
	factory := func(tb testing.TB) *tests.TestApp {
		app, f := deskApp(tb)
		fx = f
		return app
	}
	auth := func(r *core.Record) func(tb testing.TB) map[string]string {
		return func(tb testing.TB) map[string]string { return map[string]string{"Authorization": testapp.Token(tb, r)} }
	}
	type sc struct {
		name, action, body string
		who                func() *core.Record
		before             func(tb testing.TB, app *tests.TestApp)
		status             int
		contains, absent   []string
	}
	front := func() *core.Record { return fx.Workstation }
	back := func() *core.Record { return fx.OtherWorkstation }
	scenarios := []sc{
		{name: "guest refused", action: "approve", body: `{}`, status: 401},
		{name: "approve", action: "approve", who: front, body: `{"staff":"STAFF","expected_status":"uploaded","grams":42.5,"hours":2.2}`,
			status: 200, contains: []string{`"status":"pending"`, `"quote_cents":425`, `"hours":2.5`}, absent: []string{"confirm_token_hash"}},
		{name: "staff missing", action: "approve", who: front, body: `{"expected_status":"uploaded","grams":42.5,"hours":2}`,
			status: 400, contains: []string{`"staff":{"code":"invalid"`, "choose who is performing this action"}},
		{name: "bad grams named", action: "approve", who: front, body: `{"staff":"STAFF","expected_status":"uploaded","grams":-3,"hours":2}`,
			status: 400, contains: []string{`"grams":{`, "more than 0 g"}},
		{name: "wrong type names the field and its type", action: "approve", who: front, body: `{"staff":"STAFF","expected_status":"uploaded","grams":"lots"}`,
			status: 400, contains: []string{`"grams":{"code":"invalid","message":"must be a number"}`}, absent: []string{"Go struct", "float64", "unmarshal"}},
		{name: "a number where text goes", action: "approve", who: front, body: `{"staff":7,"expected_status":"uploaded","grams":1,"hours":1}`,
			status: 400, contains: []string{`"staff":{"code":"invalid","message":"must be text"}`}, absent: []string{"actionBody"}},
		{name: "reasons not a list", action: "reject", who: front, body: `{"staff":"STAFF","expected_status":"uploaded","reasons":"thin"}`,
			status: 400, contains: []string{`"reasons":{"code":"invalid","message":"must be a list of text"}`}},
		{name: "broken JSON", action: "approve", who: front, body: `{"staff":"STAFF",nope}`,
			status: 400, contains: []string{"not valid JSON (near byte", "one JSON object"}, absent: []string{"invalid character"}},
		{name: "body over 64 KB", action: "note", who: front, body: `{"staff":"STAFF","expected_status":"uploaded","text":"` + strings.Repeat("x", 70000) + `"}`,
			status: 413, contains: []string{`"code":"too_large"`, "over 64 KB"}},
		{name: "expected status that is no status", action: "approve", who: front, body: `{"staff":"STAFF","expected_status":"bogus","grams":1,"hours":1}`,
			status: 400, contains: []string{`"expected_status":{"code":"invalid"`, `\"bogus\" is not a status`}},
		{name: "NUL in a reject reason", action: "reject", who: front, body: `{"staff":"STAFF","expected_status":"uploaded","reasons":["thin walls\u0000"]}`,
			status: 400, contains: []string{`"reasons":{"code":"invalid","message":"contains a NUL character"}`}},
		{name: "stale expected status", action: "approve", who: front, body: `{"staff":"STAFF","expected_status":"pending","grams":1,"hours":1}`,
			status: 409, contains: []string{"Your screen showed Pending confirmation", "it is now Uploaded"}},
		{name: "not allowed from status", action: "complete", who: front, body: `{"staff":"STAFF","expected_status":"uploaded"}`,
			status: 409, contains: []string{"A job that is Uploaded cannot be completed"}},
		{name: "unknown action", action: "explode", who: front, body: `{"staff":"STAFF","expected_status":"uploaded"}`, status: 404},
		{name: "claimed elsewhere", action: "reject", who: back, body: `{"staff":"STAFF2","expected_status":"uploaded","reasons":["Walls too thin"]}`,
			before: func(tb testing.TB, app *tests.TestApp) {
				if _, err := jobs.Do(app, jobs.Request{JobID: jobID, Action: jobs.ActionClaim, Expected: schema.StatusUploaded,
					By: jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id}, Now: time.Now()}); err != nil {
					tb.Fatal(err)
				}
			},
			status: 423, contains: []string{"Sam Lee at Front Desk is handling this job"}},
		{name: "override needs can_override", action: "override", who: back, body: `{"staff":"STAFF2","expected_status":"uploaded","to":"cancelled","reason":"x"}`,
			status: 403, contains: []string{"Only an admin"}},
		{name: "override by admin workstation", action: "override", who: front, body: `{"staff":"STAFF","expected_status":"uploaded","to":"cancelled","reason":"Duplicate upload"}`,
			status: 200, contains: []string{`"status":"cancelled"`}},
		{name: "note with markup is stored as text", action: "note", who: front, body: `{"staff":"STAFF","expected_status":"uploaded","text":"<script>alert(1)</script>"}`,
			status: 200, contains: []string{`\u003cscript\u003ealert(1)\u003c/script\u003e`}},
	}
	for _, s := range scenarios {
		s := s
		scenario := tests.ApiScenario{
			Name: s.name, Method: http.MethodPost, URL: url + s.action, TestAppFactory: factory,
			ExpectedStatus: s.status, ExpectedContent: s.contains, NotExpectedContent: s.absent,
		}
		if len(scenario.ExpectedContent) == 0 {
			scenario.ExpectedContent = []string{""}
		}
		scenario.BeforeTestFunc = func(tb testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			body := strings.ReplaceAll(s.body, `"STAFF2"`, `"`+fx.OtherStaff.Id+`"`)
			body = strings.ReplaceAll(body, `"STAFF"`, `"`+fx.Staff.Id+`"`)
			scenario.Body = strings.NewReader(body)
			if s.who != nil {
				scenario.Headers = auth(s.who())(tb)
			}
			if s.before != nil {
				s.before(tb, app)
			}
		}
		scenario.Test(t)
	}
}

// A status edited in the admin UI goes through the engine as an override.
func TestAdminUIStatusEditIsAnOverride(t *testing.T) {
	var fx *testapp.Fixtures
	scenario := tests.ApiScenario{
		Method: http.MethodPatch, URL: "/api/collections/jobs/records/" + jobID,
		Body:           strings.NewReader(`{"status":"ready_to_print","color":"Blue"}`),
		ExpectedStatus: 200, ExpectedContent: []string{`"status":"ready_to_print"`, `"color":"Blue"`},
		TestAppFactory: func(tb testing.TB) *tests.TestApp {
			app, f := deskApp(tb)
			fx = f
			return app
		},
		BeforeTestFunc: func(tb testing.TB, app *tests.TestApp, e *core.ServeEvent) {},
		AfterTestFunc: func(tb testing.TB, app *tests.TestApp, res *http.Response) {
			ev, err := app.FindFirstRecordByFilter(schema.Events, "job = {:j}", dbx.Params{"j": jobID})
			if err != nil {
				tb.Fatal("no event written for the admin's status change")
			}
			if ev.GetString("type") != "override" || ev.GetString("from_status") != "uploaded" ||
				ev.GetString("to_status") != "ready_to_print" || !strings.Contains(ev.GetString("details"), "admin@example.com") {
				tb.Errorf("event %v", ev.PublicExport())
			}
			job, _ := app.FindRecordById(schema.Jobs, jobID)
			if job.GetString("last_action") != "override" || job.GetString("color") != "Blue" {
				tb.Errorf("job after admin edit: action %q, color %q", job.GetString("last_action"), job.GetString("color"))
			}
		},
	}
	scenario.BeforeTestFunc = func(tb testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		scenario.Headers = map[string]string{"Authorization": testapp.Token(tb, fx.Superuser)}
	}
	scenario.Test(t)
}

// A move's event is its record: a successful move stays out of PocketBase's
// request log, a refused one is logged so that IT can see what went wrong.
func TestMovesInTheRequestLog(t *testing.T) {
	app, fx := deskApp(t)
	defer app.Cleanup()
	app.Settings().Logs.MaxDays = 5 // tests.TestApp turns logs off; a lab keeps them
	token := testapp.Token(t, fx.Workstation)
	move := func(action, body string) int {
		req := httptest.NewRequest(http.MethodPost, "/api/printlab/jobs/"+jobID+"/"+action, strings.NewReader(body))
		req.Header.Set("Authorization", token)
		req.Header.Set("Content-Type", "application/json")
		return testapp.Do(t, app, req).Code
	}
	if got := move("review", `{"staff":"`+fx.Staff.Id+`","expected_status":"uploaded"}`); got != 200 {
		t.Fatalf("review: %d", got)
	}
	if got := move("approve", `{"staff":"`+fx.Staff.Id+`","expected_status":"printing","grams":10,"hours":1}`); got != 409 {
		t.Fatalf("approve with a stale status: %d, want 409", got)
	}
	// PocketBase writes a request's log line from a goroutine of its own, into
	// a batch: flush until the refusal's line is in, then once more.
	h, ok := app.Logger().Handler().(*logger.BatchHandler)
	if !ok {
		t.Fatalf("the app's log handler is a %T", app.Logger().Handler())
	}
	var got []string
	read := func() {
		if err := h.WriteAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		var logs []*core.Log
		if err := app.LogQuery().Where(dbx.Like("message", "/api/printlab/jobs/")).All(&logs); err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, l := range logs {
			got = append(got, fmt.Sprint(l.Data["url"], " ", l.Data["status"]))
		}
	}
	for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		read()
	}
	time.Sleep(100 * time.Millisecond)
	read()
	want := []string{"/api/printlab/jobs/" + jobID + "/approve 409"}
	if !slices.Equal(got, want) {
		t.Errorf("request log holds %q, want %q", got, want)
	}
}
