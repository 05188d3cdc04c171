package pb_migrations_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"printlab/internal/testapp"
	"printlab/schema"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// Fixed ids of the records the access matrix reads and writes.
const (
	jobID     = "jobfixture00001"
	eventID   = "evtfixture00001"
	paymentID = "payfixture00001"
	emailID   = "emlfixture00001"
	runID     = "runfixture00001"
	// secrets that must never leave the server through the record API
	studentEmail = "leak-check@student.example.edu"
	tokenHash    = "hash-of-confirm-token-0123456789abcdef"
	keyHash      = "salt-of-status-key-0123456789abcdef"
	emailBody    = "BODY-WITH-PRIVATE-LINK"
)

// accessApp is the seeded app plus one record in every history collection.
func accessApp(tb testing.TB) (*tests.TestApp, *testapp.Fixtures) {
	app, fx := testapp.NewSeeded(tb)
	save := func(col string, data map[string]any) *core.Record {
		c, err := app.FindCollectionByNameOrId(col)
		if err != nil {
			tb.Fatal(err)
		}
		r := core.NewRecord(c)
		r.Load(data)
		if err := app.Save(r); err != nil {
			tb.Fatalf("%s: %v", col, err)
		}
		return r
	}
	model, err := filesystem.NewFileFromBytes([]byte("solid cube\nendsolid cube\n"), "cube.stl")
	if err != nil {
		tb.Fatal(err)
	}
	save(schema.Jobs, map[string]any{
		"id": jobID, "short_id": "7F3K2Q", "status": "uploaded", "first_name": "Jane", "last_name": "Doe",
		"email": studentEmail, "discipline": "Art", "course": "ART 101", "method": "filament",
		"material": fx.Material.Id, "color": "True Red", "printer": fx.Printer.Id,
		"model": model, "confirm_token_hash": tokenHash, "status_key_salt": keyHash,
	})
	save(schema.Events, map[string]any{"id": eventID, "job": jobID, "type": "submit", "to_status": "uploaded",
		"staff": fx.Staff.Id, "workstation": fx.Workstation.Id})
	save(schema.Payments, map[string]any{"id": paymentID, "job": jobID, "grams": 10, "amount_cents": 300,
		"staff": fx.Staff.Id, "workstation": fx.Workstation.Id})
	save(schema.Emails, map[string]any{"id": emailID, "job": jobID, "kind": "received", "recipient": studentEmail,
		"subject": "We received your print request", "html": emailBody, "text": emailBody,
		"state": "queued", "dedupe_key": "received:" + jobID})
	save(schema.CronRuns, map[string]any{"id": runID, "name": "outbox", "ok": true})
	return app, fx
}

type role int

const (
	anonymous role = iota
	workstation
	superuser
)

func (r role) String() string { return [...]string{"anonymous", "workstation", "superuser"}[r] }

type op struct {
	name, method, path string
	body               string
}

// want is one cell of the matrix: the status and, for reads, what must and must
// not be in the body.
type want struct {
	status   int
	contains []string
	absent   []string
}

func TestAccessMatrix(t *testing.T) {
	// The records that would leak if a rule were wrong.
	private := []string{studentEmail, tokenHash, keyHash, emailBody, "Sam Lee", "Front Desk", "Makerspace front desk"}
	empty := want{status: 200, contains: []string{`"items":[]`, `"totalItems":0`}, absent: private}
	notFound := want{status: 404, absent: private}
	forbidden := want{status: 403, absent: private}
	ok := want{status: 200}
	noContent := want{status: 204}
	badRequest := want{status: 400}

	type row struct {
		collection, id string
		create, update string // JSON bodies
		cells          map[role]map[string]want
	}
	hidden := []string{tokenHash, keyHash, "confirm_token_hash", "status_key_salt"}
	rows := []row{
		{schema.Workstations, "", `{"username":"lab3","name":"Lab 3","password":"test-password-123","passwordConfirm":"test-password-123"}`, `{"name":"Renamed"}`, map[role]map[string]want{
			anonymous:   {"list": empty, "view": notFound, "create": forbidden, "update": forbidden, "delete": forbidden},
			workstation: {"list": {status: 200, contains: []string{`"totalItems":1`, "Front Desk"}, absent: []string{"Back Room", "tokenKey", "password"}}, "view": notFound, "create": forbidden, "update": forbidden, "delete": forbidden},
			superuser:   {"list": {status: 200, contains: []string{"Front Desk", "Back Room"}}, "view": ok, "create": ok, "update": ok, "delete": noContent},
		}},
		{schema.Staff, "", `{"name":"New Person","active":true}`, `{"active":false}`, map[role]map[string]want{
			anonymous:   {"list": empty, "view": notFound, "create": forbidden, "update": forbidden, "delete": forbidden},
			workstation: {"list": {status: 200, contains: []string{"Sam Lee", "Casey Morgan"}}, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
			superuser:   {"list": ok, "view": ok, "create": ok, "update": ok, "delete": badRequest}, // Sam Lee has history
		}},
		{schema.Printers, "", `{"name":"Bambu X1C","method":"filament","build_x":256,"build_y":256,"build_z":256,"active":true}`, `{"sort":9}`, map[role]map[string]want{
			anonymous:   {"list": {status: 200, contains: []string{"Prusa MK4S", "Formlabs Form 3"}, absent: []string{"Retired Ender 3"}}, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
			workstation: {"list": {status: 200, contains: []string{"Prusa MK4S", "Retired Ender 3"}}, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
			superuser:   {"list": ok, "view": ok, "create": ok, "update": ok, "delete": badRequest}, // a job uses it
		}},
		{schema.Materials, "", `{"name":"PETG","method":"filament","cents_per_gram":12,"density":1.27,"colors":["Black"],"active":true}`, `{"sort":9}`, map[role]map[string]want{
			anonymous:   {"list": {status: 200, contains: []string{"PLA", "Resin", "True Red"}}, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
			workstation: {"list": ok, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
			superuser:   {"list": ok, "view": ok, "create": ok, "update": ok, "delete": badRequest},
		}},
		{schema.LabSettings, "", `{"key":"lab","lab_name":"Second","timezone":"UTC","confirm_hours":72,"archive_days":45,"prune_days":365,"max_upload_mb":50,"estimate_fill":0.3}`, `{"lab_name":"Renamed Lab"}`, map[role]map[string]want{
			anonymous:   {"list": empty, "view": notFound, "create": forbidden, "update": forbidden, "delete": forbidden},
			workstation: {"list": {status: 200, contains: []string{"Makerspace front desk", `"totalItems":1`}}, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
			superuser:   {"list": ok, "view": ok, "create": badRequest, "update": ok, "delete": badRequest}, // exactly one record
		}},
		{schema.Jobs, jobID, `{"short_id":"ABCDEF","status":"uploaded"}`, `{"color":"Blue"}`, map[role]map[string]want{
			anonymous:   {"list": empty, "view": notFound, "create": forbidden, "update": forbidden, "delete": forbidden},
			workstation: {"list": {status: 200, contains: []string{studentEmail, "7F3K2Q"}, absent: hidden}, "view": {status: 200, contains: []string{studentEmail}, absent: hidden}, "create": forbidden, "update": forbidden, "delete": forbidden},
			superuser:   {"list": ok, "view": ok, "create": forbidden, "update": ok, "delete": forbidden},
		}},
		{schema.Events, eventID, `{"job":"` + jobID + `","type":"fake"}`, `{"type":"edited"}`, map[role]map[string]want{
			anonymous:   {"list": empty, "view": notFound, "create": forbidden, "update": forbidden, "delete": forbidden},
			workstation: {"list": {status: 200, contains: []string{`"type":"submit"`}}, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
			superuser:   {"list": ok, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
		}},
		{schema.Payments, paymentID, `{"job":"` + jobID + `","amount_cents":1}`, `{"amount_cents":1}`, map[role]map[string]want{
			anonymous:   {"list": empty, "view": notFound, "create": forbidden, "update": forbidden, "delete": forbidden},
			workstation: {"list": {status: 200, contains: []string{`"amount_cents":300`}}, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
			superuser:   {"list": ok, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
		}},
		{schema.Emails, emailID, `{"kind":"x","recipient":"a@b.c","state":"queued","dedupe_key":"k"}`, `{"recipient":"fixed@example.edu"}`, map[role]map[string]want{
			anonymous:   {"list": empty, "view": notFound, "create": forbidden, "update": forbidden, "delete": forbidden},
			workstation: {"list": {status: 200, contains: []string{"We received your print request"}, absent: []string{emailBody}}, "view": {status: 200, absent: []string{emailBody}}, "create": forbidden, "update": forbidden, "delete": forbidden},
			superuser:   {"list": ok, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
		}},
		{schema.CronRuns, runID, `{"name":"other"}`, `{"ok":false}`, map[role]map[string]want{
			anonymous:   {"list": empty, "view": notFound, "create": forbidden, "update": forbidden, "delete": forbidden},
			workstation: {"list": {status: 200, contains: []string{`"name":"outbox"`}}, "view": ok, "create": forbidden, "update": forbidden, "delete": forbidden},
			superuser:   {"list": ok, "view": ok, "create": ok, "update": ok, "delete": noContent},
		}},
	}

	for _, r := range rows {
		for _, who := range []role{anonymous, workstation, superuser} {
			for _, o := range []string{"list", "view", "create", "update", "delete"} {
				w, found := r.cells[who][o]
				if !found {
					t.Fatalf("%s: no expectation for %s %s", r.collection, who, o)
				}
				r, who, o, w := r, who, o, w
				var target string // resolved inside the factory: ids of seeded rows
				sc := tests.ApiScenario{
					Name:               r.collection + "/" + who.String() + "/" + o,
					ExpectedStatus:     w.status,
					NotExpectedContent: append([]string{}, w.absent...),
					ExpectedContent:    w.contains,
				}
				if len(sc.ExpectedContent) == 0 {
					sc.ExpectedContent = []string{""}
					if w.status == 204 {
						sc.ExpectedContent = nil
					}
				}
				var fx *testapp.Fixtures
				sc.TestAppFactory = func(tb testing.TB) *tests.TestApp {
					app, f := accessApp(tb)
					fx = f
					return app
				}
				sc.BeforeTestFunc = func(tb testing.TB, app *tests.TestApp, e *core.ServeEvent) {
					target = r.id
					switch r.collection {
					case schema.Workstations:
						target = fx.OtherWorkstation.Id // another PC: never visible to a workstation
						if o == "delete" {
							target = fx.OtherWorkstation.Id // no history: superusers may delete it
						}
					case schema.Staff:
						target = fx.Staff.Id
					case schema.Printers:
						target = fx.Printer.Id
					case schema.Materials:
						target = fx.Material.Id
					case schema.LabSettings:
						s, err := app.FindFirstRecordByData(schema.LabSettings, "key", schema.SettingsKey)
						if err != nil {
							tb.Fatal(err)
						}
						target = s.Id
					}
					base := "/api/collections/" + r.collection + "/records"
					switch o {
					case "list":
						sc.Method, sc.URL = http.MethodGet, base
					case "view":
						sc.Method, sc.URL = http.MethodGet, base+"/"+target
					case "create":
						sc.Method, sc.URL, sc.Body = http.MethodPost, base, strings.NewReader(r.create)
					case "update":
						sc.Method, sc.URL, sc.Body = http.MethodPatch, base+"/"+target, strings.NewReader(r.update)
					case "delete":
						sc.Method, sc.URL = http.MethodDelete, base+"/"+target
					}
					switch who {
					case workstation:
						sc.Headers = map[string]string{"Authorization": testapp.Token(tb, fx.Workstation)}
					case superuser:
						sc.Headers = map[string]string{"Authorization": testapp.Token(tb, fx.Superuser)}
					}
				}
				sc.Test(t)
			}
		}
	}
}
