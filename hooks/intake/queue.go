package intake

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/pace"
	"printlab/schema"
)

// A student's place in a queue (review, or print) moves when jobs ahead of
// theirs leave it, which their status page would not hear of: it follows its
// own job. So when a job enters or leaves a queue, the pages following the
// other jobs still waiting get their view again, once per burst of moves and
// once the desk is quiet.

// queueDelay gathers the moves of a burst into one round of pushes.
const queueDelay = 250 * time.Millisecond

// inQueue reports whether a job in status waits in a queue with a place.
func inQueue(status string) bool {
	s := schema.Status(status)
	return s == schema.StatusUploaded || s == schema.StatusReadyToPrint
}

// queueMoved notes that job changed its queue and schedules the round.
func (a *afterwork) queueMoved(app core.App, job *core.Record) {
	was, now := job.Original().GetString("status"), job.GetString("status")
	if was == now || !(inQueue(was) || inQueue(now)) {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	if a.moved == nil {
		a.moved = map[string]int{}
	}
	a.queueSeq++
	a.moved[job.Id] = a.queueSeq
	if a.queueTimer != nil {
		return
	}
	a.queueTimer = time.AfterFunc(queueDelay, func() {
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			return
		}
		a.wg.Add(1)
		a.mu.Unlock()
		defer a.wg.Done()
		pace.For(app).Wait(a.stop, pace.MaxHold)
		a.mu.Lock()
		// A job's own page had its push when it moved; it needs another only
		// if other jobs moved after it. So only the last to move is skipped.
		skip := map[string]bool{}
		for id, seq := range a.moved {
			if seq == a.queueSeq {
				skip[id] = true
			}
		}
		a.moved, a.queueTimer = nil, nil
		a.mu.Unlock()
		pushQueued(app, skip)
	})
}

// pushQueued sends their view again to the status pages that follow a job
// waiting in a queue, except the jobs in skip.
func pushQueued(app core.App, skip map[string]bool) {
	followed := map[string]bool{}
	for _, client := range app.SubscriptionsBroker().Clients() {
		for sub := range client.Subscriptions(StatusTopicPrefix) {
			if id := topicJob(sub); id != "" && !skip[id] {
				followed[id] = true
			}
		}
	}
	for id := range followed {
		job, err := app.FindRecordById(schema.Jobs, id)
		if err != nil || !inQueue(job.GetString("status")) {
			continue
		}
		pushStatus(app, job)
	}
}
