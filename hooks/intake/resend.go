package intake

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"printlab/hooks/jobs"
	"printlab/hooks/mail"
	"printlab/hooks/settings"
	"printlab/schema"
)

// resendsPerIPHour bounds resend requests from one address, matching or not, so
// the form cannot be used to probe short ids and emails in bulk.
const resendsPerIPHour = 20

// resendAnswer is the one answer of the resend route, whatever happened.
const resendAnswer = "If the request number and email match a request waiting for confirmation, we have emailed a new confirmation link to that address. It can take a few minutes to arrive; check your spam folder too."

// resender serves POST /api/printlab/confirm/resend.
type resender struct {
	perIP *window
	now   func() time.Time
}

// resend always answers 202 with the same message, so it reveals neither whether
// a request exists nor its email; it sends only when both match a pending job.
func (r *resender) resend(e *core.RequestEvent) error {
	var body struct {
		ShortID string `json:"short_id"`
		Email   string `json:"email"`
	}
	if err := json.NewDecoder(io.LimitReader(e.Request.Body, 16<<10)).Decode(&body); err != nil {
		return jobs.Respond(e, badRequest("The request is not valid JSON."))
	}
	now := r.now()
	if ok, until := r.perIP.allow(e.RealIP(), resendsPerIPHour, now); !ok {
		lab, _ := settings.Load(e.App)
		return jobs.Respond(e, rateLimited(lab, until, "Too many link requests came from your network in the last hour."))
	}
	if err := ResendConfirm(e.App, body.ShortID, body.Email, now); err != nil {
		e.App.Logger().Error("printlab: confirm resend", "error", err)
	}
	return e.JSON(http.StatusAccepted, map[string]any{"message": resendAnswer})
}

// ResendConfirm queues a fresh confirmation link for the pending job with this
// short id and email (case-insensitive), at most settings.ResendsPerJobHour
// confirmation emails per job per hour; the old link dies. A mismatch, a job in
// another status or the limit do nothing and are not errors: the caller tells
// the student the same thing either way.
func ResendConfirm(app core.App, shortID, email string, now time.Time) error {
	shortID = strings.ToUpper(strings.TrimSpace(shortID))
	email = strings.TrimSpace(email)
	if shortID == "" || email == "" || len(shortID) > 12 || len(email) > 254 {
		return nil
	}
	return app.RunInTransaction(func(tx core.App) error {
		job, err := tx.FindFirstRecordByData(schema.Jobs, "short_id", shortID)
		if err != nil || !strings.EqualFold(job.GetString("email"), email) ||
			job.GetString("status") != string(schema.StatusPending) {
			return nil
		}
		lab, err := settings.Load(tx)
		if err != nil {
			return err
		}
		var sent struct {
			N int `db:"n"`
		}
		err = tx.DB().Select("count(*) as n").From(schema.Emails).Where(dbx.HashExp{"job": job.Id, "kind": string(mail.KindConfirm)}).
			AndWhere(dbx.NewExp("created >= {:since}", dbx.Params{"since": types.NowDateTime().Add(-time.Hour).String()})).One(&sent)
		if err != nil {
			return err
		}
		if lab.ResendsPerJobHour > 0 && sent.N >= lab.ResendsPerJobHour {
			return nil
		}
		token, hash := jobs.NewToken()
		expires := now.UTC().Add(time.Duration(lab.ConfirmHours) * time.Hour)
		job.Set("confirm_token_hash", hash)
		job.Set("confirm_expires", expires)
		job.Set("confirm_expired", false)
		if err := tx.Save(job); err != nil {
			return err
		}
		if err := jobs.AddEvent(tx, job, "requote", jobs.Actor{Kind: jobs.ByStudent},
			map[string]any{"token_hash": hash, "by": "student"}); err != nil {
			return err
		}
		link, err := jobs.StatusLink(tx, job, lab.PublicURL)
		if err != nil {
			return err
		}
		_, err = mail.Enqueue(tx, lab, mail.Message{Job: job, Kind: mail.KindConfirm,
			DedupeKey: "confirm:" + job.Id + ":" + hash[:16],
			Data: mail.Data{StatusURL: link, ConfirmURL: jobs.ConfirmURL(lab.PublicURL, token),
				ConfirmExpires: expires}})
		return err
	})
}
