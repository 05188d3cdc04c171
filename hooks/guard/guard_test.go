package guard_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"printlab/internal/testapp"
	"printlab/schema"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// save creates a record directly (as PrintLab's own code does, past the
// request hooks under test).
func save(tb testing.TB, app core.App, col string, fields map[string]any) *core.Record {
	tb.Helper()
	c, err := app.FindCollectionByNameOrId(col)
	if err != nil {
		tb.Fatal(err)
	}
	r := core.NewRecord(c)
	r.Load(fields)
	if err := app.Save(r); err != nil {
		tb.Fatalf("%s: %v", col, err)
	}
	return r
}

// A superuser in the admin UI bypasses access rules, so the guards are what
// keeps history whole: each refusal is a 403 or 400 that says what to do
// instead, and the record is left exactly as it was.
func TestHistoryCannotBeRewrittenEvenBySuperusers(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	job := save(t, app, schema.Jobs, map[string]any{
		"short_id": "GRD234", "status": string(schema.StatusCompleted), "first_name": "Jane", "last_name": "Doe",
		"email": "jane@student.example.edu", "discipline": "Art", "course": "ART 101", "method": "filament",
		"material": fx.Material.Id, "color": "True Red", "printer": fx.Printer.Id,
		"display_name": "JaneDoe_Filament_TrueRed_GRD234.stl", "status_key_salt": "salt",
	})
	event := save(t, app, schema.Events, map[string]any{"job": job.Id, "type": "complete", "staff": fx.Staff.Id,
		"workstation": fx.Workstation.Id, "actor": "staff", "from_status": "printing", "to_status": "completed"})
	payment := save(t, app, schema.Payments, map[string]any{"job": job.Id, "grams": 40, "amount_cents": 400,
		"reference": "R-1", "staff": fx.Staff.Id, "workstation": fx.Workstation.Id})
	email := save(t, app, schema.Emails, map[string]any{"job": job.Id, "kind": "ready", "recipient": "jane@student.example.edu",
		"subject": "Your print is ready", "state": schema.EmailSent, "dedupe_key": "ready:" + job.Id})
	admin := testapp.Token(t, fx.Superuser)

	rec := func(col, id string) string { return "/api/collections/" + col + "/records/" + id }
	cases := []struct {
		name, method, path, body string
		status                   int
		says                     string
	}{
		{"create a job", "POST", "/api/collections/jobs/records", `{"first_name":"X"}`, 403, "created by the submit page"},
		{"delete a job", "DELETE", rec(schema.Jobs, job.Id), "", 403, "never deleted"},
		{"create an event", "POST", "/api/collections/events/records", `{"job":"` + job.Id + `","type":"x"}`, 403, "part of a job's history"},
		{"edit an event", "PATCH", rec(schema.Events, event.Id), `{"to_status":"picked_up"}`, 403, "part of a job's history"},
		{"delete an event", "DELETE", rec(schema.Events, event.Id), "", 403, "part of a job's history"},
		{"create a payment", "POST", "/api/collections/payments/records", `{"job":"` + job.Id + `","amount_cents":1}`, 403, "part of a job's history"},
		{"edit a payment", "PATCH", rec(schema.Payments, payment.Id), `{"amount_cents":1}`, 403, "part of a job's history"},
		{"delete a payment", "DELETE", rec(schema.Payments, payment.Id), "", 403, "part of a job's history"},
		{"create an email", "POST", "/api/collections/emails/records", `{"kind":"ready","recipient":"a@b.cd","state":"queued","dedupe_key":"x"}`, 403, "use Resend"},
		{"edit an email", "PATCH", rec(schema.Emails, email.Id), `{"state":"queued"}`, 403, "use Resend on the job"},
		{"delete an email", "DELETE", rec(schema.Emails, email.Id), "", 403, "part of a job's history"},
		{"delete staff with history", "DELETE", rec(schema.Staff, fx.Staff.Id), "", 400, "untick Active"},
		{"delete a workstation with history", "DELETE", rec(schema.Workstations, fx.Workstation.Id), "", 400, "change its password"},
	}
	snapshot := func() string {
		var b strings.Builder
		for _, r := range []*core.Record{job, event, payment, email, fx.Staff, fx.Workstation} {
			got, err := app.FindRecordById(r.Collection().Name, r.Id)
			if err != nil {
				t.Fatalf("%s %s is gone: %v", r.Collection().Name, r.Id, err)
			}
			j, _ := json.Marshal(got.FieldsData())
			b.Write(j)
		}
		for _, col := range []string{schema.Jobs, schema.Events, schema.Payments, schema.Emails} {
			n, _ := app.CountRecords(col)
			fmt.Fprintf(&b, " %s:%d", col, n)
		}
		return b.String()
	}
	before := snapshot()
	for _, c := range cases {
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", admin)
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res := testapp.Do(t, app, req)
		if res.Code != c.status || !strings.Contains(res.Body.String(), c.says) {
			t.Errorf("%s: %d %s, want %d saying %q", c.name, res.Code, res.Body, c.status, c.says)
		}
		if after := snapshot(); after != before {
			t.Fatalf("%s changed the data:\n%s\n%s", c.name, before, after)
		}
	}

	// A staff member without history may be deleted (a name added by mistake).
	res := testapp.Do(t, app, authed(httptest.NewRequest("DELETE", rec(schema.Staff, fx.OtherStaff.Id), nil), admin))
	if res.Code != http.StatusNoContent {
		t.Errorf("deleting staff without history: %d %s", res.Code, res.Body)
	}
}

func authed(r *http.Request, token string) *http.Request {
	r.Header.Set("Authorization", token)
	return r
}

// A workstation signs in once a workday: its token is not renewed, so it ends
// after its 12 hours however busy the PC is. Signing in again works.
func TestWorkstationSessionIsNotRenewed(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	signIn := func() string {
		req := httptest.NewRequest("POST", "/api/collections/workstations/auth-with-password",
			strings.NewReader(`{"identity":"frontdesk","password":"`+testapp.WorkstationPassword+`"}`))
		req.Header.Set("Content-Type", "application/json")
		res := testapp.Do(t, app, req)
		var out struct {
			Token string `json:"token"`
		}
		if res.Code != 200 || json.Unmarshal(res.Body.Bytes(), &out) != nil || out.Token == "" {
			t.Fatalf("sign-in: %d %s", res.Code, res.Body)
		}
		return out.Token
	}
	token := signIn()
	res := testapp.Do(t, app, authed(httptest.NewRequest("POST", "/api/collections/workstations/auth-refresh", nil), token))
	if res.Code != http.StatusForbidden || !strings.Contains(res.Body.String(), "sign in again") || strings.Contains(res.Body.String(), `"token"`) {
		t.Errorf("auth-refresh: %d %s", res.Code, res.Body)
	}
	// The token itself still works for its day, and a new sign-in gets a new one.
	res = testapp.Do(t, app, authed(httptest.NewRequest("GET", "/api/collections/workstations/records/"+fx.Workstation.Id, nil), token))
	if res.Code != 200 {
		t.Errorf("the day's token after a refused refresh: %d %s", res.Code, res.Body)
	}
	signIn()
}

// A staff member, printer or material added in the admin UI starts active, so
// it appears in "performing action as" and on the submit page at once: the
// admin UI sends an unticked Active box as false, so every API create starts
// active, whatever it sends. Unticking Active afterwards still retires it.
func TestNewStaffPrintersAndMaterialsStartActive(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	admin := testapp.Token(t, fx.Superuser)
	send := func(method, path, body string) map[string]any {
		t.Helper()
		req := authed(httptest.NewRequest(method, path, strings.NewReader(body)), admin)
		req.Header.Set("Content-Type", "application/json")
		res := testapp.Do(t, app, req)
		var out map[string]any
		if res.Code != 200 || json.Unmarshal(res.Body.Bytes(), &out) != nil {
			t.Fatalf("%s %s: %d %s", method, path, res.Code, res.Body)
		}
		return out
	}
	creates := []struct{ col, body string }{
		{schema.Staff, `{"name":"New Person"}`},
		{schema.Staff, `{"name":"Unticked Person","active":false}`},
		{schema.Printers, `{"name":"Bambu X1C","method":"filament","build_x":256,"build_y":256,"build_z":256,"active":false}`},
		{schema.Materials, `{"name":"PETG","method":"filament","cents_per_gram":12,"density":1.27,"colors":["Black"]}`},
	}
	for _, c := range creates {
		out := send("POST", "/api/collections/"+c.col+"/records", c.body)
		if out["active"] != true {
			t.Errorf("%s %s: created inactive", c.col, c.body)
		}
	}
	// The new printer and material are on the submit page.
	res := testapp.Do(t, app, httptest.NewRequest("GET", "/api/printlab/catalog", nil))
	if res.Code != 200 || !strings.Contains(res.Body.String(), "Bambu X1C") || !strings.Contains(res.Body.String(), "PETG") {
		t.Errorf("catalog: %d %s", res.Code, res.Body)
	}

	person, err := app.FindFirstRecordByData(schema.Staff, "name", "New Person")
	if err != nil {
		t.Fatal(err)
	}
	if out := send("PATCH", "/api/collections/staff/records/"+person.Id, `{"active":false}`); out["active"] != false {
		t.Error("unticking Active on an existing staff member did not retire them")
	}
	// PrintLab's own code (and the fixtures) still create inactive records.
	if fx.InactiveStaff.GetBool("active") || fx.InactivePrinter.GetBool("active") {
		t.Error("app.Save of an inactive record made it active")
	}
}
