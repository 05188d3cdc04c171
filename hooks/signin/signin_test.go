package signin_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"

	"printlab/internal/testapp"
	"printlab/schema"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// get sends a signed-in request to a workstation-only route and returns the
// status.
func get(t *testing.T, app *tests.TestApp, token string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/api/printlab/desk/counts", nil)
	req.Header.Set("Authorization", token)
	return testapp.Do(t, app, req).Code
}

func reload(t *testing.T, app core.App, r *core.Record) *core.Record {
	t.Helper()
	fresh, err := app.FindRecordById(r.Collection().Id, r.Id)
	if err != nil {
		t.Fatal(err)
	}
	return fresh
}

// The sign-in cache must never let a token through that PocketBase would
// refuse: every change that ends a token ends it at once, on the next request.
func TestTokensEndAtOnceDespiteTheCache(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()

	ws := fx.Workstation
	token := testapp.Token(t, ws)
	for i := range 3 { // the second and third come from the cache
		if got := get(t, app, token); got != 200 {
			t.Fatalf("request %d with a valid token: %d", i+1, got)
		}
	}

	// A new password changes the record's token key: the old token ends.
	ws = reload(t, app, ws)
	ws.SetPassword("another-password-456")
	if err := app.Save(ws); err != nil {
		t.Fatal(err)
	}
	if got := get(t, app, token); got != 401 {
		t.Errorf("token from before the password change: %d, want 401", got)
	}
	token = testapp.Token(t, ws)
	if got := get(t, app, token); got != 200 {
		t.Errorf("token issued after the password change: %d", got)
	}

	// Tampered, expired and other-kind tokens are refused, cached record or not.
	parts := strings.Split(token, ".")
	sig := []byte(parts[2])
	sig[0] ^= 1
	if got := get(t, app, parts[0]+"."+parts[1]+"."+string(sig)); got != 401 {
		t.Errorf("token with a changed signature: %d, want 401", got)
	}
	secret := ws.TokenKey() + ws.Collection().AuthToken.Secret
	claims := jwt.MapClaims{core.TokenClaimId: ws.Id, core.TokenClaimCollectionId: ws.Collection().Id,
		core.TokenClaimType: core.TokenTypeAuth, core.TokenClaimRefreshable: true}
	expired, err := security.NewJWT(claims, secret, -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, app, expired); got != 401 {
		t.Errorf("expired token: %d, want 401", got)
	}
	claims[core.TokenClaimType] = core.TokenTypeFile
	fileToken, err := security.NewJWT(claims, secret, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, app, fileToken); got != 401 {
		t.Errorf("a file token used to sign in: %d, want 401", got)
	}
	if got := get(t, app, "Bearer "+token); got != 200 {
		t.Errorf("valid token with the Bearer prefix: %d", got)
	}

	// A token accepted a moment ago is refused once it expires: what the
	// cache remembers of a checked token ends with it.
	short, err := security.NewJWT(jwt.MapClaims{core.TokenClaimId: ws.Id, core.TokenClaimCollectionId: ws.Collection().Id,
		core.TokenClaimType: core.TokenTypeAuth, core.TokenClaimRefreshable: true}, secret, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if got := get(t, app, short); got != 200 {
			t.Fatalf("short-lived token, request %d before it expires: %d", i+1, got)
		}
	}
	time.Sleep(2100 * time.Millisecond)
	if got := get(t, app, short); got != 401 {
		t.Errorf("a token used before, now expired: %d, want 401", got)
	}

	// Rotating the collection's token secret (the admin UI's "invalidate all
	// tokens") ends every token of the collection.
	// (Each case signs in a workstation of its own, so that what it tests is
	// what its own cache entry does.)
	ws = testapp.Workstation(t, app, "rotated", "Rotated", false)
	token = testapp.Token(t, ws)
	if got := get(t, app, token); got != 200 {
		t.Fatalf("fresh token before the rotation: %d", got)
	}
	col, err := app.FindCollectionByNameOrId(schema.Workstations)
	if err != nil {
		t.Fatal(err)
	}
	col.AuthToken.Secret = security.RandomString(50)
	if err := app.Save(col); err != nil {
		t.Fatal(err)
	}
	if got := get(t, app, token); got != 401 {
		t.Errorf("token from before the secret was rotated: %d, want 401", got)
	}
	ws = reload(t, app, ws)
	token = testapp.Token(t, ws)
	if got := get(t, app, token); got != 200 {
		t.Errorf("token issued after the rotation: %d", got)
	}

	// A deleted workstation is signed out.
	ws = testapp.Workstation(t, app, "deleted", "Deleted", false)
	token = testapp.Token(t, ws)
	if got := get(t, app, token); got != 200 {
		t.Fatalf("fresh token before the delete: %d", got)
	}
	if err := app.Delete(ws); err != nil {
		t.Fatal(err)
	}
	if got := get(t, app, token); got != 401 {
		t.Errorf("token of a deleted workstation: %d, want 401", got)
	}

	// Superusers are cached the same way and end the same way.
	su := fx.Superuser
	suToken := testapp.Token(t, su)
	if got := get(t, app, suToken); got != 200 {
		t.Fatalf("superuser: %d", got)
	}
	su = reload(t, app, su)
	su.SetPassword("another-admin-password-789")
	if err := app.Save(su); err != nil {
		t.Fatal(err)
	}
	if got := get(t, app, suToken); got != 401 {
		t.Errorf("superuser token from before the password change: %d, want 401", got)
	}
}

// A handler sees its own copy of the signed-in record: what one request does
// to it does not reach the next.
func TestEachRequestGetsItsOwnRecord(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	token := testapp.Token(t, fx.Workstation)
	var seen []string
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/test/whoami", func(e *core.RequestEvent) error {
			seen = append(seen, e.Auth.GetString("name"))
			e.Auth.Set("name", "changed by a handler")
			return e.NoContent(204)
		})
		return se.Next()
	})
	for range 2 {
		req := httptest.NewRequest(http.MethodGet, "/test/whoami", nil)
		req.Header.Set("Authorization", token)
		if got := testapp.Do(t, app, req).Code; got != 204 {
			t.Fatalf("status %d", got)
		}
	}
	want := fx.Workstation.GetString("name")
	if len(seen) != 2 || seen[0] != want || seen[1] != want {
		t.Errorf("the handler saw %q, want %q twice", seen, want)
	}
}
