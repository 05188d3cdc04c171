package intake_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"printlab/internal/testapp"
)

type recorder = httptest.ResponseRecorder

// serve sends req through app's real routes and middlewares.
func serve(tb testing.TB, app *tests.TestApp, req *http.Request) *recorder {
	tb.Helper()
	return testapp.Do(tb, app, req)
}
