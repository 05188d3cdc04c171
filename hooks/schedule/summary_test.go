package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"printlab/hooks/mail"
	"printlab/hooks/schedule"
	"printlab/hooks/settings"
	"printlab/schema"
)

// summaryNow is 7:30 on Friday, November 27 2026 in Chicago: the summary
// covers Thursday, November 26, lab time.
var summaryNow = time.Date(2026, 11, 27, 13, 30, 0, 0, time.UTC)

func summaryRows(t *testing.T, app core.App) []*core.Record {
	t.Helper()
	rows, err := app.FindAllRecords(schema.Emails, dbx.HashExp{"kind": string(mail.KindStaffSummary)})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// setCreated backdates a record's created time, as if it had been made then.
func setCreated(t *testing.T, app core.App, table, id string, at time.Time) {
	t.Helper()
	d, _ := types.ParseDateTime(at.UTC())
	if _, err := app.DB().Update(table, dbx.Params{"created": d.String()}, dbx.HashExp{"id": id}).Execute(); err != nil {
		t.Fatal(err)
	}
}

func event(t *testing.T, app core.App, job *core.Record, typ string, at time.Time) {
	t.Helper()
	col, _ := app.FindCollectionByNameOrId(schema.Events)
	e := core.NewRecord(col)
	e.Set("job", job.Id)
	e.Set("type", typ)
	e.Set("actor", "staff")
	if err := app.Save(e); err != nil {
		t.Fatal(err)
	}
	setCreated(t, app, schema.Events, e.Id, at)
}

func payment(t *testing.T, app core.App, job *core.Record, cents int, voided bool, at time.Time) {
	t.Helper()
	col, _ := app.FindCollectionByNameOrId(schema.Payments)
	p := core.NewRecord(col)
	p.Set("job", job.Id)
	p.Set("amount_cents", cents)
	p.Set("grams", 12)
	p.Set("voided", voided)
	if err := app.SaveNoValidate(p); err != nil {
		t.Fatal(err)
	}
	setCreated(t, app, schema.Payments, p.Id, at)
}

func TestDailySummaryIsOffUntilTheLabTurnsItOn(t *testing.T) {
	app, fx := newApp(t)
	newJob(t, app, fx, nil)
	msg, err := schedule.DailySummary(app, summaryNow)
	if err != nil || !strings.Contains(msg, "off") {
		t.Fatalf("run: %q, %v", msg, err)
	}
	if rows := summaryRows(t, app); len(rows) != 0 {
		t.Fatalf("%d summaries queued while the setting is off", len(rows))
	}
}

func TestDailySummaryReportsTheDeskAndYesterday(t *testing.T) {
	app, fx := newApp(t)
	setLab(t, app, map[string]any{"daily_summary": true, "timezone": "America/Chicago",
		"summary_to": "desk@lab.example.edu; Head@Lab.example.edu, desk@lab.example.edu"})

	// The desk: two new requests (one waiting since Monday, its student's
	// name holding markup), one quote whose link expired, one print
	// uncollected, one printing.
	old := newJob(t, app, fx, map[string]any{"first_name": "<b>Bob</b>", "last_name": "O'Neil"})
	setCreated(t, app, schema.Jobs, old.Id, summaryNow.Add(-4*24*time.Hour))
	newJob(t, app, fx, nil)
	newJob(t, app, fx, map[string]any{"status": string(schema.StatusPending), "confirm_expired": true})
	done := newJob(t, app, fx, map[string]any{"status": string(schema.StatusCompleted), "uncollected": true})
	newJob(t, app, fx, map[string]any{"status": string(schema.StatusPrinting)})
	gone := newJob(t, app, fx, map[string]any{"status": string(schema.StatusPickedUp)})

	chicago, _ := time.LoadLocation("America/Chicago")
	thursday := time.Date(2026, 11, 26, 10, 0, 0, 0, chicago)
	for _, typ := range []string{"submit", "submit", "approve", "complete", "pickup", "note"} {
		event(t, app, old, typ, thursday)
	}
	event(t, app, old, "approve", time.Date(2026, 11, 25, 23, 59, 0, 0, chicago)) // Wednesday
	event(t, app, old, "approve", time.Date(2026, 11, 27, 0, 1, 0, 0, chicago))   // today
	payment(t, app, gone, 1250, false, thursday)
	payment(t, app, done, 500, true, thursday)                                     // voided
	payment(t, app, old, 999, false, time.Date(2026, 11, 27, 1, 0, 0, 0, chicago)) // today

	col, _ := app.FindCollectionByNameOrId(schema.Emails)
	failed := core.NewRecord(col)
	failed.Load(map[string]any{"job": old.Id, "kind": "ready", "recipient": "x@example.edu",
		"state": schema.EmailFailed, "dedupe_key": "failed-one"})
	if err := app.SaveNoValidate(failed); err != nil {
		t.Fatal(err)
	}

	msg, err := schedule.DailySummary(app, summaryNow)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "2 of 2 addresses") {
		t.Errorf("run message %q", msg)
	}
	rows := summaryRows(t, app)
	if len(rows) != 2 {
		t.Fatalf("%d summaries queued, want one per address", len(rows))
	}
	to := []string{rows[0].GetString("recipient"), rows[1].GetString("recipient")}
	if !(to[0] == "desk@lab.example.edu" && to[1] == "Head@Lab.example.edu" || to[1] == "desk@lab.example.edu" && to[0] == "Head@Lab.example.edu") {
		t.Errorf("recipients %v", to)
	}
	r := rows[0]
	if r.GetString("job") != "" || r.GetString("state") != schema.EmailQueued {
		t.Errorf("row job %q state %q", r.GetString("job"), r.GetString("state"))
	}
	subject := r.GetString("subject")
	if !strings.Contains(subject, "Desk summary for Thursday, November 26") || !strings.Contains(subject, "(4 to look at)") {
		t.Errorf("subject %q", subject)
	}
	text := r.GetString("text")
	for _, want := range []string{
		"ON THE DESK: 5 jobs",
		"New, to review:                      2",
		"Waiting for the student to confirm:  1",
		"Printing:                            1",
		"Waiting for pickup:                  1",
		"- 1 new request has waited over a day for review:",
		old.GetString("short_id") + "  <b>Bob</b> O'Neil  (4 days)",
		"- 1 quote's confirmation link has expired",
		"- 1 finished print is uncollected",
		"- 1 email could not be delivered",
		"THURSDAY, NOVEMBER 26",
		"New requests:     2",
		"Approved:         1",
		"Prints finished:  1",
		"Picked up:        1",
		"Collected:        $12.50 (1 payment)",
		"Open the dashboard: " + publicURL + "/desk/",
		"Times are in America/Chicago.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	html := r.GetString("html")
	if strings.Contains(html, "<b>Bob") || !strings.Contains(html, "&lt;b&gt;Bob&lt;/b&gt; O&#39;Neil") {
		t.Errorf("the student's name is not escaped in the HTML part")
	}
	if !strings.Contains(html, `href="`+publicURL+`/desk/"`) {
		t.Errorf("HTML lacks the dashboard link")
	}

	// A second run the same day (a restart, a manual run) sends nothing twice.
	if msg, err := schedule.DailySummary(app, summaryNow.Add(time.Hour)); err != nil || !strings.Contains(msg, "0 of 2") {
		t.Errorf("second run: %q, %v", msg, err)
	}
	if n := len(summaryRows(t, app)); n != 2 {
		t.Errorf("%d summaries after a second run the same day", n)
	}
	// The next morning is a new summary.
	if _, err := schedule.DailySummary(app, summaryNow.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(summaryRows(t, app)); n != 4 {
		t.Errorf("%d summaries after the next morning's run, want 4", n)
	}
}

func TestDailySummaryNamesTheOldestTenAndCountsTheRest(t *testing.T) {
	app, fx := newApp(t)
	setLab(t, app, map[string]any{"daily_summary": true, "contact_email": "lab@example.edu"})
	var oldest string
	for i := range 13 {
		j := newJob(t, app, fx, nil)
		setCreated(t, app, schema.Jobs, j.Id, summaryNow.Add(-time.Duration(30+i)*time.Hour))
		if i == 12 {
			oldest = j.GetString("short_id")
		}
	}
	if _, err := schedule.DailySummary(app, summaryNow); err != nil {
		t.Fatal(err)
	}
	rows := summaryRows(t, app)
	if len(rows) != 1 || rows[0].GetString("recipient") != "lab@example.edu" {
		t.Fatalf("rows %v: without summary_to the contact email gets it", rows)
	}
	text := rows[0].GetString("text")
	if !strings.Contains(text, "13 new requests have waited") || !strings.Contains(text, "and 3 more") {
		t.Errorf("text:\n%s", text)
	}
	if i := strings.Index(text, oldest); i < 0 || i > strings.Index(text, "and 3 more") {
		t.Errorf("the oldest request %s is not named first:\n%s", oldest, text)
	}
	if !strings.Contains(text, "(42 hours)") {
		t.Errorf("the oldest has waited 42 hours:\n%s", text)
	}
}

func TestDailySummaryWithNobodyToSendToFailsInWords(t *testing.T) {
	app, _ := newApp(t)
	setLab(t, app, map[string]any{"daily_summary": true, "contact_email": "", "summary_to": ""})
	_, err := schedule.DailySummary(app, summaryNow)
	if err == nil || !strings.Contains(err.Error(), "summary_to") {
		t.Fatalf("err %v", err)
	}
}

func TestDailySummaryOfAQuietDeskSendsNothing(t *testing.T) {
	app, _ := newApp(t)
	setLab(t, app, map[string]any{"daily_summary": true, "summary_to": "desk@lab.example.edu"})
	msg, err := schedule.DailySummary(app, summaryNow)
	if err != nil || !strings.Contains(msg, "nothing") {
		t.Fatalf("run: %q, %v", msg, err)
	}
	if n := len(summaryRows(t, app)); n != 0 {
		t.Errorf("%d summaries for an empty desk", n)
	}
}

func TestSummaryRecipientsAreCheckedWhenSaved(t *testing.T) {
	app, _ := newApp(t)
	for _, bad := range []string{"desk@lab.example.edu, not-an-address", "a@b.c\r\nBcc: x@y.z", "<x@y.z>"} {
		rec, _ := settings.Record(app)
		rec.Set("summary_to", bad)
		err := app.Save(rec)
		if err == nil || !strings.Contains(err.Error(), "summary_to") {
			t.Errorf("%q saved: %v", bad, err)
		}
	}
	rec, _ := settings.Record(app)
	rec.Set("summary_to", " desk@lab.example.edu ,head@lab.example.edu ")
	if err := app.Save(rec); err != nil {
		t.Errorf("a good list refused: %v", err)
	}
}
