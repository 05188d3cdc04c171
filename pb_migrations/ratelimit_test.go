package pb_migrations_test

import (
	"net/http"
	"strings"
	"testing"

	"printlab/internal/testapp"
	"printlab/pb_migrations"
)

// Password guesses at a workstation (or superuser) sign-in are throttled per
// address and collection: after twenty a minute even the right password is
// refused with 429 until the minute is over, while another address still
// signs in.
func TestSignInsAreRateLimited(t *testing.T) {
	app, _ := testapp.NewSeeded(t)
	defer app.Cleanup()
	signIn := func(col, identity, password, addr string) int {
		req, _ := http.NewRequest(http.MethodPost, "/api/collections/"+col+"/auth-with-password",
			strings.NewReader(`{"identity":"`+identity+`","password":"`+password+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = addr
		return testapp.Do(t, app, req).Code
	}
	const guesser, desk = "198.51.100.7:40000", "198.51.100.8:40000"
	for i := range pb_migrations.AuthAttempts {
		if code := signIn("workstations", "frontdesk", "wrong-guess", guesser); code != http.StatusBadRequest {
			t.Fatalf("guess %d: %d, want 400", i+1, code)
		}
	}
	if code := signIn("workstations", "frontdesk", testapp.WorkstationPassword, guesser); code != http.StatusTooManyRequests {
		t.Errorf("the right password after %d guesses: %d, want 429", pb_migrations.AuthAttempts, code)
	}
	for i := range pb_migrations.AuthAttempts {
		if code := signIn("_superusers", testapp.SuperuserEmail, "wrong-guess", guesser); code != http.StatusBadRequest {
			t.Fatalf("superuser guess %d: %d, want 400", i+1, code)
		}
	}
	if code := signIn("_superusers", testapp.SuperuserEmail, testapp.SuperuserPassword, guesser); code != http.StatusTooManyRequests {
		t.Errorf("the superuser's password after %d guesses: %d, want 429", pb_migrations.AuthAttempts, code)
	}
	if code := signIn("workstations", "frontdesk", testapp.WorkstationPassword, desk); code != http.StatusOK {
		t.Errorf("another desk signing in: %d, want 200", code)
	}
}
