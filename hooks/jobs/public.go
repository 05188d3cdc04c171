package jobs

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/schema"
)

// The student sees their job through these views only: public fields, no staff
// names, notes, workstations or other students (SPEC §5).

// TimelineEntry is one step of the student's timeline in plain words.
type TimelineEntry struct {
	Type  string    `json:"type"`
	Text  string    `json:"text"`
	At    time.Time `json:"at"`
	Extra []string  `json:"extra,omitempty"` // rejection reasons and note
}

var timelineText = map[string]string{
	"submit":   "We received your request.",
	"approve":  "Staff reviewed your model and sent you a quote to confirm.",
	"requote":  "We sent you a new confirmation link.",
	"reject":   "Your request was not approved.",
	"confirm":  "The quote was confirmed; your job is in the print queue.",
	"cancel":   "The request was cancelled.",
	"start":    "Printing started.",
	"fail":     "A print attempt failed; your job is back in the queue to print again, at no extra cost.",
	"complete": "Your print is ready for pickup.",
	"pickup":   "Paid and picked up. Thank you!",
	"undo":     "A step was corrected by staff.",
	"override": "Your request's status was updated by staff.",
	"archive":  "The request was archived.",
}

// PublicView is what the student's status page shows.
func PublicView(app core.App, job *core.Record, now time.Time) (map[string]any, error) {
	lab, err := loadLab(app)
	if err != nil {
		return nil, err
	}
	q, err := QuoteView(app, job)
	if err != nil {
		return nil, err
	}
	status := schema.Status(job.GetString("status"))
	q["can_cancel"] = CanCancel(status)
	q["created"] = job.GetDateTime("created").Time()
	q["confirmed_at"] = timeOrNil(job, "confirmed_at")
	q["completed_at"] = timeOrNil(job, "completed_at")
	q["picked_up_at"] = timeOrNil(job, "picked_up_at")
	q["final_cents"] = job.GetInt("final_cents")
	q["has_thumbnail"] = job.GetString("thumbnail") != ""
	if status == schema.StatusCompleted {
		q["pickup"] = map[string]any{"location": lab.PickupLocation, "hours": lab.PickupHours,
			"payment_methods": lab.PaymentMethods, "keep_days": lab.PickupKeepDays}
	}

	rows, err := app.FindRecordsByFilter(schema.Events, "job = {:job}", "created", 200, 0, dbx.Params{"job": job.Id})
	if err != nil {
		return nil, err
	}
	timeline := []TimelineEntry{}
	for _, ev := range rows {
		text, ok := timelineText[ev.GetString("type")]
		if !ok {
			continue // staff-only events (notes, reviews, claims, link opens)
		}
		t := TimelineEntry{Type: ev.GetString("type"), Text: text, At: ev.GetDateTime("created").Time()}
		if t.Type == "reject" {
			var d struct {
				Reasons []string `json:"reasons"`
				Note    string   `json:"note"`
			}
			_ = ev.UnmarshalJSONField("details", &d)
			t.Extra = append(d.Reasons, d.Note)
			if d.Note == "" {
				t.Extra = d.Reasons
			}
		}
		timeline = append(timeline, t)
	}
	q["timeline"] = timeline
	return q, nil
}

// QuoteView is the job as the confirm page shows it.
func QuoteView(app core.App, job *core.Record) (map[string]any, error) {
	lab, err := loadLab(app)
	if err != nil {
		return nil, err
	}
	status := schema.Status(job.GetString("status"))
	out := map[string]any{
		"id":               job.Id,
		"short_id":         job.GetString("short_id"),
		"status":           string(status),
		"status_label":     status.Label(),
		"first_name":       job.GetString("first_name"),
		"display_name":     job.GetString("display_name"),
		"method":           job.GetString("method"),
		"color":            job.GetString("color"),
		"material":         nameOf(app, schema.Materials, job.GetString("material")),
		"printer":          nameOf(app, schema.Printers, job.GetString("printer")),
		"quote_cents":      job.GetInt("quote_cents"),
		"grams":            job.GetFloat("grams"),
		"hours":            job.GetFloat("hours"),
		"confirm_expires":  timeOrNil(job, "confirm_expires"),
		"min_charge_cents": lab.MinChargeCents,
		"requote_percent":  lab.RequotePercent,
		"lab_name":         lab.LabName,
	}
	return out, nil
}

func timeOrNil(r *core.Record, field string) any {
	t := r.GetDateTime(field).Time()
	if t.IsZero() {
		return nil
	}
	return t
}

func nameOf(app core.App, col, id string) string {
	if id == "" {
		return ""
	}
	r, err := app.FindRecordById(col, id)
	if err != nil {
		return ""
	}
	return r.GetString("name")
}
