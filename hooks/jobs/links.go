package jobs

import (
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/mail"
)

// Links to the student's pages carry their secret after "#", so it never reaches
// a server log or a Referer header; the page reads it and calls the API.

// StatusURL is a job's private status page.
func StatusURL(base, jobID, key string) string {
	return strings.TrimRight(base, "/") + "/status/#" + jobID + "." + key
}

// ConfirmURL is the page behind a confirmation link.
func ConfirmURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/confirm/#" + token
}

// ResendURL is the public page where a student asks for a new confirmation
// link by request number and email. It carries no secret: the link is emailed
// only to the job's own address.
func ResendURL(base, shortID string) string {
	return strings.TrimRight(base, "/") + "/confirm/#resend-" + shortID
}

// StatusLink returns job's private status URL, giving the job a salt first when it
// has none (jobs created before salts existed, demo data). Call inside tx.
func StatusLink(tx core.App, job *core.Record, base string) (string, error) {
	if job.GetString("status_key_salt") == "" {
		job.Set("status_key_salt", NewSalt())
		if err := tx.Save(job); err != nil {
			return "", err
		}
	}
	return statusURLOf(tx, job, base)
}

// statusURLOf is the status URL of a job that has its salt.
func statusURLOf(app core.App, job *core.Record, base string) (string, error) {
	secret, err := ServerSecret(app)
	if err != nil {
		return "", err
	}
	return StatusURL(base, job.Id, StatusKey(secret, job.Id, job.GetString("status_key_salt"))), nil
}

// enqueue queues one email of kind about the job inside the transaction.
func (s *step) enqueue(kind mail.Kind) error {
	// A job without a salt (made before salts existed, or by hand) gets one
	// with this move's write of the job.
	if s.job.GetString("status_key_salt") == "" {
		s.job.Set("status_key_salt", NewSalt())
	}
	data := s.data
	var err error
	if data.StatusURL, err = statusURLOf(s.tx, s.job, s.lab.PublicURL); err != nil {
		return err
	}
	row, existing, err := mail.NewRow(s.tx, s.lab, mail.Message{
		Job:  s.job,
		Kind: kind,
		To:   s.job.GetString("email"),
		// Each transition is a new email; the scheduler's reminders use stable keys.
		DedupeKey: fmt.Sprintf("%s:%s:%s", kind, s.job.Id, core.GenerateDefaultRandomId()),
		FreshKey:  true,
		Data:      data,
	})
	if err != nil || existing {
		return err
	}
	return s.insert(row)
}
