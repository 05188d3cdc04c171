package mail

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/settings"
	"printlab/hooks/stmts"
	"printlab/schema"
)

// KindStaffSummary is the daily summary for staff (SPEC §8). Unlike the
// student emails it belongs to no job: its row is queued with its bodies
// already written, which the worker sends as they are.
const KindStaffSummary Kind = "staff_summary"

// Summary is what the daily staff summary reports: the desk as it stands and
// the lab day before.
type Summary struct {
	Day time.Time // the lab day the activity figures cover (its start)

	// The active jobs by status.
	Uploaded, Pending, ReadyToPrint, Printing, Completed int

	// Needs attention.
	Waiting      []SummaryJob // new requests unreviewed for over a day, oldest first
	WaitingCount int          // all of them (Waiting holds at most the first few)
	Expired      int          // awaiting the student with the confirmation link expired
	Uncollected  int          // finished prints flagged uncollected
	FailedEmails int          // emails that failed after every retry

	// The day's activity.
	Submitted, Approved, Rejected, Cancelled, Finished, PickedUp int
	Payments, CollectedCents                                     int
}

// SummaryJob is one job the summary names.
type SummaryJob struct {
	ShortID string
	Student string
	Since   time.Time
}

// Active is how many jobs are on the desk.
func (s Summary) Active() int {
	return s.Uploaded + s.Pending + s.ReadyToPrint + s.Printing + s.Completed
}

// Attention is how many things the summary asks staff to look at.
func (s Summary) Attention() int {
	return s.WaitingCount + s.Expired + s.Uncollected + s.FailedEmails
}

// Quiet reports a summary with nothing to say: no job on the desk, nothing
// needing attention and no activity the day before.
func (s Summary) Quiet() bool {
	return s.Active() == 0 && s.Attention() == 0 && s.Submitted+s.Approved+s.Rejected+s.Cancelled+
		s.Finished+s.PickedUp+s.Payments == 0
}

// summaryView is what the summary's templates see.
type summaryView struct {
	Lab     settings.Lab
	S       Summary
	Subject string
	DeskURL string
	loc     *time.Location
	now     time.Time
}

// Day formats t as a date in the lab's time zone.
func (v summaryView) Day(t time.Time) string { return t.In(v.loc).Format("Monday, January 2") }

// Age says how long ago t was, in whole days (or hours under two days).
func (v summaryView) Age(t time.Time) string {
	d := v.now.Sub(t)
	if h := int(d.Hours()); h < 48 {
		return fmt.Sprintf("%d hours", h)
	}
	return formatDays(int(d.Hours() / 24))
}

var summaryTemplates = struct {
	html *htmltemplate.Template
	text *texttemplate.Template
}{
	html: htmltemplate.Must(htmltemplate.New("staff_summary.html").Funcs(htmltemplate.FuncMap(funcs)).
		ParseFS(templateFS, "templates/staff_summary.html")),
	text: texttemplate.Must(texttemplate.New("staff_summary.txt").Funcs(funcs).
		ParseFS(templateFS, "templates/staff_summary.txt")),
}

// RenderSummary writes the summary's subject and bodies as of now.
func RenderSummary(lab settings.Lab, s Summary, now time.Time) (subject, html, text string, err error) {
	v := summaryView{Lab: lab, S: s, DeskURL: absoluteURL(lab.PublicURL, "/desk/"), loc: lab.Location(), now: now}
	subject = "Desk summary for " + v.Day(s.Day)
	if n := s.Attention(); n > 0 {
		subject += fmt.Sprintf(" (%d to look at)", n)
	}
	v.Subject = cleanHeader(lab.LabName + ": " + subject)
	var b bytes.Buffer
	if err := summaryTemplates.html.Execute(&b, v); err != nil {
		return "", "", "", fmt.Errorf("mail: summary HTML: %w", err)
	}
	html = b.String()
	b.Reset()
	if err := summaryTemplates.text.Execute(&b, v); err != nil {
		return "", "", "", fmt.Errorf("mail: summary text: %w", err)
	}
	return v.Subject, html, tidyText(b.String()), nil
}

// QueueSummary queues one summary email per recipient in txApp, with the
// bodies written. dayKey names the day (e.g. "2026-11-27"): a recipient who
// already has that day's summary queued or sent is skipped, so a second run
// on the same day sends nothing twice. It returns how many rows it queued.
func QueueSummary(txApp core.App, lab settings.Lab, s Summary, recipients []string, dayKey string, now time.Time) (int, error) {
	if len(recipients) == 0 {
		return 0, errors.New("mail: the summary has no recipient")
	}
	subject, html, text, err := RenderSummary(lab, s, now)
	if err != nil {
		return 0, err
	}
	col, err := txApp.FindCachedCollectionByNameOrId(schema.Emails)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, to := range recipients {
		addr, err := cleanRecipient(to)
		if err != nil {
			return queued, err
		}
		key := "staff_summary:" + dayKey + ":" + addr
		rows, err := stmts.Query(txApp, `SELECT 1 FROM emails WHERE dedupe_key = ? LIMIT 1`, key)
		if err != nil {
			return queued, err
		}
		dup := rows.Next()
		rows.Close()
		if dup {
			continue
		}
		rec := queuedRow(col, lab, KindStaffSummary, addr, subject, key)
		rec.Set("html", html)
		rec.Set("text", text)
		if err := txApp.Save(rec); err != nil {
			return queued, fmt.Errorf("mail: queueing the summary to %s: %w", addr, err)
		}
		queued++
	}
	return queued, nil
}
