package jobs_test

import (
	"sync"
	"testing"

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
