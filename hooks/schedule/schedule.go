// Package schedule runs PrintLab's time-driven work (SPEC §8) on robfig/cron in
// the lab's time zone: outbox retries, confirmation reminders and expiry flags,
// pickup reminders and "uncollected" flags, release of expired claims, archive
// and prune, the integrity check and the daily staff summary. Every job is a
// plain function of (app, now), so tests drive it with their own clock; every
// run is logged (PocketBase's logs) and its last one recorded in `cron_runs`,
// which the health endpoint shows.
package schedule

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/robfig/cron/v3"

	"printlab/hooks/mail"
	"printlab/hooks/ops"
	"printlab/hooks/settings"
	"printlab/schema"
)

// Func is one scheduled job: it does its work as of now and returns a short
// message for the run log.
type Func func(app core.App, now time.Time) (string, error)

// Job is a named function on a cron spec (5 fields or a descriptor such as
// "@every 1m", read in the lab's time zone).
type Job struct {
	Name string
	Spec string
	Run  Func
}

// ArchiveFunc moves one job from a final status (from) to archived through the
// lifecycle engine, which writes the event and the sidecar.
type ArchiveFunc func(app core.App, jobID string, from string, now time.Time) error

// Options are what the scheduler needs from other capabilities.
type Options struct {
	// Archive is the engine's archive transition; without it the archive job
	// reports an error instead of archiving.
	Archive ArchiveFunc
	// Integrity is the nightly check of jobs against stored files
	// (hooks/integrity); without it the schedule has no integrity job.
	Integrity Func
	// Now is the clock (time.Now by default).
	Now func() time.Time
}

// Jobs is the schedule, one line per job.
func Jobs(opts Options) []Job {
	jobs := []Job{
		{Name: "outbox", Spec: "@every 1m", Run: mail.Sweep},
		{Name: "claims", Spec: "@every 1m", Run: ReleaseClaims},
		{Name: "confirmations", Spec: "*/10 * * * *", Run: Confirmations},
		// Pickup reminders go out in the daytime, lab time.
		{Name: "pickups", Spec: "15 8-20 * * *", Run: Pickups},
		{Name: "archive", Spec: "30 3 * * *", Run: opts.archive},
		{Name: "prune", Spec: "45 3 * * *", Run: Prune},
		// Before the desk opens, lab time; it sends nothing unless the lab turned it on.
		{Name: "summary", Spec: "30 7 * * *", Run: DailySummary},
	}
	if opts.Integrity != nil {
		jobs = append(jobs, Job{Name: "integrity", Spec: "15 4 * * *", Run: opts.Integrity})
	}
	return jobs
}

// Scheduler owns the cron and restarts it when the lab's time zone changes.
type Scheduler struct {
	app  core.App
	opts Options
	mu   sync.Mutex
	cron *cron.Cron
	zone string
}

// New returns a scheduler for app; Start runs it.
func New(app core.App, opts Options) *Scheduler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Scheduler{app: app, opts: opts}
}

// Register starts the scheduler with the HTTP server (not for API tests, whose
// serve event has no server) and stops it on shutdown, rebuilds it when the
// lab's time zone is edited, and adds the "scheduler" part of the health
// answer.
func Register(app core.App, opts Options) {
	s := New(app, opts)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if se.Server != nil {
			if err := s.Start(); err != nil {
				return err
			}
		}
		return se.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		s.Stop()
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess(schema.LabSettings).BindFunc(func(e *core.RecordEvent) error {
		if s.running() && e.Record.GetString("timezone") != s.currentZone() {
			if err := s.Start(); err != nil {
				e.App.Logger().Error("schedule: restarting in the new time zone", "error", err)
			}
		}
		return e.Next()
	})
	ops.AddHealthCheck(app, health)
}

// Start (re)builds the cron in the lab's current time zone and starts it.
func (s *Scheduler) Start() error {
	lab, err := settings.Load(s.app)
	if err != nil {
		return err
	}
	s.Stop()
	log := cronLogger{s.app.Logger().With("component", "schedule")}
	c := cron.New(
		cron.WithLocation(lab.Location()),
		cron.WithLogger(log),
		// Recover is outermost so a panic anywhere is logged, never fatal;
		// a job still running when its next time comes is skipped, not doubled.
		cron.WithChain(cron.Recover(log), cron.SkipIfStillRunning(log)),
	)
	for _, j := range Jobs(s.opts) {
		j := j
		if _, err := c.AddFunc(j.Spec, func() { RunJob(s.app, j, s.opts.Now()) }); err != nil {
			return fmt.Errorf("schedule: job %s: %w", j.Name, err)
		}
	}
	s.mu.Lock()
	s.cron, s.zone = c, lab.TimeZone
	s.mu.Unlock()
	c.Start()
	return nil
}

// Stop stops the cron and waits for running jobs to finish.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	c := s.cron
	s.cron = nil
	s.mu.Unlock()
	if c != nil {
		<-c.Stop().Done()
	}
}

func (s *Scheduler) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cron != nil
}

func (s *Scheduler) currentZone() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.zone
}

// RunJob runs one job as of now, records the run in cron_runs and logs it. A panic is
// recovered and recorded as a failed run, so one broken job never takes the
// server down or hides from the health endpoint.
func RunJob(app core.App, j Job, now time.Time) (msg string, err error) {
	started := time.Now()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
			app.Logger().Error("schedule: job panicked", "job", j.Name, "panic", r, "stack", string(debug.Stack()))
		}
		if rerr := record(app, j.Name, started, msg, err); rerr != nil {
			app.Logger().Error("schedule: recording a run", "job", j.Name, "error", rerr)
		}
		logRun(app, j.Name, time.Since(started), msg, err)
	}()
	return j.Run(app, now)
}

// logRun writes one entry per run to PocketBase's logs (admin UI › Logs, kept
// logs.maxDays): cron_runs holds only each job's last run, the log holds them
// all (SPEC §8). A run that worked is Info, the level PocketBase keeps by
// default; a failed one is Error.
func logRun(app core.App, name string, took time.Duration, msg string, err error) {
	attrs := []any{"job", name, "duration", took.Round(time.Millisecond).String(), "ok", err == nil, "message", msg}
	if err != nil {
		app.Logger().Error("schedule: "+name+" failed", append(attrs, "error", err)...)
		return
	}
	app.Logger().Info("schedule: "+name+" ran", attrs...)
}

func record(app core.App, name string, started time.Time, msg string, runErr error) error {
	col, err := app.FindCachedCollectionByNameOrId(schema.CronRuns)
	if err != nil {
		return err
	}
	r, err := app.FindFirstRecordByData(schema.CronRuns, "name", name)
	if err != nil {
		r = core.NewRecord(col)
		r.Set("name", name)
	}
	if runErr != nil {
		if msg != "" {
			msg += "; "
		}
		msg += runErr.Error()
	}
	if len(msg) > 1900 {
		msg = msg[:1900]
	}
	r.Set("started", started.UTC())
	r.Set("finished", time.Now().UTC())
	r.Set("ok", runErr == nil)
	r.Set("message", msg)
	r.Set("runs", r.GetInt("runs")+1)
	return app.Save(r)
}

// health reports each job's last run; it is degraded when one failed.
func health(app core.App) (string, any, bool) {
	rows, err := app.FindAllRecords(schema.CronRuns)
	if err != nil {
		return "scheduler", map[string]any{"error": err.Error()}, false
	}
	out := map[string]any{}
	ok := true
	for _, r := range rows {
		out[r.GetString("name")] = map[string]any{
			"last_run": r.GetDateTime("started").Time(),
			"ok":       r.GetBool("ok"),
			"message":  r.GetString("message"),
		}
		ok = ok && r.GetBool("ok")
	}
	return "scheduler", out, ok
}

// errNoArchive is what the archive job reports until the engine's archive
// transition is wired in.
var errNoArchive = errors.New("archiving is not wired: schedule.Options.Archive is nil")

// cronLogger sends robfig/cron's log lines to PocketBase's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", err)...)
}
