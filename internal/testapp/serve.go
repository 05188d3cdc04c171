package testapp

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
)

var handlers sync.Map // *tests.TestApp -> http.Handler

// Handler builds app's real router once (OnServe runs once per app, as on
// serve), so a test can send a sequence of requests through every route and
// middleware, as tests.ApiScenario does for a single one.
func Handler(tb testing.TB, app *tests.TestApp) http.Handler {
	tb.Helper()
	if h, ok := handlers.Load(app); ok {
		return h.(http.Handler)
	}
	r, err := apis.NewRouter(app)
	if err != nil {
		tb.Fatal(err)
	}
	var mux http.Handler
	se := &core.ServeEvent{App: app, Router: r}
	err = app.OnServe().Trigger(se, func(e *core.ServeEvent) error {
		m, err := e.Router.BuildMux()
		mux = m
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	handlers.Store(app, mux)
	tb.Cleanup(func() { handlers.Delete(app) })
	return mux
}

// Do sends req through app's routes and returns the recorded response.
func Do(tb testing.TB, app *tests.TestApp, req *http.Request) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	Handler(tb, app).ServeHTTP(rec, req)
	return rec
}
