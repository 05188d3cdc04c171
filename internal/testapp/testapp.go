// Package testapp builds the PrintLab application for tests exactly as main does
// (our migrations + hooks.Register) on an empty temp data dir, and seeds fixtures.
package testapp

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/hooks"
	"printlab/internal/sqlitedb"
	_ "printlab/pb_migrations"
	"printlab/schema"
)

// Open is tests.NewTestApp on a clone of dataDir, with the databases opened
// as the server opens them (sqlitedb.Connect).
func Open(dataDir string) (*tests.TestApp, error) {
	return tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: dataDir, EncryptionEnv: "pb_test_env",
		DBConnect: sqlitedb.Connect})
}

// New returns a test app with PrintLab's schema, defaults and hooks. Call Cleanup.
func New(tb testing.TB) *tests.TestApp {
	tb.Helper()
	app, err := Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	hooks.Register(app, hooks.Options{Version: "test"})
	return app
}

// The fixtures' sign-ins.
const (
	SuperuserEmail      = "admin@example.com"
	SuperuserPassword   = "admin-password-123"
	WorkstationPassword = "test-password-123" // every workstation's
)

// Fixtures are the records Seed creates.
type Fixtures struct {
	Workstation      *core.Record // "Front Desk", may override
	OtherWorkstation *core.Record // "Back Room", may not override
	Superuser        *core.Record
	Staff            *core.Record // "Sam Lee", active
	OtherStaff       *core.Record // "Alex Kim", active
	InactiveStaff    *core.Record // "Casey Morgan", inactive
	InactivePrinter  *core.Record
	Printer          *core.Record // the default Prusa MK4S
	Material         *core.Record // the default PLA
}

// Seed adds workstations, a superuser, staff and an inactive printer.
func Seed(tb testing.TB, app core.App) *Fixtures {
	tb.Helper()
	fx := &Fixtures{}
	fx.Workstation = Workstation(tb, app, "frontdesk", "Front Desk", true)
	fx.OtherWorkstation = Workstation(tb, app, "backroom", "Back Room", false)

	su, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	must(tb, err)
	fx.Superuser = core.NewRecord(su)
	fx.Superuser.SetEmail(SuperuserEmail)
	fx.Superuser.SetPassword(SuperuserPassword)
	must(tb, app.Save(fx.Superuser))

	fx.Staff = StaffMember(tb, app, "Sam Lee", true)
	fx.OtherStaff = StaffMember(tb, app, "Alex Kim", true)
	fx.InactiveStaff = StaffMember(tb, app, "Casey Morgan", false)

	fx.Printer, err = app.FindFirstRecordByData(schema.Printers, "name", "Prusa MK4S")
	must(tb, err)
	fx.Material, err = app.FindFirstRecordByData(schema.Materials, "name", "PLA")
	must(tb, err)

	pc, err := app.FindCollectionByNameOrId(schema.Printers)
	must(tb, err)
	fx.InactivePrinter = core.NewRecord(pc)
	fx.InactivePrinter.Load(map[string]any{"name": "Retired Ender 3", "method": schema.MethodFilament,
		"build_x": 220, "build_y": 220, "build_z": 250, "active": false})
	must(tb, app.Save(fx.InactivePrinter))
	return fx
}

// Workstation creates a workstation account with password "test-password-123".
func Workstation(tb testing.TB, app core.App, username, name string, canOverride bool) *core.Record {
	tb.Helper()
	c, err := app.FindCollectionByNameOrId(schema.Workstations)
	must(tb, err)
	r := core.NewRecord(c)
	r.Set("username", username)
	r.Set("name", name)
	r.Set("can_override", canOverride)
	r.SetPassword(WorkstationPassword)
	must(tb, app.Save(r))
	return r
}

// StaffMember creates a staff record.
func StaffMember(tb testing.TB, app core.App, name string, active bool) *core.Record {
	tb.Helper()
	c, err := app.FindCollectionByNameOrId(schema.Staff)
	must(tb, err)
	r := core.NewRecord(c)
	r.Set("name", name)
	r.Set("active", active)
	must(tb, app.Save(r))
	return r
}

// Token returns an auth token for a workstation or superuser record.
func Token(tb testing.TB, r *core.Record) string {
	tb.Helper()
	t, err := r.NewAuthToken()
	must(tb, err)
	return t
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
