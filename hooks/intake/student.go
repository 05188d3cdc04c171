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

	"printlab/hooks/jobs"
)

// Register binds the public routes.
func Register(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/printlab")
		// Successful calls carry private keys in their URLs: keep them out of the logs.
		g.Bind(apis.SkipSuccessActivityLog())
		g.GET("/status/{id}", status)
		g.POST("/status/{id}/cancel", cancel)
		g.GET("/confirm/{token}", confirmView)
		g.POST("/confirm/{token}", confirm)
		return se.Next()
	})
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
