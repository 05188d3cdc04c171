package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/mail"
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
