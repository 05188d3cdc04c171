package mail_test

import (
	"github.com/pocketbase/pocketbase/core"
	"printlab/hooks/mail"

	"strings"
	"testing"

	"printlab/schema"
)

func TestMoney(t *testing.T) {
	for cents, want := range map[int]string{0: "$0.00", 5: "$0.05", 300: "$3.00", 1234: "$12.34",
		123456: "$1,234.56", 100000000: "$1,000,000.00", -250: "-$2.50"} {
		if got := mail.Money(cents); got != want {
			t.Errorf("Money(%d) = %q, want %q", cents, got, want)
		}
	}
}

func TestHoursRoundUpToHalf(t *testing.T) {
	for h, want := range map[float64]string{0.2: "0.5 hours", 1: "1 hour", 1.01: "1.5 hours", 3.5: "3.5 hours", 3.51: "4 hours"} {
		if got := mail.FormatHours(h); got != want {
			t.Errorf("formatHours(%v) = %q, want %q", h, got, want)
		}
	}
}

// Every kind renders both parts with the student's links and the lab's
// details, and what a student typed cannot inject markup or headers.
func TestEveryKindRenders(t *testing.T) {
	app, fx, lab := newApp(t)
	job := newJob(t, app, fx, map[string]any{
		"first_name":   "<script>alert(1)</script>Jane",
		"display_name": "Evil\r\nBcc: victim@example.com",
	})
	for _, kind := range mail.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			rec := enqueue(t, app, lab, message(job, kind, "render:"+string(kind)))
			subjectAtEnqueue := rec.GetString("subject")
			if err := mail.Render(app, rec); err != nil {
				t.Fatal(err)
			}
			if rec.GetString("subject") != subjectAtEnqueue {
				t.Errorf("the desk listed %q but the email says %q", subjectAtEnqueue, rec.GetString("subject"))
			}
			subject, html, text := rec.GetString("subject"), rec.GetString("html"), rec.GetString("text")
			if strings.ContainsAny(subject, "\r\n") || !strings.HasPrefix(subject, lab.LabName+": ") {
				t.Errorf("subject %q", subject)
			}
			if !strings.Contains(subject, job.GetString("short_id")) {
				t.Errorf("subject %q lacks the short id", subject)
			}
			if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
				t.Error("the student's name is not escaped in the HTML part")
			}
			status := publicURL + statusPath(job)
			if !strings.Contains(text, status) || !strings.Contains(html, strings.ReplaceAll(status, "&", "&amp;")) {
				t.Errorf("the status link %s is missing from a part", status)
			}
			for _, want := range []string{lab.LabName, lab.ContactEmail} {
				if !strings.Contains(text, want) || !strings.Contains(html, want) {
					t.Errorf("%q missing", want)
				}
			}
			if strings.Contains(html, "<img") || strings.Contains(html, "<link") {
				t.Error("the HTML part loads remote content")
			}
			if strings.Contains(text, "<") && !strings.Contains(text, "<script>") {
				t.Errorf("the text part has markup:\n%s", text)
			}
			if rec.GetString("state") != schema.EmailQueued || rec.GetInt("attempts") != 0 {
				t.Errorf("state %q attempts %d", rec.GetString("state"), rec.GetInt("attempts"))
			}
			if want := "<" + rec.Id + ".printlab@print.lab.example.edu>"; rec.GetString("message_id") != want {
				t.Errorf("message id %q, want %q", rec.GetString("message_id"), want)
			}
		})
	}
}

// The content that matters to the student is in each email.
func TestKindContent(t *testing.T) {
	app, fx, lab := newApp(t)
	job := newJob(t, app, fx, nil)
	cases := map[mail.Kind][]string{
		mail.KindConfirm:         {"$12.34", "110 g", "3.5 hours", publicURL + confirmPath(job), "Friday, March 6, 2026 at 4:30 PM CST", "minimum charge of $3.00", "weight of your finished print"},
		mail.KindConfirmReminder: {"$12.34", publicURL + confirmPath(job), "Friday, March 6, 2026"},
		mail.KindRejected:        {"walls too thin", "not manifold / has holes", "Please thicken the base.", publicURL + "/"},
		mail.KindCancelled:       {"As you asked", "changed my mind"},
		mail.KindReady:           {lab.PickupLocation, lab.PickupHours, lab.PaymentMethods, "$12.34", "30 days"},
		mail.KindPickupReminder:  {"7 days", "23 days", "$12.34"},
		mail.KindReceipt:         {"$13.99", "126 g", "TC-99812", "Jane Doe"},
	}
	for kind, wants := range cases {
		rec := enqueue(t, app, lab, message(job, kind, "content:"+string(kind)))
		if err := mail.Render(app, rec); err != nil {
			t.Fatal(err)
		}
		for _, want := range wants {
			if !strings.Contains(rec.GetString("text"), want) {
				t.Errorf("%s text lacks %q:\n%s", kind, want, rec.GetString("text"))
			}
			if !strings.Contains(rec.GetString("html"), want) {
				t.Errorf("%s HTML lacks %q", kind, want)
			}
		}
	}
}

func TestEnqueueDedupesAndValidates(t *testing.T) {
	app, fx, lab := newApp(t)
	job := newJob(t, app, fx, nil)
	a := enqueue(t, app, lab, message(job, mail.KindReceived, "received:"+job.Id))
	b := enqueue(t, app, lab, message(job, mail.KindReceived, "received:"+job.Id))
	if a.Id != b.Id {
		t.Fatal("a duplicate dedupe key queued a second email")
	}
	n, _ := app.CountRecords(schema.Emails)
	if n != 1 {
		t.Fatalf("%d rows", n)
	}

	bad := []mail.Message{
		{Job: job, Kind: "nonsense", DedupeKey: "x1", Data: mail.Data{StatusURL: "/s"}},
		{Job: job, Kind: mail.KindReceived, DedupeKey: "x2"},                                  // no status link
		{Job: job, Kind: mail.KindConfirm, DedupeKey: "x3", Data: mail.Data{StatusURL: "/s"}}, // no confirm link
		{Job: job, Kind: mail.KindReceived, DedupeKey: "", Data: mail.Data{StatusURL: "/s"}},  // no key
		{Job: job, Kind: mail.KindReceived, DedupeKey: "x4", To: "a@b.c\r\nBcc: x@y.z", Data: mail.Data{StatusURL: "/s"}},
	}
	for i, m := range bad {
		err := app.RunInTransaction(func(tx core.App) error {
			_, err := mail.Enqueue(tx, lab, m)
			return err
		})
		if err == nil {
			t.Errorf("case %d: queued a message that cannot be sent", i)
		}
	}
	if n, _ := app.CountRecords(schema.Emails); n != 1 {
		t.Fatalf("a refused message left a row: %d rows", n)
	}
}
