// Package guard keeps the record API from bypassing the lifecycle: history (events,
// payments, the outbox) is append-only, jobs are created by the submit route,
// people with history cannot be deleted, only deactivated, and new staff,
// printers and materials start active. Superusers bypass access rules, so these
// checks are request hooks that apply to them too.
package guard

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/schema"
)

// Register binds the guards.
func Register(app core.App) {
	bindStartActive(app)
	refuse := func(msg string) func(e *core.RecordRequestEvent) error {
		return func(e *core.RecordRequestEvent) error {
			return e.Error(http.StatusForbidden, msg, nil)
		}
	}
	app.OnRecordCreateRequest(schema.Jobs).BindFunc(refuse(
		"Jobs are created by the submit page, so that every job has its files, analysis and history."))
	app.OnRecordDeleteRequest(schema.Jobs).BindFunc(refuse(
		"Jobs are never deleted: reject, cancel or override the status instead; archived jobs lose their files after the prune period."))

	history := "This is part of a job's history, which is written only by PrintLab's own actions and never edited or deleted."
	for _, col := range []string{schema.Events, schema.Payments} {
		app.OnRecordCreateRequest(col).BindFunc(refuse(history))
		app.OnRecordUpdateRequest(col).BindFunc(refuse(history))
		app.OnRecordDeleteRequest(col).BindFunc(refuse(history))
	}
	app.OnRecordCreateRequest(schema.Emails).BindFunc(refuse(
		"Emails are queued by PrintLab's own actions; to send one again use Resend on the job."))
	app.OnRecordDeleteRequest(schema.Emails).BindFunc(refuse(history))
	// An edited row would make the timeline lie about what was sent (and a
	// state put back to queued would send it twice).
	app.OnRecordUpdateRequest(schema.Emails).BindFunc(refuse(
		"Emails are written only by PrintLab's outbox and never edited: correct the student's address on the job, then use Resend on the job."))

	// A workstation signs in once a workday (SPEC §1): its token is not
	// renewed, so a session ends when its 12 hours do, however busy the PC.
	app.OnRecordAuthRefreshRequest(schema.Workstations).BindFunc(func(e *core.RecordAuthRefreshRequestEvent) error {
		return e.Error(http.StatusForbidden, "A workstation session lasts one workday and is not renewed: sign in again.", nil)
	})

	app.OnRecordDeleteRequest(schema.Staff, schema.Workstations).BindFunc(func(e *core.RecordRequestEvent) error {
		field := "staff"
		if e.Collection.Name == schema.Workstations {
			field = "workstation"
		}
		var n int
		err := e.App.DB().Select("count(*)").From(schema.Events).
			Where(dbx.HashExp{field: e.Record.Id}).Row(&n)
		if err != nil {
			return err
		}
		if n > 0 {
			what := "staff member"
			if field == "workstation" {
				what = "workstation"
			}
			return e.Error(http.StatusBadRequest,
				"This "+what+" appears in the history of jobs and cannot be deleted. Deactivate it instead (staff: untick Active; workstation: change its password).", nil)
		}
		return e.Next()
	})
}
