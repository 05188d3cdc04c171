package ops_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"printlab/hooks/ops"
	"printlab/internal/testapp"
)

// A browser that opens an address the front end does not have (a link an
// email client cut short) gets the not-found page with a 404; a script or API
// client asking for something missing still gets PocketBase's JSON, and what
// exists is served as before.
func TestUnknownPageServesTheNotFoundPage(t *testing.T) {
	app, err := testapp.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	ops.Register(app, ops.Options{PublicFS: fstest.MapFS{
		"index.html":        {Data: []byte("<h1>Send a 3D print request</h1>")},
		"status/index.html": {Data: []byte("<h1>Your request</h1>")},
		"shared/lab.js":     {Data: []byte("export {};")},
		ops.NotFoundPage:    {Data: []byte("<h1>We can't find this page</h1>")},
	}})
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, tc := range []struct {
		path, accept string
		status       int
		typ, body    string
	}{
		{"/stat", browser, 404, "text/html", "We can't find this page"},
		{"/status/extra/part", browser, 404, "text/html", "We can't find this page"},
		{"/", browser, 200, "text/html", "Send a 3D print request"},
		{"/status/", browser, 200, "text/html", "Your request"},
		{"/shared/lab.js", "*/*", 200, "javascript", "export"},
		{"/shared/missing.js", "*/*", 404, "application/json", `"status":404`},
		{"/no-such-page", "application/json", 404, "application/json", `"status":404`},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Header.Set("Accept", tc.accept)
		rec := testapp.Do(t, app, req)
		if rec.Code != tc.status || !strings.Contains(rec.Header().Get("Content-Type"), tc.typ) || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("GET %s (Accept %s) = %d %s %q, want %d %s with %q", tc.path, tc.accept, rec.Code,
				rec.Header().Get("Content-Type"), rec.Body.String(), tc.status, tc.typ, tc.body)
		}
	}
}
