package intake_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"printlab/hooks/intake"
	"printlab/hooks/jobs"
	"printlab/hooks/mail"
	"printlab/hooks/pace"
	"printlab/internal/testapp"
	"printlab/schema"
)

// topic is the status topic as the JS SDK sends it, with the key as an option.
func topic(id, key string) string {
	opts, _ := json.Marshal(map[string]any{"query": map[string]string{"key": key}})
	return intake.StatusTopicPrefix + id + "?options=" + url.QueryEscape(string(opts))
}

func TestStatusTopicNeedsTheKeyAndCarriesOnlyPublicFields(t *testing.T) {
	app, id, key, _ := studentApp(t)
	defer app.Cleanup()
	client := subscriptions.NewDefaultClient()
	app.SubscriptionsBroker().Register(client)

	subscribe := func(subs ...string) int {
		b, _ := json.Marshal(map[string]any{"clientId": client.Id(), "subscriptions": subs})
		return postJSON(t, app, "/api/realtime", string(b)).Code
	}
	if c := subscribe(topic(id, key+"x")); c != http.StatusForbidden {
		t.Errorf("wrong key: %d", c)
	}
	if c := subscribe(intake.StatusTopicPrefix + id); c != http.StatusForbidden {
		t.Errorf("no key: %d", c)
	}
	good := topic(id, key)
	// A guest may name the record topics, but the jobs rules deliver nothing on them.
	if c := subscribe(good, "jobs/"+id, "jobs/*"); c != http.StatusNoContent {
		t.Fatalf("right key: %d", c)
	}

	// A staff action reaches the page, with public fields only.
	fx := testapp.LoadFixtures(t, app)
	if _, err := jobs.Do(app, jobs.Request{JobID: id, Action: jobs.ActionConfirm, Expected: schema.StatusPending,
		By:    jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id},
		Input: jobs.Input{Reason: "student phoned"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-client.Channel():
		if m.Name != good {
			t.Errorf("message name %q", m.Name)
		}
		body := string(m.Data)
		if !strings.Contains(body, `"status":"ready_to_print"`) || !strings.Contains(body, `"queue_position":1`) {
			t.Errorf("payload %s", body)
		}
		for _, secret := range []string{"jane@student.example.edu", "STAFF-ONLY-NOTE", "Sam Lee", "Front Desk", "student phoned", "token_hash", "salt"} {
			if strings.Contains(body, secret) {
				t.Errorf("the live payload carries %q", secret)
			}
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no live message after a staff action")
	}
	select {
	case m := <-client.Channel():
		t.Errorf("a guest received %q: %s", m.Name, m.Data)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestResendAlwaysAcceptedSendsOnlyOnMatch(t *testing.T) {
	app, id, _, oldToken := studentApp(t)
	defer app.Cleanup()
	job, _ := app.FindRecordById(schema.Jobs, id)
	confirms := func() int {
		n, _ := app.CountRecords(schema.Emails, dbx.HashExp{"job": id, "kind": "confirm"})
		return int(n)
	}
	before := confirms()
	for _, body := range []string{
		`{"short_id":"STUD01","email":"someone@else.edu"}`,
		`{"short_id":"NOSUCH","email":"jane@student.example.edu"}`,
		`{}`,
	} {
		r := postJSON(t, app, "/api/printlab/confirm/resend", body)
		if r.Code != http.StatusAccepted || !strings.Contains(r.Body.String(), "If the request number and email match") {
			t.Errorf("%s: %d %s", body, r.Code, r.Body)
		}
	}
	if confirms() != before {
		t.Fatal("a mismatch sent an email")
	}
	r := postJSON(t, app, "/api/printlab/confirm/resend", `{"short_id":"stud01","email":"Jane@Student.example.edu"}`)
	if r.Code != http.StatusAccepted || confirms() != before+1 {
		t.Fatalf("match: %d, confirms %d", r.Code, confirms())
	}
	// The old link is dead and says why; the new one is in the outbox and works.
	if _, lerr := jobs.LookupConfirm(app, oldToken, time.Now()); lerr == nil || lerr.Code != "replaced" {
		t.Errorf("old link: %v", lerr)
	}
	rows, _ := app.FindRecordsByFilter(schema.Emails, "job = {:j} && kind = 'confirm'", "-created", 1, 0, dbx.Params{"j": id})
	if len(rows) == 0 {
		t.Fatal("no confirm email")
	}
	if err := mail.Render(app, rows[0]); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(between(rows[0].GetString("text"), "/confirm/#", "\n"))
	if _, lerr := jobs.LookupConfirm(app, token, time.Now()); lerr != nil {
		t.Errorf("new link: %v", lerr)
	}
	ev, err := app.FindFirstRecordByFilter(schema.Events, "job = {:j} && type = 'requote'", dbx.Params{"j": job.Id})
	if err != nil || ev.GetString("actor") != "student" {
		t.Errorf("requote event: %v", err)
	}
	// The lab's per-job limit (3 per hour by default) counts the approval's email.
	for i := 0; i < 3; i++ {
		postJSON(t, app, "/api/printlab/confirm/resend", `{"short_id":"STUD01","email":"jane@student.example.edu"}`)
	}
	if confirms() != 3 {
		t.Errorf("confirm emails after the limit: %d, want 3", confirms())
	}
}

func TestQueuePositionAndWait(t *testing.T) {
	app, id, key, _ := studentApp(t)
	defer app.Cleanup()
	r := get(t, app, "/api/printlab/status/"+id+"?key="+key)
	if !strings.Contains(r.Body.String(), `"queue_position":null`) {
		t.Errorf("a pending job waits in no queue: %s", r.Body)
	}
	if _, err := jobs.ConfirmByToken(app, strings.TrimSpace(between(firstConfirm(t, app, id), "/confirm/#", "\n")), time.Now()); err != nil {
		t.Fatal(err)
	}
	r = get(t, app, "/api/printlab/status/"+id+"?key="+key)
	if !strings.Contains(r.Body.String(), `"queue_position":1`) || !strings.Contains(r.Body.String(), "estimate the wait") {
		t.Errorf("ready to print: %s", r.Body)
	}
}

func firstConfirm(tb testing.TB, app core.App, id string) string {
	rows, err := app.FindRecordsByFilter(schema.Emails, "job = {:j} && kind = 'confirm'", "created", 1, 0, dbx.Params{"j": id})
	if err != nil || len(rows) == 0 {
		tb.Fatal("no confirm email", err)
	}
	if err := mail.Render(app, rows[0]); err != nil {
		tb.Fatal(err)
	}
	return rows[0].GetString("text")
}

func TestSidecarFollowsEventsWithoutSecrets(t *testing.T) {
	app, id, _, _ := studentApp(t)
	defer app.Cleanup()
	job, _ := app.FindRecordById(schema.Jobs, id)
	if err := jobs.AddEvent(app, job, "confirm_reminder", jobs.Actor{Kind: jobs.BySystem},
		map[string]any{"token_hash": "SECRET-HASH", "day": 2}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(app.DataDir(), "storage", job.BaseFilesPath(), intake.SidecarName)
	var b []byte
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, _ = os.ReadFile(path); strings.Contains(string(b), "confirm_reminder") {
			break
		}
	}
	s := string(b)
	if !strings.Contains(s, "confirm_reminder") || !strings.Contains(s, `"type": "approve"`) || !strings.Contains(s, `"day": 2`) {
		t.Fatalf("sidecar does not follow the history:\n%s", s)
	}
	for _, secret := range []string{"SECRET-HASH", "token_hash", "status_key_salt", "confirm_token_hash"} {
		if strings.Contains(s, secret) {
			t.Errorf("sidecar carries %s", secret)
		}
	}
}

// A superuser's status edit in the admin UI is saved from a record that shows
// the superuser every hidden field; job.json must still leave the link
// secrets out.
func TestSidecarAfterAnAdminEditHasNoSecrets(t *testing.T) {
	app, id, _, _ := studentApp(t)
	defer app.Cleanup()
	su, err := app.FindAuthRecordByEmail(core.CollectionNameSuperusers, testapp.SuperuserEmail)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPatch, "/api/collections/jobs/records/"+id, strings.NewReader(`{"status":"rejected"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", testapp.Token(t, su))
	if res := serve(t, app, req); res.Code != http.StatusOK {
		t.Fatalf("admin edit: %d %s", res.Code, res.Body)
	}
	job, _ := app.FindRecordById(schema.Jobs, id)
	path := filepath.Join(app.DataDir(), "storage", job.BaseFilesPath(), intake.SidecarName)
	var s string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		if s = string(b); strings.Contains(s, `"status": "rejected"`) {
			break
		}
	}
	if !strings.Contains(s, `"status": "rejected"`) {
		t.Fatalf("job.json does not follow the edit:\n%s", s)
	}
	for _, secret := range []string{"status_key_salt", "confirm_token_hash", job.GetString("status_key_salt")} {
		if strings.Contains(s, secret) {
			t.Errorf("job.json carries %s after an admin edit", secret)
		}
	}
}

// While moves are in flight, job.json rewrites wait for a quiet desk; history
// that arrives meanwhile, even after the rewrite started waiting, is in the
// file written once it is quiet.
func TestSidecarWaitsForAQuietDesk(t *testing.T) {
	app, id, _, _ := studentApp(t)
	defer app.Cleanup()
	job, _ := app.FindRecordById(schema.Jobs, id)
	path := filepath.Join(app.DataDir(), "storage", job.BaseFilesPath(), intake.SidecarName)
	read := func() string { b, _ := os.ReadFile(path); return string(b) }
	for deadline := time.Now().Add(3 * time.Second); !strings.Contains(read(), `"type": "approve"`); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no sidecar after the approve:\n%s", read())
		}
	}

	end := pace.For(app).Begin()
	add := func(n int) {
		if err := jobs.AddEvent(app, job, "confirm_reminder", jobs.Actor{Kind: jobs.BySystem}, map[string]any{"day": n}); err != nil {
			t.Fatal(err)
		}
	}
	add(1)
	time.Sleep(400 * time.Millisecond) // past the rewrite's gathering delay: it waits for the desk now
	add(2)
	time.Sleep(200 * time.Millisecond)
	if s := read(); strings.Contains(s, "confirm_reminder") {
		t.Fatalf("job.json was rewritten while a move was in flight:\n%s", s)
	}
	end()
	for deadline := time.Now().Add(3 * time.Second); !strings.Contains(read(), `"day": 2`); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("job.json does not hold the history once the desk is quiet:\n%s", read())
		}
	}
	if s := read(); !strings.Contains(s, `"day": 1`) {
		t.Errorf("job.json lost the first reminder:\n%s", s)
	}
}

// A student's place in the print queue moves when a job ahead of theirs
// starts printing: their open status page hears of it without a reload.
func TestQueuePlaceFollowsJobsAhead(t *testing.T) {
	app, id, key, _ := studentApp(t)
	defer app.Cleanup()
	fx := testapp.LoadFixtures(t, app)
	staff := jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id}

	// A job confirmed an hour earlier is ahead in the print queue.
	c, _ := app.FindCollectionByNameOrId(schema.Jobs)
	ahead := core.NewRecord(c)
	ahead.Load(map[string]any{"short_id": "AHEAD1", "status": "ready_to_print", "first_name": "Ann", "last_name": "Lee",
		"email": "ann@student.example.edu", "discipline": "Art", "course": "ART 101", "method": "filament",
		"material": fx.Material.Id, "color": "True Red", "printer": fx.Printer.Id, "confirmed_at": time.Now().Add(-time.Hour)})
	if err := app.Save(ahead); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Do(app, jobs.Request{JobID: id, Action: jobs.ActionConfirm, Expected: schema.StatusPending,
		By: staff, Input: jobs.Input{Reason: "student phoned"}}); err != nil {
		t.Fatal(err)
	}

	client := subscriptions.NewDefaultClient()
	app.SubscriptionsBroker().Register(client)
	b, _ := json.Marshal(map[string]any{"clientId": client.Id(), "subscriptions": []string{topic(id, key)}})
	if c := postJSON(t, app, "/api/realtime", string(b)).Code; c != http.StatusNoContent {
		t.Fatalf("subscribe: %d", c)
	}
	if r := get(t, app, "/api/printlab/status/"+id+"?key="+key); !strings.Contains(r.Body.String(), `"queue_position":2`) {
		t.Fatalf("second in the queue: %s", r.Body)
	}

	if _, err := jobs.Do(app, jobs.Request{JobID: ahead.Id, Action: jobs.ActionStart, Expected: schema.StatusReadyToPrint,
		By: staff}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-client.Channel():
		if body := string(m.Data); !strings.Contains(body, `"queue_position":1`) || !strings.Contains(body, `"short_id":"STUD01"`) {
			t.Errorf("the page got %s", body)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the page did not hear that the job ahead started printing")
	}
	// One push per round: nothing more follows.
	select {
	case m := <-client.Channel():
		t.Errorf("a second message: %s", m.Data)
	case <-time.After(500 * time.Millisecond):
	}
}
