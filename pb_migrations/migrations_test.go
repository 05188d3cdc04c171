package pb_migrations_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/internal/testapp"
	"printlab/schema"
)

func TestMigrationsCreateSchemaAndDefaults(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()

	wantFields := map[string][]string{
		schema.Workstations: {"username", "name", "can_override", "created", "updated"},
		schema.Staff:        {"name", "active", "deactivated", "created", "updated"},
		schema.Printers:     {"name", "method", "build_x", "build_y", "build_z", "active", "sort"},
		schema.Materials:    {"name", "method", "cents_per_gram", "density", "colors", "active"},
		schema.LabSettings: {"key", "lab_name", "public_url", "notice", "pickup_location", "pickup_hours",
			"payment_methods", "timezone", "min_charge_cents", "confirm_hours", "undo_minutes", "requote_percent",
			"archive_days", "prune_days", "pickup_reminder_days", "max_upload_mb", "submits_per_ip_hour",
			"estimate_fill", "sound_on", "sound_volume", "disciplines", "rejection_reasons", "cents_per_hour"},
		schema.Jobs: {"short_id", "status", "first_name", "last_name", "email", "discipline", "course", "method",
			"material", "color", "printer", "ack_min_charge", "ack_mm", "model", "print_file", "thumbnail",
			"display_name", "original_name", "sha256", "model_stats", "grams", "hours", "quote_cents",
			"final_cents", "confirm_token_hash", "confirm_expires", "confirmed_at", "reviewed", "confirm_expired",
			"uncollected", "failure_count", "claim_workstation", "claim_staff", "claim_until", "status_key_salt",
			"notes", "last_action", "last_staff", "last_workstation", "created", "updated"},
		schema.Events:   {"job", "type", "staff", "workstation", "from_status", "to_status", "details", "created"},
		schema.Payments: {"job", "grams", "amount_cents", "reference", "picked_up_by", "staff", "workstation", "voided"},
		schema.Emails: {"job", "kind", "recipient", "subject", "html", "text", "state", "attempts", "next_attempt",
			"last_error", "sent_at", "dedupe_key"},
		schema.CronRuns: {"name", "started", "finished", "ok", "message"},
	}
	for name, fields := range wantFields {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			t.Fatalf("collection %s missing: %v", name, err)
		}
		for _, f := range fields {
			if c.Fields.GetByName(f) == nil {
				t.Errorf("%s: field %s missing", name, f)
			}
		}
		if c.ListRule == nil || c.ViewRule == nil {
			t.Errorf("%s: list/view rules should let workstations read", name)
		}
		if c.CreateRule != nil || c.UpdateRule != nil || c.DeleteRule != nil {
			t.Errorf("%s: writes must be superuser-only (nil rules)", name)
		}
	}

	jobs, _ := app.FindCollectionByNameOrId(schema.Jobs)
	for _, f := range []string{"model", "print_file", "thumbnail"} {
		if ff, ok := jobs.Fields.GetByName(f).(*core.FileField); !ok || !ff.Protected {
			t.Errorf("jobs.%s must be a protected file field", f)
		}
	}
	for _, f := range []string{"confirm_token_hash", "status_key_salt"} {
		if !jobs.Fields.GetByName(f).GetHidden() {
			t.Errorf("jobs.%s must be hidden", f)
		}
	}
	indexes := strings.Join(jobs.Indexes, "\n")
	for _, want := range []string{"`short_id`", "`status`, `created`", "`email`, `sha256`"} {
		if !strings.Contains(strings.ReplaceAll(indexes, " ,", ","), want) && !strings.Contains(indexes, strings.ReplaceAll(want, "`", "")) {
			t.Errorf("jobs index on %s missing in:\n%s", want, indexes)
		}
	}

	ws, _ := app.FindCollectionByNameOrId(schema.Workstations)
	if ws.AuthToken.Duration != 12*3600 {
		t.Errorf("workstation token lasts %d s, want 12 h", ws.AuthToken.Duration)
	}
	if _, err := app.FindCollectionByNameOrId("users"); err == nil {
		t.Error("PocketBase's self-registration users collection must be removed")
	}

	// Defaults of SPEC §11.
	printers, _ := app.FindAllRecords(schema.Printers)
	var names []string
	for _, p := range printers {
		names = append(names, p.GetString("name"))
	}
	for _, want := range []string{"Prusa MK4S", "Prusa XL", "Raise3D Pro 2 Plus", "Formlabs Form 3"} {
		if !slices.Contains(names, want) {
			t.Errorf("default printer %s missing (have %v)", want, names)
		}
	}
	form3, _ := app.FindFirstRecordByData(schema.Printers, "name", "Formlabs Form 3")
	if form3.GetString("method") != "resin" || form3.GetFloat("build_z") != 175 {
		t.Errorf("Form 3 defaults wrong: %v", form3.PublicExport())
	}
	pla, _ := app.FindFirstRecordByData(schema.Materials, "name", "PLA")
	var colors []string
	_ = pla.UnmarshalJSONField("colors", &colors)
	if pla.GetInt("cents_per_gram") != 10 || pla.GetFloat("density") != 1.24 || len(colors) != 23 || colors[0] != "True Red" {
		t.Errorf("PLA defaults wrong: %d ¢/g, density %v, %d colours", pla.GetInt("cents_per_gram"), pla.GetFloat("density"), len(colors))
	}
	resin, _ := app.FindFirstRecordByData(schema.Materials, "name", "Resin")
	if resin.GetInt("cents_per_gram") != 20 {
		t.Errorf("resin rate %d, want 20", resin.GetInt("cents_per_gram"))
	}
	s, err := app.FindFirstRecordByData(schema.LabSettings, "key", schema.SettingsKey)
	if err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]int{"min_charge_cents": 300, "confirm_hours": 72, "undo_minutes": 15,
		"requote_percent": 20, "archive_days": 45, "prune_days": 365, "max_upload_mb": 50} {
		if got := s.GetInt(field); got != want {
			t.Errorf("setting %s = %d, want %d", field, got, want)
		}
	}
	var reasons []string
	_ = s.UnmarshalJSONField("rejection_reasons", &reasons)
	if len(reasons) != 7 || !slices.Contains(reasons, "Walls too thin") {
		t.Errorf("rejection reasons: %v", reasons)
	}
}

func TestMigrationsTwiceChangeNothing(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()
	count := func() map[string]int {
		out := map[string]int{}
		for _, c := range []string{schema.Printers, schema.Materials, schema.LabSettings} {
			n, err := app.CountRecords(c)
			if err != nil {
				t.Fatal(err)
			}
			out[c] = int(n)
		}
		cols, _ := app.FindAllCollections()
		out["collections"] = len(cols)
		return out
	}
	before := count()
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	after := count()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %d before, %d after running the migrations again", k, v, after[k])
		}
	}
}

func TestLabSettingsIsSingle(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()
	c, _ := app.FindCollectionByNameOrId(schema.LabSettings)
	for _, key := range []string{schema.SettingsKey, "second"} {
		r := core.NewRecord(c)
		r.Load(map[string]any{"key": key, "lab_name": "Another", "timezone": "UTC", "confirm_hours": 72,
			"archive_days": 45, "prune_days": 365, "max_upload_mb": 50, "estimate_fill": 0.3})
		if err := app.Save(r); err == nil {
			t.Errorf("a second lab_settings record with key %q was saved", key)
		}
	}
	s, _ := app.FindFirstRecordByData(schema.LabSettings, "key", schema.SettingsKey)
	if err := app.Delete(s); err == nil {
		t.Error("the settings record was deleted")
	}
	if n, _ := app.CountRecords(schema.LabSettings); n != 1 {
		t.Errorf("%d settings records, want 1", n)
	}
}

func TestProtectedModelNeedsFileToken(t *testing.T) {
	var fileURL string
	factory := func(tb testing.TB) *tests.TestApp {
		app, _ := accessApp(tb)
		job, err := app.FindRecordById(schema.Jobs, jobID)
		if err != nil {
			tb.Fatal(err)
		}
		fileURL = "/api/files/" + job.Collection().Id + "/" + jobID + "/" + job.GetString("model")
		return app
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "no token", Method: http.MethodGet, TestAppFactory: factory,
			BeforeTestFunc: func(tb testing.TB, app *tests.TestApp, e *core.ServeEvent) {},
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`}, NotExpectedContent: []string{"solid cube"},
		},
		{
			Name: "workstation file token", Method: http.MethodGet, TestAppFactory: factory,
			ExpectedStatus: 200, ExpectedContent: []string{"solid cube"},
		},
		{
			Name: "superuser file token", Method: http.MethodGet, TestAppFactory: factory,
			ExpectedStatus: 200, ExpectedContent: []string{"solid cube"},
		},
	}
	for i := range scenarios {
		sc := &scenarios[i]
		sc.BeforeTestFunc = func(tb testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			sc.URL = fileURL
			var who *core.Record
			switch sc.Name {
			case "workstation file token":
				who, _ = app.FindFirstRecordByData(schema.Workstations, "username", "frontdesk")
			case "superuser file token":
				who, _ = app.FindFirstRecordByData(core.CollectionNameSuperusers, "email", "admin@example.com")
			}
			if who != nil {
				tok, err := who.NewFileToken()
				if err != nil {
					tb.Fatal(err)
				}
				sc.URL += "?token=" + tok
			}
		}
		sc.Test(t)
	}
}

// The admin UI says under each "active" box that new ones start active and
// what unticking does.
func TestActiveBoxesHaveHelp(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()
	for _, col := range []string{schema.Staff, schema.Printers, schema.Materials} {
		c, err := app.FindCollectionByNameOrId(col)
		if err != nil {
			t.Fatal(err)
		}
		f, ok := c.Fields.GetByName("active").(*core.BoolField)
		if !ok || !strings.HasPrefix(f.Help, "New ") || !strings.Contains(f.Help, "start active") || !strings.Contains(f.Help, "Untick") {
			t.Errorf("%s.active help: %+v", col, f)
		}
	}
}
