package intake_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

type recorder = httptest.ResponseRecorder

// muxes holds one built router per test app, so a test can send many requests
// through the app's real routes and middlewares (OnServe runs once per app).
var muxes sync.Map // *tests.TestApp → http.Handler

// serve sends req through app's routes, as tests.ApiScenario does.
func serve(tb testing.TB, app *tests.TestApp, req *http.Request) *recorder {
	tb.Helper()
	h, ok := muxes.Load(app)
	if !ok {
		r, err := apis.NewRouter(app)
		if err != nil {
			tb.Fatal(err)
		}
		se := &core.ServeEvent{App: app, Router: r}
		err = app.OnServe().Trigger(se, func(e *core.ServeEvent) error {
			mux, err := e.Router.BuildMux()
			h = mux
			return err
		})
		if err != nil {
			tb.Fatal(err)
		}
		muxes.Store(app, h)
		tb.Cleanup(func() { muxes.Delete(app) })
	}
	rec := httptest.NewRecorder()
	h.(http.Handler).ServeHTTP(rec, req)
	return rec
}
