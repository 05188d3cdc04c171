package mail

import (
	"context"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/ops"
	"printlab/schema"
)

const (
	workerKey     = "printlab.mail.worker"
	registeredKey = "printlab.mail.registered"
)

// Register creates the app's outbox worker, wakes it whenever an email row is
// committed, starts it when the HTTP server starts and stops it on shutdown,
// adds the "outbox" part of the health answer and binds the workstation-only
// route GET /api/printlab/mail/status.
//
// The worker only starts for a real server (ServeEvent.Server set): API tests
// trigger OnServe without one, and a background sender changing email rows
// under their assertions would make them flaky.
func Register(app core.App) {
	if app.Store().Has(registeredKey) {
		return // a second call would bind every hook and the route twice
	}
	app.Store().Set(registeredKey, true)
	w := NewWorker(app, Options{})
	app.Store().Set(workerKey, w)

	// After-success hooks run after commit (and not at all on rollback), so the
	// worker never looks for a row that is not visible yet.
	app.OnRecordAfterCreateSuccess(schema.Emails).BindFunc(func(e *core.RecordEvent) error {
		w.Wake()
		return e.Next()
	})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/printlab/mail/status", statusRoute).Bind(apis.RequireAuth(schema.Workstations))
		if se.Server != nil {
			w.Start()
		}
		return se.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		w.Stop()
		return e.Next()
	})
	ops.AddHealthCheck(app, func(app core.App) (string, any, bool) {
		s, err := ReadStatus(app)
		if err != nil {
			return "outbox", map[string]any{"error": err.Error()}, false
		}
		return "outbox", map[string]any{
			"delivery":          s.Delivery,
			"queued":            s.Queued,
			"failed":            s.Failed,
			"last_smtp_success": s.LastSuccess,
		}, s.Failed == 0
	})
}

// WorkerOf returns app's outbox worker (the one Register made, or a new one
// with default options for an app without it).
func WorkerOf(app core.App) *Worker {
	return app.Store().GetOrSet(workerKey, func() any { return NewWorker(app, Options{}) }).(*Worker)
}

// Sweep is the scheduler's outbox job: it delivers every row due at now, so
// retries go out even if a wake-up was missed.
func Sweep(app core.App, now time.Time) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res, err := WorkerOf(app).Drain(ctx, now)
	return res.String(), err
}

func statusRoute(e *core.RequestEvent) error {
	s, err := ReadStatus(e.App)
	if err != nil {
		return e.InternalServerError("Could not read the email outbox.", err)
	}
	return e.JSON(http.StatusOK, s)
}
