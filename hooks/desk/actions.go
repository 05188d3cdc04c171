// Package desk serves the staff side: the job action routes, print-file uploads
// and signed download links. Handlers are thin: they authenticate the
// workstation, decode the body and call the lifecycle engine (hooks/jobs).
package desk

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/schema"
)

// Register binds the staff routes.
func Register(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/printlab/jobs")
		g.Bind(apis.RequireAuth(schema.Workstations, core.CollectionNameSuperusers))
		g.POST("/{id}/{action}", action)
		d := se.Router.Group("/api/printlab/desk")
		d.Bind(apis.RequireAuth(schema.Workstations, core.CollectionNameSuperusers))
		// Every open dashboard reads these on each change: successful reads stay
		// out of the request log, which keeps the moves and the failures.
		d.GET("/jobs", listCards).Bind(apis.SkipSuccessActivityLog())
		d.GET("/counts", countCards).Bind(apis.SkipSuccessActivityLog())
		se.Router.GET("/api/printlab/analytics", analytics).
			Bind(apis.RequireAuth(schema.Workstations, core.CollectionNameSuperusers))
		se.Router.GET("/api/printlab/export/{kind}", exportCSV).
			Bind(apis.RequireAuth(schema.Workstations, core.CollectionNameSuperusers))
		registerFiles(se)
		return se.Next()
	})
	bindAdminEdits(app)
}

// actionBody is the JSON every action takes: who, what they saw, and the fields.
type actionBody struct {
	Staff          string `json:"staff"`
	ExpectedStatus string `json:"expected_status"`
	jobs.Input
}

func action(e *core.RequestEvent) error {
	var body actionBody
	dec := json.NewDecoder(io.LimitReader(e.Request.Body, 64<<10))
	if err := dec.Decode(&body); err != nil && err != io.EOF {
		return jobs.Respond(e, &jobs.Error{Status: http.StatusBadRequest, Code: "invalid",
			Message: "The request body is not valid JSON: " + err.Error()})
	}
	req := jobs.Request{
		JobID:    e.Request.PathValue("id"),
		Action:   jobs.Action(e.Request.PathValue("action")),
		Expected: schema.Status(body.ExpectedStatus),
		Input:    body.Input,
	}
	if e.Auth.IsSuperuser() {
		req.By = jobs.Actor{Kind: jobs.ByAdmin, Superuser: e.Auth.Email(), StaffID: body.Staff}
	} else {
		req.By = jobs.Actor{Kind: jobs.ByStaff, StaffID: body.Staff, WorkstationID: e.Auth.Id,
			CanOverride: e.Auth.GetBool("can_override")}
		if req.Action == jobs.ActionOverride {
			req.By.Kind = jobs.ByAdmin
		}
	}
	job, err := jobs.Do(e.App, req)
	if err != nil {
		return jobs.Respond(e, err)
	}
	return e.JSON(http.StatusOK, job)
}
