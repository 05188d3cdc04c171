package jobs_test

import (
	"testing"
	"time"

	"printlab/hooks/jobs"
	"printlab/schema"
)

// BenchmarkApprove is one approve transition in-process: the transaction with
// the job, its event and its outbox row (BENCHMARKS.md).
func BenchmarkApprove(b *testing.B) {
	app, fx := seeded(b)
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = newJob(b, app, fx, schema.StatusUploaded).Id
	}
	g, h := 42.5, 2.2
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := jobs.Do(app, jobs.Request{JobID: ids[i], Action: jobs.ActionApprove, Expected: schema.StatusUploaded,
			By: staffAt(fx), Input: jobs.Input{Grams: &g, Hours: &h}, Now: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReview is the cheapest transition: a flag, an event, no email.
func BenchmarkReview(b *testing.B) {
	app, fx := seeded(b)
	id := newJob(b, app, fx, schema.StatusUploaded).Id
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := jobs.Do(app, jobs.Request{JobID: id, Action: jobs.ActionReview, Expected: schema.StatusUploaded,
			By: staffAt(fx), Now: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
}
