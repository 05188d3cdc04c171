// Package intake serves the public side: the catalog, submissions, the student's
// private status page and quote confirmation. Handlers are thin: they read the
// request and call the lifecycle engine (hooks/jobs).
package intake

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"printlab/hooks/jobs"
	"printlab/schema"
)

// Register binds the public routes and the hooks that keep the student's side
// current: thumbnails and job.json sidecars after commit, and the live status
// topic.
func Register(app core.App) {
	after := newAfterwork()
	sub := &submitter{accepted: newWindow(time.Hour), attempts: newWindow(time.Hour), after: after,
		parsing: newBudget(parseBudget), now: time.Now}
	res := &resender{perIP: newWindow(time.Hour), now: time.Now}
	bindEdits(app, after, sub.parsing)

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/printlab")
		// Successful calls carry private keys in their URLs: keep them out of the logs.
		g.Bind(apis.SkipSuccessActivityLog())
		g.GET("/catalog", catalog)
		g.POST("/submit", sub.submit).Bind(submitBodyLimit())
		g.GET("/status/{id}", status)
		g.GET("/status/{id}/thumbnail", thumbnail)
		g.POST("/status/{id}/cancel", cancel)
		// Registered before /confirm/{token} for clarity; the mux prefers the literal anyway.
		g.POST("/confirm/resend", res.resend)
		g.GET("/confirm/{token}", confirmView)
		g.POST("/confirm/{token}", confirm)
		return se.Next()
	})

	// Stored model files carry the job's standard name (SPEC §4), which exists
	// only once jobs.Submit has drawn the short id inside its transaction.
	app.OnRecordCreate(schema.Jobs).BindFunc(func(e *core.RecordEvent) error {
		if f, ok := e.Record.GetRaw("model").(*filesystem.File); ok && e.Record.GetString("display_name") != "" {
			f.Name = e.Record.GetString("display_name")
		}
		return e.Next()
	})
	app.OnRecordAfterCreateSuccess(schema.Jobs).BindFunc(func(e *core.RecordEvent) error {
		after.sidecar(e.App, e.Record.Id, e.Record)
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess(schema.Jobs).BindFunc(func(e *core.RecordEvent) error {
		after.sidecar(e.App, e.Record.Id, nil)
		pushStatus(e.App, e.Record)
		after.queueMoved(e.App, e.Record)
		return e.Next()
	})
	// Reminders and flags add events without saving the job: the history changed all the same.
	app.OnRecordAfterCreateSuccess(schema.Events).BindFunc(func(e *core.RecordEvent) error {
		if id := e.Record.GetString("job"); id != "" {
			after.sidecar(e.App, id, nil)
		}
		return e.Next()
	})
	app.OnRealtimeSubscribeRequest().BindFunc(authorizeStatusTopics)
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		after.close(e.App)
		return e.Next()
	})
}

// thumbnail serves the job's PNG thumbnail to the holder of its status key.
func thumbnail(e *core.RequestEvent) error {
	job, ferr := jobs.FindForStudent(e.App, e.Request.PathValue("id"), e.Request.URL.Query().Get("key"))
	if ferr != nil {
		return jobs.Respond(e, ferr)
	}
	name := job.GetString("thumbnail")
	if name == "" {
		return jobs.Respond(e, &jobs.Error{Status: http.StatusNotFound, Code: "no_thumbnail",
			Message: "The preview picture is not ready yet."})
	}
	fsys, err := e.App.NewFilesystem()
	if err != nil {
		return jobs.Respond(e, err)
	}
	defer fsys.Close()
	// Private to the key holder: browsers may cache it, shared caches may not.
	e.Response.Header().Set("Cache-Control", "private, max-age=3600")
	return fsys.Serve(e.Response, e.Request, job.BaseFilesPath()+"/"+name, name)
}

func status(e *core.RequestEvent) error {
	job, ferr := jobs.FindForStudent(e.App, e.Request.PathValue("id"), e.Request.URL.Query().Get("key"))
	if ferr != nil {
		return jobs.Respond(e, ferr)
	}
	view, err := jobs.PublicView(e.App, job, time.Now())
	if err != nil {
		return jobs.Respond(e, err)
	}
	return e.JSON(http.StatusOK, view)
}

func cancel(e *core.RequestEvent) error {
	var body struct {
		Key    string `json:"key"`
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(io.LimitReader(e.Request.Body, 16<<10)).Decode(&body); err != nil {
		return jobs.Respond(e, &jobs.Error{Status: http.StatusBadRequest, Code: "invalid", Message: "The request is not valid JSON."})
	}
	job, err := jobs.CancelByStudent(e.App, e.Request.PathValue("id"), body.Key, body.Reason, time.Now())
	if err != nil {
		return jobs.Respond(e, err)
	}
	view, err := jobs.PublicView(e.App, job, time.Now())
	if err != nil {
		return jobs.Respond(e, err)
	}
	return e.JSON(http.StatusOK, view)
}

// confirmView shows the quote behind a link and changes nothing; a link that
// cannot be used still answers with what it was about, beside the reason.
func confirmView(e *core.RequestEvent) error {
	job, lerr := jobs.LookupConfirm(e.App, e.Request.PathValue("token"), time.Now())
	if job == nil {
		return jobs.Respond(e, lerr)
	}
	quote, err := jobs.QuoteView(e.App, job)
	if err != nil {
		return jobs.Respond(e, err)
	}
	out := map[string]any{"job": quote, "usable": lerr == nil}
	status := http.StatusOK
	if lerr != nil {
		out["code"], out["message"] = lerr.Code, lerr.Message
		status = lerr.Status
	}
	return e.JSON(status, out)
}

func confirm(e *core.RequestEvent) error {
	job, err := jobs.ConfirmByToken(e.App, e.Request.PathValue("token"), time.Now())
	if err != nil {
		return jobs.Respond(e, err)
	}
	quote, err := jobs.QuoteView(e.App, job)
	if err != nil {
		return jobs.Respond(e, err)
	}
	return e.JSON(http.StatusOK, map[string]any{"job": quote, "confirmed": true})
}
