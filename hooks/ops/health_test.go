package ops_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

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
