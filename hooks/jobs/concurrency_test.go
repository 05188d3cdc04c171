package jobs_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/internal/testapp"
	"printlab/schema"
)

// Two or three lab PCs act on the same queue at once: per job exactly one
// conflicting move wins, the rest are refused with 409 or 423, and the history
// matches the final state.
func TestConcurrentConflictingMoves(t *testing.T) {
	app, fx := seeded(t)
	ws2 := testapp.Workstation(t, app, "lab3", "Lab 3", false)
	actors := []jobs.Actor{
		staffAt(fx),
		{Kind: jobs.ByStaff, StaffID: fx.OtherStaff.Id, WorkstationID: fx.OtherWorkstation.Id},
		{Kind: jobs.ByStaff, StaffID: fx.OtherStaff.Id, WorkstationID: ws2.Id},
	}
	const nJobs, perJob = 100, 20
	var list []string
	for i := 0; i < nJobs; i++ {
		list = append(list, newJob(t, app, fx, schema.StatusUploaded).Id)
	}
	// The first job gets 20 at once; then all 100 jobs get 5 each at once.
	run := func(ids []string, n int) map[string]int {
		wins := map[string]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, id := range ids {
			for g := 0; g < n; g++ {
				wg.Add(1)
				go func(id string, g int) {
					defer wg.Done()
					actions := []jobs.Action{jobs.ActionApprove, jobs.ActionReject, jobs.ActionCancel, jobs.ActionClaim}
					a := actions[g%len(actions)]
					job, _ := app.FindRecordById(schema.Jobs, id)
					req := validRequest(fx, job, a, schema.StatusUploaded)
					req.By = actors[g%len(actors)]
					_, err := jobs.Do(app, req)
					if err == nil {
						if a != jobs.ActionClaim {
							mu.Lock()
							wins[id]++
							mu.Unlock()
						}
						return
					}
					je, ok := jobs.AsError(err)
					if !ok || (je.Status != 409 && je.Status != 423) {
						t.Errorf("%s: want 409/423, got %v", a, err)
					}
				}(id, g)
			}
		}
		wg.Wait()
		return wins
	}
	check := func(ids []string, wins map[string]int) {
		for _, id := range ids {
			if wins[id] != 1 {
				t.Errorf("job %s: %d winning moves, want exactly 1", id, wins[id])
			}
			job, _ := app.FindRecordById(schema.Jobs, id)
			evs := events(t, app, id)
			moves := 0
			last := ""
			for _, ev := range evs {
				if ev.GetString("from_status") != ev.GetString("to_status") {
					moves++
					last = ev.GetString("to_status")
				}
			}
			if moves != 1 || last != job.GetString("status") {
				t.Errorf("job %s is %s but its history has %d moves ending in %q", id, job.GetString("status"), moves, last)
			}
		}
	}
	check(list[:1], run(list[:1], perJob))
	check(list[1:], run(list[1:], 5))
}

// Moves that queue together share a transaction, and each is still all or
// nothing: a refused move leaves no trace, a move whose history write fails
// takes back its job and its email, and the moves beside both commit.
func TestMovesSharingATransactionStayAllOrNothing(t *testing.T) {
	app, fx := seeded(t)
	var list []*core.Record
	for range 24 {
		list = append(list, newJob(t, app, fx, schema.StatusUploaded))
	}
	bad := list[6].Id
	failInserts(t, app, schema.Events, bad)
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	for round := range 3 { // several times, so that batches form in different orders
		for i, job := range list {
			if i%3 != round {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				expected := schema.StatusUploaded
				if i%4 == 1 {
					expected = schema.StatusPrinting // the screen was stale: refused
				}
				_, errs[i] = jobs.Do(app, validRequest(fx, job, jobs.ActionApprove, expected))
			}()
		}
	}
	wg.Wait()
	for i, job := range list {
		after, _ := app.FindRecordById(schema.Jobs, job.Id)
		moved := after.GetString("status") == string(schema.StatusPending)
		nEvents, nEmails := count(t, app, schema.Events, job.Id), count(t, app, schema.Emails, job.Id)
		switch {
		case job.Id == bad:
			if !isInjected(errs[i]) || moved || nEvents != 0 || nEmails != 0 {
				t.Errorf("the failed move: %v; moved %v, %d events, %d emails", errs[i], moved, nEvents, nEmails)
			}
		case i%4 == 1:
			if je, ok := jobs.AsError(errs[i]); !ok || je.Status != 409 || moved || nEvents != 0 || nEmails != 0 {
				t.Errorf("a refused move: %v; moved %v, %d events, %d emails", errs[i], moved, nEvents, nEmails)
			}
		default:
			if errs[i] != nil || !moved || nEvents != 1 || nEmails != 1 || after.GetInt("quote_cents") == 0 {
				t.Errorf("job %d: %v; moved %v, %d events, %d emails", i, errs[i], moved, nEvents, nEmails)
			}
		}
	}
}

// A move is worked out before it holds the writer; when another move changed
// the job meanwhile, it is worked out again from the job as it now is. Twenty
// notes typed at once on one job, while the job is also approved, are all
// kept, each with its event: none is written over by a move planned on a row
// that had changed.
func TestMovesPlannedOnAChangedJobArePlannedAgain(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusUploaded)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n+1)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := validRequest(fx, job, jobs.ActionNote, schema.StatusUploaded)
			req.Input.Text = fmt.Sprintf("note %d", i)
			req.Expected = "" // filled below from the job as this desk sees it
			for {
				cur, _ := app.FindRecordById(schema.Jobs, job.Id)
				req.Expected = schema.Status(cur.GetString("status"))
				_, errs[i] = jobs.Do(app, req)
				if je, ok := jobs.AsError(errs[i]); !ok || je.Status != 409 {
					return // done, or failed for another reason
				}
				// The approve landed between this desk's look and its note: look again.
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, errs[n] = jobs.Do(app, validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded))
	}()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("move %d: %v", i, err)
		}
	}
	after, _ := app.FindRecordById(schema.Jobs, job.Id)
	var notes []jobs.Note
	if err := after.UnmarshalJSONField("notes", &notes); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, nt := range notes {
		seen[nt.Text] = true
	}
	for i := range n {
		if !seen[fmt.Sprintf("note %d", i)] {
			t.Errorf("note %d was lost; the job has %d notes", i, len(notes))
		}
	}
	if after.GetString("status") != string(schema.StatusPending) || after.GetInt("quote_cents") == 0 {
		t.Errorf("the approve was lost: %s, quote %d", after.GetString("status"), after.GetInt("quote_cents"))
	}
	notesLogged := 0
	for _, ev := range events(t, app, job.Id) {
		if ev.GetString("type") == string(jobs.ActionNote) {
			notesLogged++
		}
	}
	if notesLogged != n {
		t.Errorf("%d note events, want %d", notesLogged, n)
	}
}

// A move that fails after a record save (an undo that voided its payment with
// a save, then could not write its event) takes its batch down with it; the
// batch runs again without it, so its neighbours commit, and the failed move
// leaves nothing: the payment stands, the job is still picked up.
func TestABatchRunsAgainWithoutAMoveThatFailedAfterSaving(t *testing.T) {
	app, fx := seeded(t)
	paid := newJob(t, app, fx, schema.StatusCompleted)
	if _, err := jobs.Do(app, validRequest(fx, paid, jobs.ActionPickup, schema.StatusCompleted)); err != nil {
		t.Fatal(err)
	}
	failInserts(t, app, schema.Events, paid.Id)
	var voidHooks atomic.Int32 // after-save hooks that announced the void
	app.OnRecordAfterUpdateSuccess(schema.Payments).BindFunc(func(e *core.RecordEvent) error {
		voidHooks.Add(1)
		return e.Next()
	})
	var list []*core.Record
	for range 15 {
		list = append(list, newJob(t, app, fx, schema.StatusUploaded))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(list))
	undoErrs := make([]error, 3)
	for round := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, undoErrs[round] = jobs.Do(app, validRequest(fx, paid, jobs.ActionUndo, schema.StatusPickedUp))
		}()
		for i, job := range list {
			if i%3 != round {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = jobs.Do(app, validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded))
			}()
		}
	}
	wg.Wait()
	for i, err := range undoErrs {
		if !isInjected(err) {
			t.Errorf("undo %d: %v, want the injected failure", i, err)
		}
	}
	after, _ := app.FindRecordById(schema.Jobs, paid.Id)
	if after.GetString("status") != string(schema.StatusPickedUp) || after.GetInt("final_cents") == 0 {
		t.Errorf("the failed undo changed the job: %s, final %d", after.GetString("status"), after.GetInt("final_cents"))
	}
	live, err := app.FindAllRecords(schema.Payments, dbx.HashExp{"job": paid.Id, "voided": false})
	if err != nil || len(live) != 1 {
		t.Errorf("the failed undo voided the payment: %d live payments, %v", len(live), err)
	}
	if n := voidHooks.Load(); n != 0 {
		t.Errorf("the hooks announced %d voids that never committed", n)
	}
	for i, job := range list {
		after, _ := app.FindRecordById(schema.Jobs, job.Id)
		if errs[i] != nil || after.GetString("status") != string(schema.StatusPending) ||
			count(t, app, schema.Events, job.Id) != 1 || count(t, app, schema.Emails, job.Id) != 1 {
			t.Errorf("approve %d beside the failed undo: %v, status %s", i, errs[i], after.GetString("status"))
		}
	}
}

// A move whose job other moves keep changing between its plan and its write
// is planned again; after seven tries it is planned while holding the writer,
// where nothing can change the job under it, so it is never starved: it is
// written once, with one event, however often the job changed.
func TestAMoveWhoseJobKeepsChangingIsNotStarved(t *testing.T) {
	app, fx := seeded(t)
	for _, changes := range []int{3, jobs.MaxPlans - 1, 100} {
		job := newJob(t, app, fx, schema.StatusUploaded)
		n := 0
		restore := jobs.SetAfterPlan(func(a core.App, id string) {
			if id != job.Id || n >= changes {
				return
			}
			n++
			// Another desk's note lands: the row changes, its status does not.
			if _, err := a.DB().NewQuery("UPDATE jobs SET notes = {:n} WHERE id = {:id}").
				Bind(dbx.Params{"n": fmt.Sprintf(`[{"text":"note %d"}]`, n), "id": id}).Execute(); err != nil {
				t.Error(err)
			}
		})
		_, err := jobs.Do(app, validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded))
		restore()
		after, _ := app.FindRecordById(schema.Jobs, job.Id)
		approved := after.GetString("status") == string(schema.StatusPending)
		if err != nil || !approved || count(t, app, schema.Events, job.Id) != 1 || count(t, app, schema.Emails, job.Id) != 1 {
			t.Errorf("changed %d times: %v; approved %v, %d events, %d emails", n, err, approved,
				count(t, app, schema.Events, job.Id), count(t, app, schema.Emails, job.Id))
		}
		if want := min(changes, jobs.MaxPlans-1); n != want {
			t.Errorf("the job was changed %d times between plan and write, want %d", n, want)
		}
		var notes []jobs.Note
		if err := after.UnmarshalJSONField("notes", &notes); err != nil || len(notes) != 1 || notes[0].Text != fmt.Sprintf("note %d", n) {
			t.Errorf("the last note was written over: %+v (%v)", notes, err)
		}
	}
}

// A move whose job row was written and whose event then could not be (a
// database error on the writer, no refusal) takes its batch down with it, as a
// failed save does: the batch runs again without it, its neighbours commit
// once each, and the failed job is untouched, with no event and no email.
func TestABatchRunsAgainWithoutAMoveThatFailedAfterWritingItsJob(t *testing.T) {
	app, fx := seeded(t)
	var list []*core.Record
	for range 24 {
		list = append(list, newJob(t, app, fx, schema.StatusUploaded))
	}
	doomed := list[5]
	failInserts(t, app, schema.Events, doomed.Id)
	var wg sync.WaitGroup
	errs := make([]error, len(list))
	for i, job := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = jobs.Do(app, validRequest(fx, job, jobs.ActionApprove, schema.StatusUploaded))
		}()
	}
	wg.Wait()
	for i, job := range list {
		after, _ := app.FindRecordById(schema.Jobs, job.Id)
		if job.Id == doomed.Id {
			if !isInjected(errs[i]) || after.GetString("status") != string(schema.StatusUploaded) ||
				count(t, app, schema.Events, job.Id) != 0 || count(t, app, schema.Emails, job.Id) != 0 {
				t.Errorf("the failed approve: %v; status %s, %d events, %d emails", errs[i], after.GetString("status"),
					count(t, app, schema.Events, job.Id), count(t, app, schema.Emails, job.Id))
			}
			continue
		}
		if errs[i] != nil || after.GetString("status") != string(schema.StatusPending) ||
			count(t, app, schema.Events, job.Id) != 1 || count(t, app, schema.Emails, job.Id) != 1 {
			t.Errorf("approve %d beside the failed one: %v, status %s, %d events, %d emails", i, errs[i], after.GetString("status"),
				count(t, app, schema.Events, job.Id), count(t, app, schema.Emails, job.Id))
		}
	}
}

// A move no other desk interferes with is worked out once: the check that its
// job is still as read passes for every kind of value a job holds (fractional
// grams and hours, JSON notes and model figures, dates), so nothing is planned
// twice for nothing.
func TestAnUncontendedMoveIsPlannedOnce(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusUploaded)
	job.Set("model_stats", map[string]any{"volume_mm3": 0.1 + 0.2, "triangles": 12, "name": "Ünïcode \"quoted\""})
	if err := app.Save(job); err != nil {
		t.Fatal(err)
	}
	plans := 0
	restore := jobs.SetAfterPlan(func(core.App, string) { plans++ })
	defer restore()
	moves := []struct {
		a    jobs.Action
		from schema.Status
	}{
		{jobs.ActionNote, schema.StatusUploaded},
		{jobs.ActionApprove, schema.StatusUploaded},
		{jobs.ActionNote, schema.StatusPending},
		{jobs.ActionConfirm, schema.StatusPending},
	}
	for i, m := range moves {
		req := validRequest(fx, job, m.a, m.from)
		if m.a == jobs.ActionApprove {
			req.Input.Grams, req.Input.Hours = ptr(42.37), ptr(1.1)
		}
		if _, err := jobs.Do(app, req); err != nil {
			t.Fatalf("%s: %v", m.a, err)
		}
		if plans != i+1 {
			t.Fatalf("after %d moves the engine had planned %d times", i+1, plans)
		}
	}
}
