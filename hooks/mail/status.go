package mail

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"printlab/hooks/settings"
	"printlab/schema"
)

// Status is what the dashboard shows about email delivery.
type Status struct {
	// Delivery is "smtp", or "file" when no SMTP server is configured and
	// emails are only saved under pb_data/mail.
	Delivery string `json:"delivery"`
	// Queued counts emails waiting to go out (including ones between retries).
	Queued int `json:"queued"`
	// Failed counts students' emails that failed after the last retry and
	// were not resent since.
	Failed int `json:"failed"`
	// FailedSummaries counts staff summaries of the last day that failed
	// after the last retry (they belong to no job, so nobody resends them;
	// the next day's is sent as usual).
	FailedSummaries int `json:"failed_summaries"`
	// Unsent lists the short ids of jobs that wait on their student (to
	// confirm a quote, or to collect a print) whose latest email was only
	// saved as a file, before SMTP was set up: the student never got it.
	// Counted only once SMTP is set up.
	Unsent []string `json:"unsent"`
	// LastSuccess is when the SMTP server last accepted an email.
	LastSuccess *time.Time `json:"last_success"`
	// LastError is the most recent delivery error of a waiting email.
	LastError string `json:"last_error,omitempty"`
	// Warning is a sentence for staff when something needs attention.
	Warning string `json:"warning"`
}

// ReadStatus summarises the outbox from the database, so it is right after a
// restart and in every process.
func ReadStatus(app core.App) (Status, error) {
	s := Status{Delivery: "file"}
	if _, ok := smtpFromSettings(app); ok {
		s.Delivery = "smtp"
	}
	db := app.DB()
	if err := db.Select("count(*)").From(schema.Emails).
		Where(dbx.HashExp{"state": schema.EmailQueued}).Row(&s.Queued); err != nil {
		return s, err
	}
	// A failed email stops counting once staff resent it.
	err := db.NewQuery(`SELECT count(*) FROM emails f WHERE f.state = {:failed} AND f.job != ''
		AND NOT EXISTS (SELECT 1 FROM emails r WHERE r.dedupe_key LIKE 'resend:' || f.id || ':%')`).
		Bind(dbx.Params{"failed": schema.EmailFailed}).Row(&s.Failed)
	if err != nil {
		return s, err
	}
	err = db.NewQuery(`SELECT count(*) FROM emails WHERE state = {:failed} AND job = '' AND created > {:since}`).
		Bind(dbx.Params{"failed": schema.EmailFailed, "since": types.NowDateTime().Add(-24 * time.Hour).String()}).
		Row(&s.FailedSummaries)
	if err != nil {
		return s, err
	}
	var last string
	if err := db.Select("coalesce(max(sent_at), '')").From(schema.Emails).
		Where(dbx.HashExp{"state": schema.EmailSent}).Row(&last); err != nil {
		return s, err
	}
	if last != "" {
		if d, err := types.ParseDateTime(last); err == nil {
			t := d.Time()
			s.LastSuccess = &t
		}
	}
	if s.Delivery == "smtp" {
		if s.Unsent, err = unsentJobs(app); err != nil {
			return s, err
		}
	}
	var retrying int
	if err := db.Select("count(*)").From(schema.Emails).
		Where(dbx.NewExp("state = {:q} AND attempts > 0", dbx.Params{"q": schema.EmailQueued})).
		Row(&retrying); err != nil {
		return s, err
	}
	if retrying > 0 {
		_ = db.Select("last_error").From(schema.Emails).
			Where(dbx.NewExp("state = {:q} AND attempts > 0", dbx.Params{"q": schema.EmailQueued})).
			OrderBy("updated DESC").Limit(1).Row(&s.LastError)
	}

	var warn []string
	if s.Delivery == "file" {
		warn = append(warn, "Email is not being delivered: no SMTP server is set up, so emails are only saved as files in "+
			filepath.Join(app.DataDir(), "mail")+" on the server. A superuser can set up SMTP in the admin UI under Settings › Mail settings.")
	}
	if s.Delivery == "smtp" {
		if lab, err := settings.Load(app); err == nil && !reachable(lab.PublicURL) {
			warn = append(warn, "Emailed links point at "+strconv.Quote(lab.PublicURL)+", which students cannot open from their own devices: "+
				"set public_url in the lab settings (admin UI › Collections › lab_settings) to the address students use.")
		}
	}
	if s.Failed > 0 {
		warn = append(warn, fmt.Sprintf("%s to students could not be delivered after every retry. Check the SMTP settings, then open the job and use Resend.", plural(s.Failed, "email")))
	}
	if n := len(s.Unsent); n > 0 {
		ids := s.Unsent
		if n > maxListed {
			ids = append(ids[:maxListed:maxListed], fmt.Sprintf("and %d more", n-maxListed))
		}
		warn = append(warn, fmt.Sprintf("%s waiting on the student (to confirm a quote or collect a print) never emailed them: the email was saved as a file before SMTP was set up. Open each and use Resend on its latest email: %s.",
			plural(n, "job"), strings.Join(ids, ", ")))
	}
	if s.FailedSummaries > 0 {
		warn = append(warn, fmt.Sprintf("Today's staff summary could not be delivered to %d of its addresses after every retry. Check the SMTP settings and summary_to in the lab settings; tomorrow's is sent as usual.",
			s.FailedSummaries))
	}
	if retrying > 0 {
		warn = append(warn, fmt.Sprintf("Email delivery is failing; %s will be retried automatically. Last error: %s", plural(retrying, "email"), s.LastError))
	}
	s.Warning = strings.Join(warn, " ")
	return s, nil
}

// maxListed is how many jobs a warning names before "and N more".
const maxListed = 5

// unsentJobs returns the short ids of the jobs waiting on their student whose
// latest email was saved as a file (SMTP was not set up then) and has not
// been resent since, oldest first. rowid orders a job's emails as queued.
func unsentJobs(app core.App) ([]string, error) {
	ids := []string{}
	err := app.DB().NewQuery(`SELECT j.short_id FROM jobs j
		JOIN emails e ON e.rowid = (SELECT max(l.rowid) FROM emails l WHERE l.job = j.id)
		WHERE j.status IN ({:pending}, {:completed}) AND e.state = {:file}
		ORDER BY j.created`).
		Bind(dbx.Params{"pending": string(schema.StatusPending), "completed": string(schema.StatusCompleted), "file": schema.EmailFile}).
		Column(&ids)
	return ids, err
}

// reachable reports whether a public URL could be opened from another
// machine: an http(s) address whose host is not this machine's loopback.
func reachable(publicURL string) bool {
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return false
	}
	ip := net.ParseIP(h)
	return ip == nil || !(ip.IsLoopback() || ip.IsUnspecified())
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
