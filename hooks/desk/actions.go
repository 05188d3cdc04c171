// Package desk serves the staff side: the job action routes, print-file uploads
// and signed download links. Handlers are thin: they authenticate the
// workstation, decode the body and call the lifecycle engine (hooks/jobs).
package desk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/hooks/pace"
	"printlab/schema"
)

// Register binds the staff routes, and the hooks that keep the admin UI's
// edits and PocketBase's file downloads of jobs in line with them.
func Register(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/printlab/jobs")
		g.Bind(apis.RequireAuth(schema.Workstations, core.CollectionNameSuperusers))
		g.POST("/{id}/{action}", action).BindFunc(paced)
		d := se.Router.Group("/api/printlab/desk")
		d.Bind(apis.RequireAuth(schema.Workstations, core.CollectionNameSuperusers))
		// Every open dashboard reads these on each change: successful reads stay
		// out of the request log (as successful moves do), failures are logged.
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
	bindServedNames(app)
}

// skipSuccessLog is the request-store key that apis.SkipSuccessActivityLog
// sets (PocketBase does not export it; TestMovesInTheRequestLog holds it).
const skipSuccessLog = "__skipSuccessActivityLogger"

// paced wraps a move: the background work it causes waits while moves are in
// flight (pace), and a move that succeeded stays out of the request log, since
// its event (staff, workstation, statuses, details) is its record. A refused
// or failed move is logged.
func paced(e *core.RequestEvent) error {
	end := pace.For(e.App).Begin()
	err := e.Next()
	end()
	if err == nil && e.Status() < http.StatusBadRequest {
		e.Set(skipSuccessLog, true)
	}
	return err
}

// actionBody is the JSON every action takes: who, what they saw, and the fields.
type actionBody struct {
	Staff          string `json:"staff"`
	ExpectedStatus string `json:"expected_status"`
	jobs.Input
}

// maxActionBody bounds an action's JSON; the longest field, a note, is 5,000
// characters.
const maxActionBody = 64 << 10

// decodeAction reads an action's JSON into body. What is wrong is said in the
// API's terms (the field and the type it takes), not Go's: an empty body is
// an action without fields.
func decodeAction(r io.Reader, body *actionBody) error {
	b, err := io.ReadAll(io.LimitReader(r, maxActionBody+1))
	if err != nil {
		return &jobs.Error{Status: http.StatusBadRequest, Code: "invalid", Message: "The request body could not be read; send it again."}
	}
	if len(b) > maxActionBody {
		return &jobs.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Message: "The request body is over 64 KB; an action's fields are far shorter (a note is at most 5,000 characters)."}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	err = json.Unmarshal(b, body)
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		field := typeErr.Field[strings.LastIndexByte(typeErr.Field, '.')+1:] // "Input.grams": the embedded struct's name first
		msg := "must be " + jsonKind(typeErr.Type)
		return &jobs.Error{Status: http.StatusBadRequest, Code: "invalid", Message: field + " " + msg + ".",
			Fields: map[string]string{field: msg}}
	case errors.As(err, &syntaxErr):
		return &jobs.Error{Status: http.StatusBadRequest, Code: "invalid",
			Message: fmt.Sprintf("The request body is not valid JSON (near byte %d); send the fields as one JSON object.", syntaxErr.Offset)}
	default:
		return &jobs.Error{Status: http.StatusBadRequest, Code: "invalid",
			Message: "The request body is not valid JSON; send the fields as one JSON object."}
	}
}

// jsonKind names the JSON a Go type takes.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64, reflect.Float32, reflect.Int32:
		return "a number"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(jsonKind(t.Elem()), "a ")
	case reflect.Pointer:
		return jsonKind(t.Elem())
	default:
		return "a JSON object"
	}
}

func action(e *core.RequestEvent) error {
	var body actionBody
	if err := decodeAction(e.Request.Body, &body); err != nil {
		return jobs.Respond(e, err)
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
			CanOverride: e.Auth.GetBool("can_override"), Workstation: e.Auth}
		if req.Action == jobs.ActionOverride {
			req.By.Kind = jobs.ByAdmin
		}
	}
	job, err := jobs.Do(e.App, req)
	if err != nil {
		return jobs.Respond(e, err)
	}
	return respondRecord(e, job)
}
