package desk_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"printlab/hooks/jobs"
	"printlab/internal/testapp"
	"printlab/schema"
)

// Resending a confirmation email sends a fresh, working link rather than a copy
// of one that a newer link may have replaced.
func TestResendConfirmSendsAFreshLink(t *testing.T) {
	app, fx := deskApp(t)
	defer app.Cleanup()
	by := jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id}
	g, h := 40.0, 2.0
	if _, err := jobs.Do(app, jobs.Request{JobID: jobID, Action: jobs.ActionApprove, Expected: schema.StatusUploaded,
		By: by, Input: jobs.Input{Grams: &g, Hours: &h}}); err != nil {
		t.Fatal(err)
	}
	first, err := app.FindFirstRecordByFilter(schema.Emails, "job = {:j} && kind = 'confirm'", dbx.Params{"j": jobID})
	if err != nil {
		t.Fatal(err)
	}
	oldToken := tokenOf(t, first.GetString("data"))

	resend := func(emailID string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/printlab/emails/"+emailID+"/resend", strings.NewReader(`{"staff":"`+fx.Staff.Id+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", testapp.Token(t, fx.Workstation))
		return testapp.Do(t, app, req)
	}
	rec := resend(first.Id)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "confirm_url") {
		t.Fatalf("resend: %d %s", rec.Code, rec.Body)
	}
	var got struct{ ID, Kind string }
	json.Unmarshal(rec.Body.Bytes(), &got)
	fresh, err := app.FindRecordById(schema.Emails, got.ID)
	if err != nil || got.ID == first.Id || got.Kind != "confirm" {
		t.Fatalf("no fresh confirmation email: %v %+v", err, got)
	}
	if _, lerr := jobs.LookupConfirm(app, tokenOf(t, fresh.GetString("data")), time.Now()); lerr != nil {
		t.Errorf("the resent link does not work: %v", lerr)
	}
	if _, lerr := jobs.LookupConfirm(app, oldToken, time.Now()); lerr == nil || lerr.Code != "replaced" {
		t.Errorf("the old link should now say it was replaced: %v", lerr)
	}

	// Once confirmed, there is no link to send again.
	if _, err := jobs.Do(app, jobs.Request{JobID: jobID, Action: jobs.ActionConfirm, Expected: schema.StatusPending,
		By: by, Input: jobs.Input{Reason: "At the desk"}}); err != nil {
		t.Fatal(err)
	}
	if rec := resend(first.Id); rec.Code != 409 || !strings.Contains(rec.Body.String(), "no longer waiting") {
		t.Errorf("resend after confirmation: %d %s", rec.Code, rec.Body)
	}
}

func tokenOf(t *testing.T, data string) string {
	t.Helper()
	var d struct {
		ConfirmURL string `json:"confirm_url"`
	}
	json.Unmarshal([]byte(data), &d)
	_, tok, ok := strings.Cut(d.ConfirmURL, "/confirm/#")
	if !ok {
		t.Fatalf("no confirmation link in %s", data)
	}
	return tok
}
