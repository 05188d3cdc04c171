package jobs_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"printlab/hooks/jobs"
	"printlab/schema"
)

func TestQuote(t *testing.T) {
	pla := jobs.Rates{CentsPerGram: 10, MinChargeCents: 300}
	cases := []struct {
		name         string
		grams, hours float64
		rates        jobs.Rates
		cents        int
		outHours     float64
		minimum      bool
	}{
		{"exact half cent rounds up", 12.35, 1, pla, 300, 1, true}, // 123.5 → 124 < 300: minimum
		{"half cent above minimum", 123.45, 1, pla, 1235, 1, false},
		{"just below half", 123.449, 1, pla, 1234, 1, false},
		{"float-unfriendly 0.1 steps", 100.1, 0, pla, 1001, 0, false},
		{"minimum charge", 5, 0.2, pla, 300, 0.5, true},
		{"resin rate", 40.05, 2, jobs.Rates{CentsPerGram: 20, MinChargeCents: 300}, 801, 2, false},
		{"hours up to the half hour", 60, 2.01, pla, 600, 2.5, false},
		{"exact half hour stays", 60, 2.5, pla, 600, 2.5, false},
		{"time charged when the lab sets it", 60, 1.2, jobs.Rates{CentsPerGram: 10, MinChargeCents: 300, CentsPerHour: 150}, 600 + 225, 1.5, false},
	}
	for _, c := range cases {
		p := jobs.Quote(c.grams, c.hours, c.rates)
		if p.Cents != c.cents || p.Hours != c.outHours || p.MinimumUsed != c.minimum {
			t.Errorf("%s: %+v, want %d ¢, %v h, minimum %v", c.name, p, c.cents, c.outHours, c.minimum)
		}
	}
	if !jobs.OverQuote(1201, 1000, 20) || jobs.OverQuote(1200, 1000, 20) {
		t.Error("over-quote must warn strictly above the percentage")
	}
	if jobs.FormatCents(1235) != "$12.35" || jobs.FormatCents(5) != "$0.05" {
		t.Error("money formatting")
	}
}

func TestBadWeightsAndTimesAreRefused(t *testing.T) {
	app, fx := seeded(t)
	cases := []struct {
		name         string
		grams, hours *float64
		field, want  string
	}{
		{"zero grams", ptr(0), ptr(1), "grams", "more than 0"},
		{"negative grams", ptr(-5), ptr(1), "grams", "more than 0"},
		{"absurd grams", ptr(1e9), ptr(1), "grams", "at most 20000"},
		{"NaN grams", ptr(math.NaN()), ptr(1), "grams", "number"},
		{"negative hours", ptr(10), ptr(-1), "hours", "negative"},
		{"absurd hours", ptr(10), ptr(1e7), "hours", "at most 2000"},
		{"infinite hours", ptr(10), ptr(math.Inf(1)), "hours", "number"},
		{"missing grams", nil, ptr(1), "grams", "required"},
		{"missing hours", ptr(10), nil, "hours", "required"},
	}
	for _, c := range cases {
		job := newJob(t, app, fx, schema.StatusUploaded)
		_, err := jobs.Do(app, jobs.Request{JobID: job.Id, Action: jobs.ActionApprove, Expected: schema.StatusUploaded,
			By: staffAt(fx), Input: jobs.Input{Grams: c.grams, Hours: c.hours}})
		je, ok := jobs.AsError(err)
		if !ok || je.Status != 400 || je.Fields[c.field] == "" || !strings.Contains(je.Message, c.want) {
			t.Errorf("%s: got %v", c.name, err)
		}
		if after, _ := app.FindRecordById(schema.Jobs, job.Id); after.GetString("status") != "uploaded" {
			t.Errorf("%s: job moved", c.name)
		}
	}
}

func TestPickupWarnsAboveTheQuote(t *testing.T) {
	app, fx := seeded(t)
	job := newJob(t, app, fx, schema.StatusCompleted) // quote 500 ¢
	req := jobs.Request{JobID: job.Id, Action: jobs.ActionPickup, Expected: schema.StatusCompleted, By: staffAt(fx),
		Input: jobs.Input{Grams: ptr(61), Reference: "R-1", PickedUpBy: "Jane"}, Now: t0.Add(time.Minute)} // 610 ¢ = +22 %
	_, err := jobs.Do(app, req)
	je, ok := jobs.AsError(err)
	if !ok || je.Status != 422 || je.Code != "over_quote" || !strings.Contains(je.Message, "$6.10") || !strings.Contains(je.Message, "$5.00") {
		t.Fatalf("want the over-quote warning, got %v", err)
	}
	if n := count(t, app, schema.Payments, job.Id); n != 0 {
		t.Fatal("a payment was saved before the desk accepted the warning")
	}
	req.Input.AcceptOverQuote = true
	got, err := jobs.Do(app, req)
	if err != nil || got.GetInt("final_cents") != 610 {
		t.Fatalf("accepted pickup: %v", err)
	}
}
