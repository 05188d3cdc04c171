package ops_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/hooks/ops"
	"printlab/internal/testapp"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// Monitors and the public see whether each part is healthy; the details (queue
// sizes, scheduler messages that may name jobs) are for signed-in workstations.
func TestHealthDetailsNeedASignIn(t *testing.T) {
	var fx *testapp.Fixtures
	factory := func(tb testing.TB) *tests.TestApp {
		app, f := testapp.NewSeeded(tb)
		fx = f
		return app
	}
	public := tests.ApiScenario{Name: "public", Method: http.MethodGet, URL: "/api/printlab/health", TestAppFactory: factory,
		ExpectedStatus: 200, ExpectedContent: []string{`"status":"ok"`, `"database":"ok"`, `"outbox":{"ok":true}`},
		NotExpectedContent: []string{"queued", "last_smtp_success"}}
	public.Test(t)
	ws := tests.ApiScenario{Name: "workstation", Method: http.MethodGet, URL: "/api/printlab/health", TestAppFactory: factory,
		ExpectedStatus: 200, ExpectedContent: []string{`"status":"ok"`, `"queued":0`}}
	ws.BeforeTestFunc = func(tb testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		ws.Headers = map[string]string{"Authorization": testapp.Token(tb, fx.Workstation)}
	}
	ws.Test(t)
}

// The storage part (SPEC §10): the files folder takes a write, and the disk's
// free space is reported; below the minimum the answer turns degraded and says
// what to do.
func TestHealthReportsStorage(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	get := func() (int, map[string]any) {
		req := httptest.NewRequest(http.MethodGet, "/api/printlab/health", nil)
		req.Header.Set("Authorization", testapp.Token(t, fx.Workstation))
		rec := testapp.Do(t, app, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return rec.Code, out
	}
	code, out := get()
	st, _ := out["storage"].(map[string]any)
	if code != 200 || out["status"] != "ok" || st["writable"] != true || st["ok"] != true {
		t.Fatalf("healthy storage: %d %v", code, out)
	}
	if free, _ := st["free_bytes"].(float64); free <= 0 {
		t.Errorf("free space not reported: %v", st)
	}
	if entries, _ := os.ReadDir(filepath.Join(app.DataDir(), "storage")); len(entries) > 0 {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".health-") {
				t.Errorf("the write probe %s was left behind", e.Name())
			}
		}
	}

	defer func(m uint64) { ops.MinFreeBytes = m }(ops.MinFreeBytes)
	ops.MinFreeBytes = 1 << 62
	code, out = get()
	st, _ = out["storage"].(map[string]any)
	if code != 200 || out["status"] != "degraded" || st["ok"] != false || !strings.Contains(fmt.Sprint(st["warning"]), "nearly full") {
		t.Fatalf("a full disk: %d %v", code, out)
	}
}
