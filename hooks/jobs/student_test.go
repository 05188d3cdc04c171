package jobs_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"printlab/hooks/jobs"
	"printlab/schema"
)

func TestConfirmationLinks(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusUploaded)
	if _, err := jobs.Do(app, validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded)); err != nil {
		t.Fatal(err)
	}
	approvedAt := t0.Add(time.Minute)
	token := confirmToken(t, app, job.Id)

	expect := func(name string, err error, status int, code, words string) {
		t.Helper()
		je, ok := jobs.AsError(err)
		if !ok || je.Status != status || je.Code != code || !strings.Contains(je.Message, words) {
			t.Errorf("%s: want %d %s %q, got %v", name, status, code, words, err)
		}
	}

	// Expired: one second past the 72 hours.
	_, err := jobs.ConfirmByToken(app, token, approvedAt.Add(72*time.Hour+time.Second))
	expect("expired", err, http.StatusGone, "expired", "expired on")
	// A year later the date says which year; a date an admin cleared says
	// the link has expired, not "December 31" of year one.
	_, err = jobs.ConfirmByToken(app, token, approvedAt.AddDate(1, 0, 0))
	expect("expired last year", err, http.StatusGone, "expired", ", 2026 at")
	if _, err := app.DB().NewQuery("UPDATE jobs SET confirm_expires = '' WHERE id = {:id}").Bind(dbx.Params{"id": job.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	_, err = jobs.ConfirmByToken(app, token, approvedAt)
	expect("expiry cleared", err, http.StatusGone, "expired", "This link has expired.")
	if _, err := app.DB().NewQuery("UPDATE jobs SET confirm_expires = {:at} WHERE id = {:id}").
		Bind(dbx.Params{"id": job.Id, "at": approvedAt.Add(72 * time.Hour).Format("2006-01-02 15:04:05.000Z")}).Execute(); err != nil {
		t.Fatal(err)
	}

	// Tampered: one character changed.
	bad := []byte(token)
	bad[5] ^= 1
	_, err = jobs.ConfirmByToken(app, string(bad), approvedAt)
	expect("tampered", err, http.StatusNotFound, "unknown_link", "don't recognise")
	_, err = jobs.ConfirmByToken(app, "../../etc/passwd", approvedAt)
	expect("garbage", err, http.StatusNotFound, "unknown_link", "don't recognise")
	unknown, _ := jobs.NewToken()
	_, err = jobs.ConfirmByToken(app, unknown, approvedAt)
	expect("unknown", err, http.StatusNotFound, "unknown_link", "don't recognise")

	// Replaced: a re-quote kills the old link.
	req := validRequest(fx, job, jobs.ActionRequote, schema.StatusPending)
	if _, err := jobs.Do(app, req); err != nil {
		t.Fatal(err)
	}
	_, err = jobs.ConfirmByToken(app, token, approvedAt)
	expect("replaced", err, http.StatusGone, "replaced", "replaced by a newer one")

	// The new link works once; the second use explains itself.
	token = confirmToken(t, app, job.Id)
	got, err := jobs.ConfirmByToken(app, token, approvedAt.Add(time.Hour))
	if err != nil || got.GetString("status") != string(schema.StatusReadyToPrint) {
		t.Fatalf("confirm: %v", err)
	}
	evs := events(t, app, job.Id)
	if last := evs[len(evs)-1]; last.GetString("actor") != "student" || last.GetString("staff") != "" {
		t.Errorf("student confirm recorded as %s/%s", last.GetString("actor"), last.GetString("staff"))
	}
	_, err = jobs.ConfirmByToken(app, token, approvedAt.Add(2*time.Hour))
	expect("reused", err, http.StatusConflict, "used", "already used")

	// Wrong status: a cancelled job's live link.
	job2 := newJob(t, app, fx, schema.StatusUploaded)
	jobs.Do(app, validRequest(fx, job2, jobs.ActionApprove, schema.StatusUploaded))
	token2 := confirmToken(t, app, job2.Id)
	if _, err := jobs.Do(app, validRequest(fx, job2, jobs.ActionCancel, schema.StatusPending)); err != nil {
		t.Fatal(err)
	}
	_, err = jobs.ConfirmByToken(app, token2, approvedAt)
	expect("wrong status", err, http.StatusConflict, "wrong_status", "Cancelled")
}

func TestRequoteIsRateLimited(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusUploaded)
	req := validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded)
	req.Now = time.Now()
	if _, err := jobs.Do(app, req); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 5 && err == nil; i++ { // default: 3 confirmation emails per job per hour
		r := validRequest(fx, job, jobs.ActionRequote, schema.StatusPending)
		r.Now = time.Now()
		_, err = jobs.Do(app, r)
	}
	je, ok := jobs.AsError(err)
	if !ok || je.Status != http.StatusTooManyRequests {
		t.Fatalf("want 429 after 3 links in an hour, got %v", err)
	}
	if k := emailKinds(t, app, job.Id); len(k) != 3 {
		t.Errorf("%d confirm emails, want 3", len(k))
	}
}

func TestStudentCancel(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusReadyToPrint)
	link, err := jobs.StatusLink(app, job, "https://print.example.edu")
	if err != nil {
		t.Fatal(err)
	}
	key := link[strings.LastIndex(link, ".")+1:]
	if _, err := jobs.CancelByStudent(app, job.Id, key+"x", "", t0); err == nil {
		t.Fatal("a wrong key cancelled the job")
	} else if je, _ := jobs.AsError(err); je.Status != 404 {
		t.Fatalf("wrong key: %v", err)
	}
	got, err := jobs.CancelByStudent(app, job.Id, key, "Changed my design", t0)
	if err != nil || got.GetString("status") != "cancelled" {
		t.Fatalf("cancel: %v", err)
	}
	if k := emailKinds(t, app, job.Id); len(k) != 1 || k[0] != "cancelled" {
		t.Errorf("emails %v", k)
	}
	// Cancelling again (a second tab, a double click) says it is done already.
	_, err = jobs.CancelByStudent(app, job.Id, key, "", t0)
	if je, ok := jobs.AsError(err); !ok || je.Status != 409 || !strings.Contains(je.Message, "already cancelled") || strings.Contains(je.Message, "contact the lab") {
		t.Errorf("cancelling twice: %v", err)
	}

	printing := newJob(t, app, fx, schema.StatusPrinting)
	link, _ = jobs.StatusLink(app, printing, "https://print.example.edu")
	_, err = jobs.CancelByStudent(app, printing.Id, link[strings.LastIndex(link, ".")+1:], "", t0)
	if je, ok := jobs.AsError(err); !ok || je.Status != 409 || !strings.Contains(je.Message, "Printing") {
		t.Fatalf("cancel while printing: %v", err)
	}
}

func TestOverride(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusPrinting)
	req := jobs.Request{JobID: job.Id, Action: jobs.ActionOverride, Expected: schema.StatusPrinting,
		By:    jobs.Actor{Kind: jobs.ByAdmin, StaffID: fx.Staff.Id, WorkstationID: fx.OtherWorkstation.Id, CanOverride: false},
		Input: jobs.Input{To: "completed", Reason: "Finished overnight"}}
	if _, err := jobs.Do(app, req); err == nil {
		t.Fatal("a workstation without can_override overrode a status")
	}
	req.By.WorkstationID, req.By.CanOverride = fx.Workstation.Id, true
	req.Input.Reason = ""
	if _, err := jobs.Do(app, req); err == nil {
		t.Fatal("an override without a reason was accepted")
	}
	req.Input.Reason = "Finished overnight"
	got, err := jobs.Do(app, req)
	if err != nil || got.GetString("status") != "completed" {
		t.Fatalf("override: %v", err)
	}
	if k := emailKinds(t, app, job.Id); len(k) != 0 {
		t.Errorf("override emailed %v although notify was off", k)
	}
	evs := events(t, app, job.Id)
	ev := evs[len(evs)-1]
	if ev.GetString("type") != "override" || ev.GetString("from_status") != "printing" || ev.GetString("to_status") != "completed" ||
		!strings.Contains(ev.GetString("details"), "Finished overnight") {
		t.Errorf("override event: %v", ev.PublicExport())
	}
	req.Expected, req.Input = schema.StatusCompleted, jobs.Input{To: "cancelled", Reason: "Student asked", Notify: true}
	if _, err := jobs.Do(app, req); err != nil {
		t.Fatal(err)
	}
	if k := emailKinds(t, app, job.Id); len(k) != 1 || k[0] != "cancelled" {
		t.Errorf("override with notify emailed %v", k)
	}
	// A superuser from the admin UI needs no workstation.
	req = jobs.Request{JobID: job.Id, Action: jobs.ActionOverride, Expected: schema.StatusCancelled,
		By: jobs.Actor{Kind: jobs.ByAdmin, Superuser: "admin@example.com"}, Input: jobs.Input{To: "uploaded", Reason: "Reopened"}}
	if _, err := jobs.Do(app, req); err != nil {
		t.Fatal(err)
	}
}

func TestUndoWindow(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusPrinting)
	do := func(a jobs.Action, from schema.Status, at time.Time, in jobs.Input) error {
		_, err := jobs.Do(app, jobs.Request{JobID: job.Id, Action: a, Expected: from, By: staffAt(fx), Input: in, Now: at})
		return err
	}
	if err := do(jobs.ActionComplete, schema.StatusPrinting, t0, jobs.Input{}); err != nil {
		t.Fatal(err)
	}
	// One second after the 15-minute window closed: refused.
	err := do(jobs.ActionUndo, schema.StatusCompleted, t0.Add(15*time.Minute+time.Second), jobs.Input{})
	if je, ok := jobs.AsError(err); !ok || je.Status != 409 || !strings.Contains(je.Message, "undo window closed") {
		t.Fatalf("late undo: %v", err)
	}
	if err := do(jobs.ActionUndo, schema.StatusCompleted, t0.Add(14*time.Minute+59*time.Second), jobs.Input{}); err != nil {
		t.Fatalf("undo inside the window: %v", err)
	}
	// Pickup, then undo: the payment is voided, never deleted.
	if err := do(jobs.ActionComplete, schema.StatusPrinting, t0.Add(time.Hour), jobs.Input{}); err != nil {
		t.Fatal(err)
	}
	if err := do(jobs.ActionPickup, schema.StatusCompleted, t0.Add(2*time.Hour), jobs.Input{Grams: ptr(50), Reference: "R", PickedUpBy: "J"}); err != nil {
		t.Fatal(err)
	}
	if err := do(jobs.ActionUndo, schema.StatusPickedUp, t0.Add(2*time.Hour+time.Minute), jobs.Input{}); err != nil {
		t.Fatal(err)
	}
	pays, _ := app.FindAllRecords(schema.Payments)
	if len(pays) != 1 || !pays[0].GetBool("voided") {
		t.Fatalf("payments after undo: %d rows, voided %v", len(pays), len(pays) == 1 && pays[0].GetBool("voided"))
	}
	// Paying again makes a second, live payment beside the voided one.
	if err := do(jobs.ActionPickup, schema.StatusCompleted, t0.Add(3*time.Hour), jobs.Input{Grams: ptr(52), Reference: "R2", PickedUpBy: "J"}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, app, schema.Payments, job.Id); n != 2 {
		t.Errorf("%d payment rows, want the voided one and the live one", n)
	}
	// Undo only takes back the last move.
	if err := do(jobs.ActionUndo, schema.StatusPickedUp, t0.Add(3*time.Hour+time.Minute), jobs.Input{}); err != nil {
		t.Fatal(err)
	}
	err = do(jobs.ActionUndo, schema.StatusCompleted, t0.Add(3*time.Hour+2*time.Minute), jobs.Input{})
	if je, ok := jobs.AsError(err); !ok || je.Status != 409 {
		t.Fatalf("a second undo in a row: %v", err)
	}
}

func TestOverrideBackwardsRewindsTheLaterStages(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusCompleted)
	by := staffAt(fx)
	if _, err := jobs.Do(app, jobs.Request{JobID: job.Id, Action: jobs.ActionPickup, Expected: schema.StatusCompleted, By: by,
		Input: jobs.Input{Grams: ptr(50), Reference: "R", PickedUpBy: "J"}, Now: t0}); err != nil {
		t.Fatal(err)
	}
	admin := by
	admin.Kind = jobs.ByAdmin
	got, err := jobs.Do(app, jobs.Request{JobID: job.Id, Action: jobs.ActionOverride, Expected: schema.StatusPickedUp, By: admin,
		Input: jobs.Input{To: "pending", Reason: "Student wants a different colour"}, Now: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !got.GetDateTime("completed_at").IsZero() || !got.GetDateTime("picked_up_at").IsZero() || got.GetInt("final_cents") != 0 {
		t.Errorf("later stages kept: completed %v, picked up %v, final %d", got.GetDateTime("completed_at"), got.GetDateTime("picked_up_at"), got.GetInt("final_cents"))
	}
	pays, _ := app.FindAllRecords(schema.Payments)
	if len(pays) != 1 || !pays[0].GetBool("voided") {
		t.Errorf("the payment must be voided, not deleted: %d rows", len(pays))
	}
}
