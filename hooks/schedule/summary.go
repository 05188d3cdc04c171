package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

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

	counts := []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}{}
	err := app.DB().NewQuery(`SELECT status, count(*) AS n FROM jobs WHERE status IN
		({:u}, {:p}, {:r}, {:g}, {:c}) GROUP BY status`).Bind(dbx.Params{
		"u": string(schema.StatusUploaded), "p": string(schema.StatusPending),
		"r": string(schema.StatusReadyToPrint), "g": string(schema.StatusPrinting),
		"c": string(schema.StatusCompleted)}).All(&counts)
	if err != nil {
		return s, err
	}
	for _, c := range counts {
		switch schema.Status(c.Status) {
		case schema.StatusUploaded:
			s.Uploaded = c.N
		case schema.StatusPending:
			s.Pending = c.N
		case schema.StatusReadyToPrint:
			s.ReadyToPrint = c.N
		case schema.StatusPrinting:
			s.Printing = c.N
		case schema.StatusCompleted:
			s.Completed = c.N
		}
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
	moves := []struct {
		Type string `db:"type"`
		N    int    `db:"n"`
	}{}
	err = app.DB().NewQuery(`SELECT type, count(*) AS n FROM events
		WHERE type IN ('submit', 'approve', 'reject', 'cancel', 'complete', 'pickup')
		AND created >= {:from} AND created < {:until} GROUP BY type`).
		Bind(dbx.Params{"from": from, "until": until}).All(&moves)
	if err != nil {
		return s, err
	}
	for _, m := range moves {
		switch m.Type {
		case "submit":
			s.Submitted = m.N
		case "approve":
			s.Approved = m.N
		case "reject":
			s.Rejected = m.N
		case "cancel":
			s.Cancelled = m.N
		case "complete":
			s.Finished = m.N
		case "pickup":
			s.PickedUp = m.N
		}
	}
	return s, nil
}
