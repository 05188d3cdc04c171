package desk

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/hooks/mail"
	"printlab/schema"
)

// resendEmail queues a copy of an email for staff's Resend button, with an
// "email_resent" event on the job in the same transaction, and answers the new
// outbox row without its hidden bodies (they carry the student's private links).
func resendEmail(e *core.RequestEvent) error {
	var body struct {
		Staff string `json:"staff"`
	}
	if err := json.NewDecoder(io.LimitReader(e.Request.Body, 16<<10)).Decode(&body); err != nil && err != io.EOF {
		return jobs.Respond(e, &jobs.Error{Status: http.StatusBadRequest, Code: "invalid",
			Message: "The request body is not valid JSON: " + err.Error()})
	}
	var out *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		orig, err := tx.FindRecordById(schema.Emails, e.Request.PathValue("id"))
		if err != nil {
			return &jobs.Error{Status: http.StatusNotFound, Code: "not_found", Message: "There is no such email."}
		}
		if _, err := jobs.ActiveStaff(tx, body.Staff); err != nil {
			return err
		}
		job, err := tx.FindRecordById(schema.Jobs, orig.GetString("job"))
		if err != nil {
			return &jobs.Error{Status: http.StatusConflict, Code: "conflict", Message: "This email belongs to no job and cannot be resent from the dashboard."}
		}
		// A copy of an old confirmation email would carry a link that may be dead
		// (each link is single-use and replaced by newer ones): send a fresh one.
		if k := mail.Kind(orig.GetString("kind")); k == mail.KindConfirm || k == mail.KindConfirmReminder {
			if job.GetString("status") != string(schema.StatusPending) {
				return &jobs.Error{Status: http.StatusConflict, Code: "conflict", Message: "This job is no longer waiting for the student's confirmation, so there is no link to send again."}
			}
			moved, err := jobs.Do(tx, jobs.Request{JobID: job.Id, Action: jobs.ActionRequote, Expected: schema.StatusPending,
				By: jobs.Actor{Kind: jobs.ByStaff, StaffID: body.Staff, WorkstationID: e.Auth.Id}})
			if err != nil {
				return err
			}
			out, err = liveConfirmEmail(tx, moved)
			return err
		}
		rec, err := mail.Resend(tx, orig.Id, time.Now())
		if err != nil {
			return err
		}
		out = rec
		return jobs.AddEvent(tx, job, "email_resent", jobs.Actor{Kind: jobs.ByStaff, StaffID: body.Staff, WorkstationID: e.Auth.Id},
			map[string]any{"email": rec.Id, "original": orig.Id, "kind": orig.GetString("kind"), "recipient": orig.GetString("recipient")})
	})
	if err != nil {
		return jobs.Respond(e, err)
	}
	out.Hide("html", "text", "data")
	return e.JSON(http.StatusOK, out)
}

// liveConfirmEmail is the job's confirmation email whose link is the live one.
func liveConfirmEmail(tx core.App, job *core.Record) (*core.Record, error) {
	rows, err := tx.FindRecordsByFilter(schema.Emails, "job = {:j} && kind = 'confirm'", "", 0, 0, dbx.Params{"j": job.Id})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		var d mail.Data
		if json.Unmarshal([]byte(r.GetString("data")), &d) != nil {
			continue
		}
		if _, token, ok := strings.Cut(d.ConfirmURL, "/confirm/#"); ok && jobs.HashToken(token) == job.GetString("confirm_token_hash") {
			return r, nil
		}
	}
	return nil, errors.New("the new confirmation email was not found")
}

// workstationNames answers every workstation's display name by id. The record
// API lets a workstation see only itself, yet the dashboard must say "being
// handled by Sam at Back Room" and name workstations on the timeline.
func workstationNames(e *core.RequestEvent) error {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := e.App.DB().Select("id", "name").From(schema.Workstations).All(&rows); err != nil {
		return jobs.Respond(e, err)
	}
	names := make(map[string]string, len(rows))
	for _, r := range rows {
		names[r.ID] = r.Name
	}
	return e.JSON(http.StatusOK, map[string]any{"workstations": names})
}
