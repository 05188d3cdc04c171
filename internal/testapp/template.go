package testapp

import (
	"os"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/hooks"
	"printlab/schema"
)

// A seeded data dir is built once per test binary and copied for each test app,
// which keeps table tests of a hundred scenarios fast.
var template struct {
	once sync.Once
	dir  string
	err  error
}

// Main runs a package's tests and removes the seeded template afterwards. Use it
// from TestMain in packages that call NewSeeded.
func Main(m *testing.M) {
	code := m.Run()
	if template.dir != "" {
		os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

// NewSeeded returns a fresh test app holding PrintLab's schema, hooks and the
// Seed fixtures.
func NewSeeded(tb testing.TB) (*tests.TestApp, *Fixtures) {
	tb.Helper()
	template.once.Do(func() { template.dir, template.err = buildTemplate(tb) })
	if template.err != nil {
		tb.Fatal(template.err)
	}
	app, err := Open(template.dir)
	if err != nil {
		tb.Fatal(err)
	}
	hooks.Register(app, hooks.Options{Version: "test"})
	return app, LoadFixtures(tb, app)
}

// tmpDir is the system's temp dir as the test binary started: a test that
// points TMPDIR elsewhere (to watch its uploads' temporary files) must not
// put the shared template in a dir that goes when that test ends.
var tmpDir = os.TempDir()

func buildTemplate(tb testing.TB) (string, error) {
	app, err := Open(tb.TempDir())
	if err != nil {
		return "", err
	}
	defer app.Cleanup()
	Seed(tb, app)
	src := app.DataDir()
	if err := app.ResetBootstrapState(); err != nil { // closes the databases
		return "", err
	}
	dst, err := os.MkdirTemp(tmpDir, "printlab-template-")
	if err != nil {
		return "", err
	}
	return dst, os.CopyFS(dst, os.DirFS(src))
}

// LoadFixtures finds the Seed records in app by their names.
func LoadFixtures(tb testing.TB, app core.App) *Fixtures {
	tb.Helper()
	find := func(col, field, value string) *core.Record {
		r, err := app.FindFirstRecordByData(col, field, value)
		must(tb, err)
		return r
	}
	return &Fixtures{
		Workstation:      find(schema.Workstations, "username", "frontdesk"),
		OtherWorkstation: find(schema.Workstations, "username", "backroom"),
		Superuser:        find(core.CollectionNameSuperusers, "email", "admin@example.com"),
		Staff:            find(schema.Staff, "name", "Sam Lee"),
		OtherStaff:       find(schema.Staff, "name", "Alex Kim"),
		InactiveStaff:    find(schema.Staff, "name", "Casey Morgan"),
		InactivePrinter:  find(schema.Printers, "name", "Retired Ender 3"),
		Printer:          find(schema.Printers, "name", "Prusa MK4S"),
		Material:         find(schema.Materials, "name", "PLA"),
	}
}
