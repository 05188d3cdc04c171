package jobs

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/settings"
	"printlab/schema"
)

// tokenPattern is the shape of a confirmation token: 24 random bytes, base64url.
var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{32}$`)

func linkError(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// LookupConfirm finds the job behind a confirmation token without changing it,
// and says why the link cannot be used when it cannot: unknown, replaced by a
// newer link, expired, already used, or the job is no longer waiting. The job is
// returned with most refusals so the page can still show what it is about.
func LookupConfirm(app core.App, token string, now time.Time) (*core.Record, *Error) {
	unknown := linkError(http.StatusNotFound, "unknown_link",
		"We don't recognise this confirmation link. Check that you opened the whole link from the email; if it still fails, ask for a new link below.")
	if !tokenPattern.MatchString(token) {
		return nil, unknown
	}
	hash := HashToken(token)
	job, err := app.FindFirstRecordByData(schema.Jobs, "confirm_token_hash", hash)
	if errors.Is(err, sql.ErrNoRows) {
		// An older link of a job that was re-quoted: its hash is in the history.
		var ev struct {
			Job     string `db:"job"`
			Created string `db:"created"`
		}
		qerr := app.DB().Select("job", "created").From(schema.Events).
			Where(dbx.NewExp("json_extract(details, '$.token_hash') = {:h}", dbx.Params{"h": hash})).
			OrderBy("created DESC").Limit(1).One(&ev)
		if qerr == nil {
			old, ferr := app.FindRecordById(schema.Jobs, ev.Job)
			if ferr == nil {
				return old, linkError(http.StatusGone, "replaced",
					"This link was replaced by a newer one: use the most recent email we sent you, or ask for a new link below.")
			}
		}
		return nil, unknown
	}
	if err != nil {
		return nil, linkError(http.StatusInternalServerError, "error", "Something went wrong on our side; please try again in a minute.")
	}
	status := schema.Status(job.GetString("status"))
	loc := time.UTC
	if lab, lerr := settings.Load(app); lerr == nil {
		loc = lab.Location()
	}
	if status != schema.StatusPending {
		if confirmed := job.GetDateTime("confirmed_at").Time(); !confirmed.IsZero() {
			return job, linkError(http.StatusConflict, "used", fmt.Sprintf(
				"This link was already used: you confirmed this quote on %s. Nothing more to do; we'll email you when your print is ready.",
				when(confirmed, loc, now)))
		}
		return job, linkError(http.StatusConflict, "wrong_status", fmt.Sprintf(
			"This request is %s, so there is no quote to confirm.", status.Label()))
	}
	if expires := job.GetDateTime("confirm_expires").Time(); expires.IsZero() {
		// An admin cleared the date: the link has no time left.
		return job, linkError(http.StatusGone, "expired",
			"This link has expired. Ask for a new link below and we'll email it to you.")
	} else if !now.Before(expires) {
		return job, linkError(http.StatusGone, "expired", fmt.Sprintf(
			"This link expired on %s. Ask for a new link below and we'll email it to you.", when(expires, loc, now)))
	}
	return job, nil
}

// when is a moment as students read it, in the lab's time zone, with the year
// when it is not this year's.
func when(t time.Time, loc *time.Location, now time.Time) string {
	t = t.In(loc)
	if t.Year() != now.In(loc).Year() {
		return t.Format("Monday, January 2, 2006 at 3:04 pm")
	}
	return t.Format("Monday, January 2 at 3:04 pm")
}

// ConfirmByToken confirms the quote behind a student's link: once, before it
// expires, only while the job waits for confirmation. The lookup and the move
// share one transaction, so two clicks cannot both succeed.
func ConfirmByToken(app core.App, token string, now time.Time) (*core.Record, error) {
	var out *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		job, lerr := LookupConfirm(tx, token, now)
		if lerr != nil {
			return lerr
		}
		var err error
		out, err = Do(tx, Request{JobID: job.Id, Action: ActionConfirm, By: Actor{Kind: ByStudent}, Now: now})
		return err
	})
	return out, err
}

// FindForStudent returns the job when key is its private status key, and the same
// "not found" for a wrong key as for a missing job, so nothing can be probed.
func FindForStudent(app core.App, jobID, key string) (*core.Record, *Error) {
	notFound := linkError(http.StatusNotFound, "not_found",
		"We can't find this request. Open the link from your email again, the whole link.")
	job, err := app.FindRecordById(schema.Jobs, jobID)
	if err != nil || !CheckStatusKey(app, job, key) {
		return nil, notFound
	}
	return job, nil
}

// CancelByStudent cancels a job through its private status link.
func CancelByStudent(app core.App, jobID, key, reason string, now time.Time) (*core.Record, error) {
	var out *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		job, ferr := FindForStudent(tx, jobID, key)
		if ferr != nil {
			return ferr
		}
		if schema.Status(job.GetString("status")) == schema.StatusCancelled {
			return linkError(http.StatusConflict, "not_cancelable",
				"Your request is already cancelled; there is nothing more to do.")
		}
		if find(ActionCancel, schema.Status(job.GetString("status"))) == nil {
			return linkError(http.StatusConflict, "not_cancelable", fmt.Sprintf(
				"Your request is %s and can no longer be cancelled online. Please contact the lab.",
				schema.Status(job.GetString("status")).Label()))
		}
		var err error
		out, err = Do(tx, Request{JobID: job.Id, Action: ActionCancel, By: Actor{Kind: ByStudent},
			Input: Input{Reason: reason}, Now: now})
		return err
	})
	return out, err
}

// CanCancel reports whether the student may still cancel a job in status.
func CanCancel(status schema.Status) bool { return find(ActionCancel, status) != nil }
