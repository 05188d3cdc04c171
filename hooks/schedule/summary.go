package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/hooks/mail"
	"printlab/hooks/settings"
	"printlab/schema"
)

// SummaryNames is how many of the requests waiting for review the summary
// names; the rest are counted.
const SummaryNames = 10

// errNoRecipient is the run's error when the summary is on with nobody to send
// it to: the health endpoint then shows it until a lab sets an address.
var errNoRecipient = errors.New("the daily summary is on, but neither summary_to nor contact_email holds an address: set one in the lab settings")

// DailySummary emails staff the desk as it stands and the lab day before
// (SPEC §8, optional: the lab's daily_summary setting), to the addresses in
// summary_to or else the lab's contact email. A day with nothing on the desk,
// nothing to look at and nothing done sends nothing; a second run on the same
// day sends nothing twice.
func DailySummary(app core.App, now time.Time) (string, error) {
	lab, err := settings.Load(app)
	if err != nil {
		return "", err
	}
	if !lab.DailySummary {
		return "off in the lab settings", nil
	}
	to := lab.SummaryTo
	if len(to) == 0 {
		to, _ = settings.Addresses(lab.ContactEmail)
	}
	if len(to) == 0 {
		return "", errNoRecipient
	}
	s, err := BuildSummary(app, lab, now)
	if err != nil {
		return "", err
	}
	if s.Quiet() {
		return "nothing on the desk and nothing done: no summary sent", nil
	}
	var n int
	err = app.RunInTransaction(func(tx core.App) error {
		var err error
		n, err = mail.QueueSummary(tx, lab, s, to, now.In(lab.Location()).Format(time.DateOnly), now)
		return err
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("summary of %s queued to %d of %d addresses (%d active jobs, %d to look at)",
		s.Day.Format(time.DateOnly), n, len(to), s.Active(), s.Attention()), nil
}

// BuildSummary reads the summary as of now: the desk now, and the activity of
// the lab day before today (in the lab's time zone).
func BuildSummary(app core.App, lab settings.Lab, now time.Time) (mail.Summary, error) {
	loc := lab.Location()
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	s := mail.Summary{Day: today.AddDate(0, 0, -1)}
	from, until := ts(s.Day), ts(today)

	byStatus := map[string]*int{
		string(schema.StatusUploaded): &s.Uploaded, string(schema.StatusPending): &s.Pending,
		string(schema.StatusReadyToPrint): &s.ReadyToPrint, string(schema.StatusPrinting): &s.Printing,
		string(schema.StatusCompleted): &s.Completed,
	}
	if err := countInto(app, `SELECT status, count(*) FROM jobs GROUP BY status`, nil, byStatus); err != nil {
		return s, err
	}

	dayAgo := dbx.Params{"u": string(schema.StatusUploaded), "cut": ts(now.Add(-24 * time.Hour))}
	if err := app.DB().NewQuery(`SELECT count(*) FROM jobs WHERE status = {:u} AND created < {:cut}`).
		Bind(dayAgo).Row(&s.WaitingCount); err != nil {
		return s, err
	}
	waiting, err := app.FindRecordsByFilter(schema.Jobs, "status = {:u} && created < {:cut}", "created", SummaryNames, 0, dayAgo)
	if err != nil {
		return s, err
	}
	for _, j := range waiting {
		s.Waiting = append(s.Waiting, mail.SummaryJob{
			ShortID: j.GetString("short_id"),
			Student: strings.TrimSpace(j.GetString("first_name") + " " + j.GetString("last_name")),
			Since:   j.GetDateTime("created").Time(),
		})
	}

	for _, q := range []struct {
		n     *int
		query string
	}{
		{&s.Expired, `SELECT count(*) FROM jobs WHERE status = {:p} AND confirm_expired = TRUE`},
		{&s.Uncollected, `SELECT count(*) FROM jobs WHERE status = {:c} AND uncollected = TRUE`},
		{&s.FailedEmails, `SELECT count(*) FROM emails WHERE state = {:failed}`},
		{&s.Payments, `SELECT count(*) FROM payments WHERE created >= {:from} AND created < {:until} AND voided = FALSE`},
		{&s.CollectedCents, `SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE created >= {:from} AND created < {:until} AND voided = FALSE`},
	} {
		err := app.DB().NewQuery(q.query).Bind(dbx.Params{
			"p": string(schema.StatusPending), "c": string(schema.StatusCompleted), "failed": schema.EmailFailed,
			"from": from, "until": until}).Row(q.n)
		if err != nil {
			return s, err
		}
	}

	// The day's moves by their events (an undone move still counts: it was
	// done, and the timeline shows the undo).
	byType := map[string]*int{
		"submit": &s.Submitted, string(jobs.ActionApprove): &s.Approved, string(jobs.ActionReject): &s.Rejected,
		string(jobs.ActionCancel): &s.Cancelled, string(jobs.ActionComplete): &s.Finished, string(jobs.ActionPickup): &s.PickedUp,
	}
	err = countInto(app, `SELECT type, count(*) FROM events WHERE created >= {:from} AND created < {:until} GROUP BY type`,
		dbx.Params{"from": from, "until": until}, byType)
	if err != nil {
		return s, err
	}
	return s, nil
}

// countInto runs a query of (key, count) rows and stores each count in the
// field its key points to; other keys are skipped.
func countInto(app core.App, query string, params dbx.Params, into map[string]*int) error {
	rows, err := app.DB().NewQuery(query).Bind(params).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return err
		}
		if p := into[key]; p != nil {
			*p = n
		}
	}
	return rows.Err()
}
