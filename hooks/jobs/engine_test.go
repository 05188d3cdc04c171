package jobs_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/hooks/mail"
	"printlab/internal/testapp"
	"printlab/schema"
)

// validRequest is a well-formed request for action on a job in from.
func validRequest(fx *testapp.Fixtures, job *core.Record, a jobs.Action, from schema.Status) jobs.Request {
	r := jobs.Request{JobID: job.Id, Action: a, Expected: from, By: staffAt(fx), Now: t0.Add(time.Minute)}
	switch a {
	case jobs.ActionApprove:
		r.Input = jobs.Input{Grams: ptr(50), Hours: ptr(2.2)}
	case jobs.ActionReject:
		r.Input = jobs.Input{Reasons: []string{"Walls too thin"}, Note: "Thicken to 1.2 mm."}
	case jobs.ActionRequote:
		r.Input = jobs.Input{Grams: ptr(60)}
	case jobs.ActionConfirm:
		r.Input = jobs.Input{Reason: "Student confirmed at the desk"}
	case jobs.ActionCancel:
		r.Input = jobs.Input{Reason: "Student asked by phone"}
	case jobs.ActionFail:
		r.Input = jobs.Input{Reason: "Spaghetti at layer 40", Fault: "lab"}
	case jobs.ActionPickup:
		r.Input = jobs.Input{Grams: ptr(50), Reference: "R-1001", PickedUpBy: "Jane Doe"}
	case jobs.ActionOverride:
		r.By.Kind = jobs.ByAdmin
		to := schema.StatusUploaded
		if from == schema.StatusUploaded {
			to = schema.StatusReadyToPrint
		}
		r.Input = jobs.Input{To: string(to), Reason: "Fixing a mistake"}
	case jobs.ActionNote:
		r.Input = jobs.Input{Text: "Student will pick up Friday."}
	case jobs.ActionArchive:
		r.By, r.Expected = jobs.Actor{Kind: jobs.BySystem}, ""
	}
	return r
}

// effects is what an allowed move must leave behind besides the status.
var wantEmails = map[jobs.Action][]string{
	jobs.ActionApprove: {"confirm"}, jobs.ActionReject: {"rejected"}, jobs.ActionRequote: {"confirm"},
	jobs.ActionCancel: {"cancelled"}, jobs.ActionComplete: {"ready"}, jobs.ActionPickup: {"receipt"},
}

func TestEveryStatusActionPair(t *testing.T) {
	app, fx := seeded(t)
	allowed := 0
	for _, from := range schema.Statuses {
		for _, a := range jobs.Actions() {
			job := newJob(t, app, fx, from)
			req := validRequest(fx, job, a, from)
			row := rowFor(a, from)
			beforeEvents := count(t, app, schema.Events, job.Id)
			beforeUpdated := job.GetString("updated")

			got, err := jobs.Do(app, req)
			name := string(from) + "/" + string(a)
			if row == nil {
				je, ok := jobs.AsError(err)
				if !ok || je.Status != http.StatusConflict {
					t.Errorf("%s: want 409, got %v", name, err)
					continue
				}
				after, _ := app.FindRecordById(schema.Jobs, job.Id)
				if after.GetString("status") != string(from) || after.GetString("updated") != beforeUpdated {
					t.Errorf("%s: a refused move changed the job", name)
				}
				if n := count(t, app, schema.Events, job.Id); n != beforeEvents {
					t.Errorf("%s: a refused move wrote %d events", name, n-beforeEvents)
				}
				if k := emailKinds(t, app, job.Id); len(k) != 0 {
					t.Errorf("%s: a refused move queued %v", name, k)
				}
				continue
			}
			allowed++
			if err != nil {
				t.Errorf("%s: want success, got %v", name, err)
				continue
			}
			wantTo := row.To
			if a == jobs.ActionOverride {
				wantTo = schema.Status(req.Input.To)
			}
			if wantTo == "" {
				wantTo = from
			}
			if got.GetString("status") != string(wantTo) {
				t.Errorf("%s: status %s, want %s", name, got.GetString("status"), wantTo)
			}
			evs := events(t, app, job.Id)
			silent := a == jobs.ActionClaim || a == jobs.ActionRelease
			if silent {
				if len(evs) != beforeEvents {
					t.Errorf("%s: claims should not fill the history", name)
				}
			} else {
				if len(evs) != beforeEvents+1 {
					t.Errorf("%s: %d events, want exactly one", name, len(evs)-beforeEvents)
					continue
				}
				ev := evs[len(evs)-1]
				if ev.GetString("type") != string(a) || ev.GetString("from_status") != string(from) || ev.GetString("to_status") != string(wantTo) {
					t.Errorf("%s: event %s %s→%s", name, ev.GetString("type"), ev.GetString("from_status"), ev.GetString("to_status"))
				}
				if a != jobs.ActionArchive && (ev.GetString("staff") != fx.Staff.Id || ev.GetString("workstation") != fx.Workstation.Id) {
					t.Errorf("%s: event not attributed to Sam Lee at Front Desk", name)
				}
			}
			if k := emailKinds(t, app, job.Id); !slices.Equal(k, wantEmails[a]) {
				t.Errorf("%s: emails %v, want %v", name, k, wantEmails[a])
			}
			wantPayments := 0
			if a == jobs.ActionPickup {
				wantPayments = 1
			}
			if n := count(t, app, schema.Payments, job.Id); n != wantPayments {
				t.Errorf("%s: %d payments, want %d", name, n, wantPayments)
			}
		}
	}
	if allowed < 40 {
		t.Fatalf("only %d allowed pairs exercised; the table looks truncated", allowed)
	}
}

// rowFor mirrors jobs' lookup from the outside.
func rowFor(a jobs.Action, from schema.Status) *jobs.Transition {
	for i := range jobs.Table {
		if jobs.Table[i].Action == a && slices.Contains(jobs.Table[i].From, from) {
			return &jobs.Table[i]
		}
	}
	return nil
}

func TestSideEffectsOfApproveAndPickup(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusUploaded)
	got, err := jobs.Do(app, jobs.Request{JobID: job.Id, Action: jobs.ActionApprove, Expected: schema.StatusUploaded,
		By: staffAt(fx), Input: jobs.Input{Grams: ptr(123.45), Hours: ptr(3.1)}, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	// 123.45 g × 10 ¢/g = 1234.5 ¢ → 1235 (half up); 3.1 h → 3.5 h.
	if got.GetInt("quote_cents") != 1235 || got.GetFloat("hours") != 3.5 || !got.GetBool("reviewed") {
		t.Errorf("quote %d ¢, hours %v, reviewed %v", got.GetInt("quote_cents"), got.GetFloat("hours"), got.GetBool("reviewed"))
	}
	if exp := got.GetDateTime("confirm_expires").Time(); !exp.Equal(t0.Add(72 * time.Hour)) {
		t.Errorf("link expires %v, want 72 h after approval", exp)
	}
	email, err := app.FindFirstRecordByFilter(schema.Emails, "job = {:j}", dbx.Params{"j": job.Id})
	if err != nil {
		t.Fatal(err)
	}
	if email.GetString("html") != "" {
		t.Error("the email's bodies were written inside the move; the worker writes them")
	}
	if err := mail.Render(app, email); err != nil {
		t.Fatal(err)
	}
	body := email.GetString("text")
	for _, want := range []string{"$12.35", "/confirm/#", "/status/#" + job.Id + "."} {
		if !strings.Contains(body, want) {
			t.Errorf("confirm email lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(got.GetString("confirm_token_hash"), confirmToken(t, app, job.Id)) {
		t.Error("the raw token is stored on the job")
	}

	// Through the rest of the lifecycle to pickup.
	steps := []jobs.Request{
		{Action: jobs.ActionConfirm, Expected: schema.StatusPending, Input: jobs.Input{Reason: "At the desk"}},
		{Action: jobs.ActionStart, Expected: schema.StatusReadyToPrint},
		{Action: jobs.ActionComplete, Expected: schema.StatusPrinting},
		{Action: jobs.ActionPickup, Expected: schema.StatusCompleted, Input: jobs.Input{Grams: ptr(130), Reference: "CASH-7", PickedUpBy: "Jane"}},
	}
	for _, s := range steps {
		s.JobID, s.By, s.Now = job.Id, staffAt(fx), t0.Add(time.Hour)
		if got, err = jobs.Do(app, s); err != nil {
			t.Fatalf("%s: %v", s.Action, err)
		}
	}
	pay, err := app.FindFirstRecordByFilter(schema.Payments, "job = {:j}", dbx.Params{"j": job.Id})
	if err != nil {
		t.Fatal(err)
	}
	if pay.GetInt("amount_cents") != 1300 || got.GetInt("final_cents") != 1300 || pay.GetString("reference") != "CASH-7" ||
		pay.GetString("staff") != fx.Staff.Id || pay.GetString("workstation") != fx.Workstation.Id {
		t.Errorf("payment %v, final %d", pay.PublicExport(), got.GetInt("final_cents"))
	}
	if k := emailKinds(t, app, job.Id); !slices.Equal(k, []string{"confirm", "ready", "receipt"}) {
		t.Errorf("emails %v", k)
	}
}

func TestAttribution(t *testing.T) {
	app, fx := seeded(t)
	cases := []struct {
		name, staff, want string
	}{
		{"missing", "", "staff is required"},
		{"unknown", "nosuchstaff0001", "not a known staff member"},
		{"inactive", fx.InactiveStaff.Id, `"Casey Morgan" is no longer active`},
	}
	for _, c := range cases {
		job := newJob(t, app, fx, schema.StatusUploaded)
		by := staffAt(fx)
		by.StaffID = c.staff
		_, err := jobs.Do(app, jobs.Request{JobID: job.Id, Action: jobs.ActionReview, Expected: schema.StatusUploaded, By: by})
		je, ok := jobs.AsError(err)
		if !ok || je.Status != 400 || je.Fields["staff"] == "" || !strings.Contains(je.Message, c.want) {
			t.Errorf("%s staff: got %v", c.name, err)
		}
		if n := count(t, app, schema.Events, job.Id); n != 0 {
			t.Errorf("%s staff: %d events written", c.name, n)
		}
	}
}

func TestConflictNamesWhoMovedTheJob(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusUploaded)
	if _, err := jobs.Do(app, validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded)); err != nil {
		t.Fatal(err)
	}
	stale := validRequest(fx, job, jobs.ActionReject, schema.StatusUploaded)
	stale.By = jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.OtherStaff.Id, WorkstationID: fx.OtherWorkstation.Id}
	stale.Now = t0.Add(3 * time.Minute)
	_, err := jobs.Do(app, stale)
	je, ok := jobs.AsError(err)
	if !ok || je.Status != 409 {
		t.Fatalf("want 409, got %v", err)
	}
	for _, want := range []string{"approved by Sam Lee at Front Desk", "2 minutes ago", "Pending confirmation"} {
		if !strings.Contains(je.Message, want) {
			t.Errorf("conflict message %q lacks %q", je.Message, want)
		}
	}
}

func TestClaims(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusUploaded)
	claim := jobs.Request{JobID: job.Id, Action: jobs.ActionClaim, Expected: schema.StatusUploaded, By: staffAt(fx), Now: t0}
	if _, err := jobs.Do(app, claim); err != nil {
		t.Fatal(err)
	}
	other := jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.OtherStaff.Id, WorkstationID: fx.OtherWorkstation.Id}
	approve := validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded)
	approve.By, approve.Now = other, t0.Add(time.Minute)
	_, err := jobs.Do(app, approve)
	if je, ok := jobs.AsError(err); !ok || je.Status != http.StatusLocked || !strings.Contains(je.Message, "Sam Lee at Front Desk") {
		t.Fatalf("want 423 naming Sam Lee at Front Desk, got %v", err)
	}
	// Renewal by the holder keeps it; the other side may also not steal it by claiming.
	claim.Now = t0.Add(4 * time.Minute)
	if _, err := jobs.Do(app, claim); err != nil {
		t.Fatal(err)
	}
	steal := claim
	steal.By = other
	if _, err := jobs.Do(app, steal); err == nil {
		t.Fatal("another workstation took a live claim")
	}
	// Expired: 5 minutes after the renewal the other workstation may act.
	approve.Now = t0.Add(9*time.Minute + time.Second)
	if _, err := jobs.Do(app, approve); err != nil {
		t.Fatalf("after the claim expired: %v", err)
	}

	// An admin releases a live claim; a plain workstation cannot.
	job2 := newJob(t, app, fx, schema.StatusUploaded)
	c2 := jobs.Request{JobID: job2.Id, Action: jobs.ActionClaim, Expected: schema.StatusUploaded, By: other, Now: t0}
	if _, err := jobs.Do(app, c2); err != nil {
		t.Fatal(err)
	}
	rel := jobs.Request{JobID: job2.Id, Action: jobs.ActionRelease, Expected: schema.StatusUploaded,
		By: jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id, CanOverride: false}, Now: t0}
	if _, err := jobs.Do(app, rel); err == nil {
		t.Fatal("a workstation without override released another's claim")
	}
	rel.By.CanOverride = true
	got, err := jobs.Do(app, rel)
	if err != nil || got.GetString("claim_workstation") != "" {
		t.Fatalf("admin release: %v", err)
	}
}

func TestAtomicityWhenEventOrOutboxFails(t *testing.T) {
	for _, col := range []string{schema.Events, schema.Emails, schema.Payments} {
		t.Run(col, func(t *testing.T) {
			app, fx := seeded(t)
			job := newJob(t, app, fx, schema.StatusCompleted)
			action := jobs.ActionPickup
			if col != schema.Payments {
				job = newJob(t, app, fx, schema.StatusUploaded)
				action = jobs.ActionApprove
			}
			failInserts(t, app, col, job.Id)
			from := schema.Status(job.GetString("status"))
			_, err := jobs.Do(app, validRequest(fx, job, action, from))
			if err == nil {
				t.Fatal("the move succeeded although its write failed")
			}
			after, _ := app.FindRecordById(schema.Jobs, job.Id)
			if after.GetString("status") != string(from) || after.GetInt("quote_cents") != job.GetInt("quote_cents") {
				t.Errorf("job changed: %s, quote %d", after.GetString("status"), after.GetInt("quote_cents"))
			}
			for _, c := range []string{schema.Events, schema.Emails, schema.Payments} {
				if n := count(t, app, c, job.Id); n != 0 {
					t.Errorf("%d %s rows left behind", n, c)
				}
			}
		})
	}
}

type injected struct{}

func (injected) Error() string { return "injected failure" }

var errInjected = injected{}

// failInserts makes the database refuse every new row of table for job, as a
// full disk or a broken constraint would: beneath PocketBase's saves and the
// engine's own INSERTs alike.
func failInserts(t testing.TB, app core.App, table, job string) {
	t.Helper()
	// A trigger cannot take parameters: the id (letters and digits) is a literal.
	q := fmt.Sprintf(`CREATE TRIGGER fail_%s BEFORE INSERT ON %s WHEN NEW.job = '%s'
		BEGIN SELECT RAISE(ABORT, 'injected failure'); END`, table, table, strings.ReplaceAll(job, "'", "''"))
	if _, err := app.DB().NewQuery(q).Execute(); err != nil {
		t.Fatal(err)
	}
}

// isInjected reports an error that failInserts caused.
func isInjected(err error) bool {
	return err != nil && strings.Contains(err.Error(), "injected failure")
}

// TestTableMatchesSpec compares the table with SPEC §2 written out by hand, so a
// row added or lost by mistake fails here rather than agreeing with itself.
func TestTableMatchesSpec(t *testing.T) {
	flagOK := []string{"uploaded", "pending", "ready_to_print", "printing", "completed", "picked_up", "rejected", "cancelled"}
	spec := map[string]string{
		"uploaded/approve": "pending", "uploaded/reject": "rejected", "pending/confirm": "ready_to_print",
		"pending/requote": "", "uploaded/cancel": "cancelled", "pending/cancel": "cancelled",
		"ready_to_print/cancel": "cancelled", "ready_to_print/start": "printing", "printing/fail": "ready_to_print",
		"printing/complete": "completed", "completed/pickup": "picked_up", "completed/undo": "printing",
		"picked_up/undo": "completed", "rejected/archive": "archived", "cancelled/archive": "archived",
		"picked_up/archive": "archived",
	}
	for _, s := range schema.Statuses {
		spec[string(s)+"/override"] = ""
		spec[string(s)+"/release"] = ""
		spec[string(s)+"/note"] = ""
	}
	for _, s := range flagOK {
		spec[s+"/review"], spec[s+"/unreview"], spec[s+"/claim"] = "", "", ""
	}
	got := map[string]string{}
	for _, row := range jobs.Table {
		for _, f := range row.From {
			key := string(f) + "/" + string(row.Action)
			if _, dup := got[key]; dup {
				t.Errorf("two rows for %s", key)
			}
			got[key] = string(row.To)
		}
	}
	for k, to := range spec {
		if g, ok := got[k]; !ok {
			t.Errorf("SPEC allows %s but the table has no row", k)
		} else if g != to {
			t.Errorf("%s leads to %q, SPEC says %q", k, g, to)
		}
	}
	for k := range got {
		if _, ok := spec[k]; !ok {
			t.Errorf("the table allows %s, which SPEC §2 does not", k)
		}
	}
}

// A dialog claims its job as it opens, before a name is chosen; choosing the
// name renews the claim with it. Any other move still needs a staff member.
func TestClaimBeforeANameIsChosen(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusUploaded)
	anon := jobs.Actor{Kind: jobs.ByStaff, WorkstationID: fx.Workstation.Id}
	got, err := jobs.Do(app, jobs.Request{JobID: job.Id, Action: jobs.ActionClaim, Expected: schema.StatusUploaded, By: anon, Now: t0})
	if err != nil || got.GetString("claim_workstation") != fx.Workstation.Id || got.GetString("claim_staff") != "" {
		t.Fatalf("claim without a name: %v", err)
	}
	other := jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.OtherStaff.Id, WorkstationID: fx.OtherWorkstation.Id}
	_, err = jobs.Do(app, jobs.Request{JobID: job.Id, Action: jobs.ActionReview, Expected: schema.StatusUploaded, By: other, Now: t0})
	if je, ok := jobs.AsError(err); !ok || je.Status != 423 || !strings.HasPrefix(je.Message, "Someone at Front Desk is handling") {
		t.Fatalf("another workstation: %v", err)
	}
	got, err = jobs.Do(app, jobs.Request{JobID: job.Id, Action: jobs.ActionClaim, Expected: schema.StatusUploaded, By: staffAt(fx), Now: t0.Add(time.Minute)})
	if err != nil || got.GetString("claim_staff") != fx.Staff.Id {
		t.Fatalf("claim with the name: %v", err)
	}
	if _, err := jobs.Do(app, jobs.Request{JobID: job.Id, Action: jobs.ActionReview, Expected: schema.StatusUploaded, By: anon, Now: t0}); err == nil {
		t.Fatal("a review without a staff member was accepted")
	}
	if _, err := jobs.Do(app, jobs.Request{JobID: job.Id, Action: jobs.ActionRelease, Expected: schema.StatusUploaded, By: anon, Now: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatalf("release without a name: %v", err)
	}
}

// TestAfterUpdateHooksFollowTheCommit: the dashboards' realtime, the status page
// and the sidecar hang on the jobs' after-update hooks. A move runs them once,
// after its commit (a hook reading the job sees the new status and the model
// untouched on disk); a refused move, and a move inside a transaction that
// then rolls back, run none.
func TestAfterUpdateHooksFollowTheCommit(t *testing.T) {
	app, fx := seeded(t)
	type seen struct{ status, stored, updated string }
	var calls []seen
	app.OnRecordAfterUpdateSuccess(schema.Jobs).BindFunc(func(e *core.RecordEvent) error {
		stored, err := app.FindRecordById(schema.Jobs, e.Record.Id)
		if err != nil {
			t.Error(err)
			return e.Next()
		}
		calls = append(calls, seen{e.Record.GetString("status"), stored.GetString("status"), stored.GetString("updated")})
		return e.Next()
	})
	job := newJob(t, app, fx, schema.StatusUploaded)
	if _, err := app.DB().NewQuery("UPDATE jobs SET model = 'original_abc123.stl' WHERE id = {:id}").
		Bind(dbx.Params{"id": job.Id}).Execute(); err != nil { // as an upload leaves it
		t.Fatal(err)
	}
	before := job.GetDateTime("updated")

	if _, err := jobs.Do(app, validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded)); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].status != "pending" || calls[0].stored != "pending" || calls[0].updated == before.String() {
		t.Fatalf("after an approve the hooks saw %+v", calls)
	}
	stored, _ := app.FindRecordById(schema.Jobs, job.Id)
	if stored.GetString("model") != "original_abc123.stl" || stored.GetInt("quote_cents") == 0 {
		t.Errorf("the move lost a column: model %q, quote %d", stored.GetString("model"), stored.GetInt("quote_cents"))
	}

	calls = nil
	if _, err := jobs.Do(app, validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded)); err == nil {
		t.Fatal("a stale approve succeeded")
	}
	if len(calls) != 0 {
		t.Errorf("a refused move ran the hooks: %+v", calls)
	}

	err := app.RunInTransaction(func(tx core.App) error {
		if _, err := jobs.Do(tx, validRequest(fx, job, jobs.ActionCancel, schema.StatusPending)); err != nil {
			return err
		}
		return errInjected
	})
	if err != errInjected {
		t.Fatalf("outer transaction: %v", err)
	}
	if stored, _ := app.FindRecordById(schema.Jobs, job.Id); stored.GetString("status") != "pending" || len(calls) != 0 {
		t.Errorf("a rolled-back move: status %s, hooks %+v", stored.GetString("status"), calls)
	}
}

// A job without a status-key salt (made before salts existed, or by hand) gets
// one with its first emailed move, and the link in that email opens it.
func TestAJobWithoutASaltGetsOneWithItsFirstEmail(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusUploaded)
	if _, err := app.DB().NewQuery("UPDATE jobs SET status_key_salt = '' WHERE id = {:id}").Bind(dbx.Params{"id": job.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Do(app, validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded)); err != nil {
		t.Fatal(err)
	}
	after, _ := app.FindRecordById(schema.Jobs, job.Id)
	if after.GetString("status_key_salt") == "" {
		t.Fatal("the job still has no salt")
	}
	rows, err := app.FindAllRecords(schema.Emails, dbx.HashExp{"job": job.Id})
	if err != nil || len(rows) != 1 {
		t.Fatalf("%d emails, %v", len(rows), err)
	}
	var data mail.Data
	if err := rows[0].UnmarshalJSONField("data", &data); err != nil {
		t.Fatal(err)
	}
	key := data.StatusURL[strings.LastIndex(data.StatusURL, ".")+1:]
	if !jobs.CheckStatusKey(app, after, key) {
		t.Errorf("the emailed link %q does not open the job", data.StatusURL)
	}
}
