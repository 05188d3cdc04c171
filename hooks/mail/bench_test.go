package mail_test

import (
	"context"
	"fmt"
	"printlab/hooks/mail"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"printlab/schema"
)

// BenchmarkDrain1000 queues 1,000 emails (100 jobs × 10) and measures how fast
// the worker delivers them into Mailpit over real SMTP.
func BenchmarkDrain1000(b *testing.B) {
	mp := startMailpit(b)
	app, fx, lab := newApp(b)
	useSMTP(app, mp.smtpPort)
	var jobs []*core.Record
	for range 100 {
		jobs = append(jobs, newJob(b, app, fx, nil))
	}
	w := mail.NewWorker(app, mail.Options{})
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		app.RunInTransaction(func(tx core.App) error {
			for k := range 10 {
				for _, j := range jobs {
					if _, err := mail.Enqueue(tx, lab, message(j, mail.Kinds()[k%len(mail.Kinds())], fmt.Sprintf("b%d:%d:%s", i, k, j.Id))); err != nil {
						b.Fatal(err)
					}
				}
			}
			return nil
		})
		b.StartTimer()
		start := time.Now()
		res, err := w.Drain(context.Background(), time.Now())
		total += time.Since(start)
		if err != nil || res.Sent != 1000 {
			b.Fatalf("%v %v", res, err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/total.Seconds(), "emails/s")
}

// BenchmarkTransitionOutbox measures what queueing an email adds to a
// transition: the same transaction (update the job, write its event) with and
// without mail.Enqueue. Reports the p50 and p95 of single transactions.
func BenchmarkTransitionOutbox(b *testing.B) {
	for _, withMail := range []bool{false, true} {
		name := "without-email"
		if withMail {
			name = "with-email"
		}
		b.Run(name, func(b *testing.B) {
			app, fx, lab := newApp(b)
			job := newJob(b, app, fx, nil)
			events, _ := app.FindCollectionByNameOrId(schema.Events)
			var times, enq []time.Duration
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				err := app.RunInTransaction(func(tx core.App) error {
					j, err := tx.FindRecordById(schema.Jobs, job.Id)
					if err != nil {
						return err
					}
					j.Set("reviewed", i%2 == 0)
					if err := tx.Save(j); err != nil {
						return err
					}
					ev := core.NewRecord(events)
					ev.Set("job", j.Id)
					ev.Set("type", "review")
					ev.Set("actor", "staff")
					if err := tx.Save(ev); err != nil {
						return err
					}
					if withMail {
						// As the engine calls it: printer and material names known.
						m := message(j, mail.KindConfirm, fmt.Sprintf("bench:%d", i))
						m.Data.PrinterName, m.Data.MaterialName = "Prusa MK4S", "PLA"
						s := time.Now()
						_, err = mail.Enqueue(tx, lab, m)
						enq = append(enq, time.Since(s))
					}
					return err
				})
				times = append(times, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
			if withMail {
				// The time Enqueue itself adds inside the transaction.
				slices.Sort(enq)
				b.ReportMetric(float64(enq[len(enq)/2].Microseconds())/1000, "enqueue-p50-ms")
				b.ReportMetric(float64(enq[len(enq)*95/100].Microseconds())/1000, "enqueue-p95-ms")
			}
		})
	}
}

// BenchmarkEnqueue is the mean cost of one Enqueue inside an open
// transaction, the figure least disturbed by other load on the machine.
func BenchmarkEnqueue(b *testing.B) {
	app, fx, lab := newApp(b)
	job := newJob(b, app, fx, nil)
	app.RunInTransaction(func(tx core.App) error {
		for i := 0; b.Loop(); i++ {
			m := message(job, mail.KindConfirm, fmt.Sprintf("mean:%d", i))
			m.Data.PrinterName, m.Data.MaterialName = "Prusa MK4S", "PLA"
			if _, err := mail.Enqueue(tx, lab, m); err != nil {
				b.Fatal(err)
			}
		}
		return nil
	})
}
