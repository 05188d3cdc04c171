package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/mail"
	"printlab/hooks/settings"
	"printlab/schema"
)

// The staff summary belongs to no job: its row carries its bodies, and the
// worker delivers it over real SMTP like any other email.
func TestStaffSummaryArrives(t *testing.T) {
	mp := startMailpit(t)
	app, _, lab := newApp(t)
	useSMTP(app, mp.smtpPort)
	now := time.Date(2026, 11, 27, 13, 30, 0, 0, time.UTC)
	s := mail.Summary{
		Day:      time.Date(2026, 11, 26, 0, 0, 0, 0, lab.Location()),
		Uploaded: 3, Printing: 1, WaitingCount: 1, Submitted: 4, Payments: 2, CollectedCents: 2575,
		Waiting: []mail.SummaryJob{{ShortID: "7F3K2Q", Student: `Eve <script>alert(1)</script>`, Since: now.Add(-72 * time.Hour)}},
	}
	var queued int
	err := app.RunInTransaction(func(tx core.App) error {
		var err error
		queued, err = mail.QueueSummary(tx, lab, s, []string{"desk@lab.example.edu", "head@lab.example.edu"}, "2026-11-27", now)
		return err
	})
	if err != nil || queued != 2 {
		t.Fatalf("queued %d: %v", queued, err)
	}
	res, err := mail.NewWorker(app, mail.Options{}).Drain(context.Background(), time.Now())
	if err != nil || res.Sent != 2 {
		t.Fatalf("drain: %+v, %v", res, err)
	}
	list := mp.list()
	if len(list) != 2 {
		t.Fatalf("%d messages arrived", len(list))
	}
	got := map[string]bool{}
	for _, sum := range list {
		m := mp.message(sum.ID)
		got[m.To[0].Address] = true
		if m.Subject != lab.LabName+": Desk summary for Thursday, November 26 (1 to look at)" {
			t.Errorf("subject %q", m.Subject)
		}
		if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "Eve &lt;script&gt;") {
			t.Errorf("the student's name reached the HTML unescaped")
		}
		for _, want := range []string{"7F3K2Q", "(3 days)", "Collected:        $25.75 (2 payments)", publicURL + "/desk/"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, m.Text)
			}
		}
	}
	if !got["desk@lab.example.edu"] || !got["head@lab.example.edu"] {
		t.Errorf("recipients %v", got)
	}
	rows, _ := app.FindAllRecords(schema.Emails, dbx.HashExp{"kind": string(mail.KindStaffSummary)})
	for _, r := range rows {
		if r.GetString("state") != schema.EmailSent {
			t.Errorf("row to %s is %s", r.GetString("recipient"), r.GetString("state"))
		}
	}
}

// A summary that fails for good is warned of as the staff summary (it has no
// job to open and resend from), beside the students' emails, and only for a day.
func TestFailedStaffSummaryWarning(t *testing.T) {
	app, fx, lab := newApp(t)
	useSMTP(app, freePort(t)) // nothing listens here
	now := time.Now()
	err := app.RunInTransaction(func(tx core.App) error {
		_, err := mail.QueueSummary(tx, lab, mail.Summary{Uploaded: 1}, []string{"desk@lab.example.edu"}, "2026-11-27", now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	job := newJob(t, app, fx, nil)
	enqueue(t, app, lab, message(job, mail.KindReady, "ready:"+job.Id))
	now = time.Now() // both rows are due
	w := mail.NewWorker(app, mail.Options{Backoff: []time.Duration{time.Minute, time.Minute}, AttemptTimeout: time.Second})
	for i := range 3 {
		w.Drain(context.Background(), now.Add(time.Duration(i)*3*time.Minute))
	}
	st, err := mail.ReadStatus(app)
	if err != nil || st.Failed != 1 || st.FailedSummaries != 1 {
		t.Fatalf("status: %+v %v", st, err)
	}
	for _, want := range []string{"1 email to students could not be delivered", "open the job and use Resend",
		"Today's staff summary could not be delivered to 1 of its addresses"} {
		if !strings.Contains(st.Warning, want) {
			t.Errorf("warning lacks %q: %s", want, st.Warning)
		}
	}

	// A day on, the failed summary no longer warns; the student's email still does.
	if _, err := app.DB().NewQuery("UPDATE emails SET created = {:t} WHERE job = ''").
		Bind(dbx.Params{"t": now.Add(-25 * time.Hour).UTC().Format("2006-01-02 15:04:05.000Z")}).Execute(); err != nil {
		t.Fatal(err)
	}
	st, _ = mail.ReadStatus(app)
	if st.FailedSummaries != 0 || strings.Contains(st.Warning, "staff summary") || st.Failed != 1 {
		t.Errorf("a day later: %+v", st)
	}
}

func TestStaffSummaryRefusesABadRecipient(t *testing.T) {
	app, _, lab := newApp(t)
	err := app.RunInTransaction(func(tx core.App) error {
		_, err := mail.QueueSummary(tx, lab, mail.Summary{Uploaded: 1}, []string{"desk@lab.example.edu\r\nBcc: all@x.y"}, "2026-11-27", time.Now())
		return err
	})
	if err == nil {
		t.Fatal("a recipient with a header in it was queued")
	}
	if n, _ := app.CountRecords(schema.Emails); n != 0 {
		t.Errorf("%d rows left behind", n)
	}
}

// With SMTP on, a public URL students cannot reach (the fresh install's
// loopback default) is a dashboard warning: every emailed link would be dead.
func TestUnreachablePublicURLIsWarnedOf(t *testing.T) {
	app, _, _ := newApp(t)
	setURL := func(u string) {
		rec, err := settings.Record(app)
		if err != nil {
			t.Fatal(err)
		}
		rec.Set("public_url", u)
		// Not every value passes the field's own check; the warning must hold anyway.
		if err := app.SaveNoValidate(rec); err != nil {
			t.Fatal(err)
		}
	}
	warned := func() bool {
		st, err := mail.ReadStatus(app)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(st.Warning, "students cannot open")
	}
	setURL("http://127.0.0.1:8090")
	if warned() {
		t.Error("warned while email is only written to files (nothing reaches a student)")
	}
	useSMTP(app, freePort(t))
	for u, want := range map[string]bool{
		"http://127.0.0.1:8090":          true,
		"http://localhost:8090":          true,
		"http://[::1]:8090":              true,
		"http://0.0.0.0":                 true,
		"":                               true,
		"https://print.lab.example.edu":  false,
		"http://10.1.2.3:8090":           false,
		"https://makerspace.example.edu": false,
	} {
		setURL(u)
		if got := warned(); got != want {
			t.Errorf("public_url %q: warned %v, want %v", u, got, want)
		}
	}
}
