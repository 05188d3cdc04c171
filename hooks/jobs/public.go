package jobs

import (
	"fmt"
	"math"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"printlab/hooks/settings"
	"printlab/hooks/stmts"
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
	lab, err := settings.Load(app)
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
	pos, wait, err := queuePlace(app, job, now)
	if err != nil {
		return nil, err
	}
	q["queue_position"], q["wait_estimate"] = pos, wait
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

// throughputDays is the window of recent work the wait estimate is based on.
const throughputDays = 14

// queuePlace is the job's place in the queue it waits in, and a rough wait in
// plain words (SPEC §5): for a job in review, the review queue ordered by
// submission; for a confirmed job, the print queue ordered by confirmation.
// Other statuses wait in no queue (nil, ""). The wait is the place divided by
// the jobs completed per day over the last two weeks.
func queuePlace(app core.App, job *core.Record, now time.Time) (any, string, error) {
	var field string
	switch schema.Status(job.GetString("status")) {
	case schema.StatusUploaded:
		field = "created"
	case schema.StatusReadyToPrint:
		field = "confirmed_at"
	default:
		return nil, "", nil
	}
	var row struct {
		N int `db:"n"`
	}
	at := job.GetDateTime(field).String()
	err := app.DB().Select("count(*) as n").From(schema.Jobs).
		Where(dbx.HashExp{"status": job.GetString("status")}).
		AndWhere(dbx.NewExp("(["+field+"] < {:at} OR (["+field+"] = {:at} AND id < {:id}))", dbx.Params{"at": at, "id": job.Id})).
		One(&row)
	if err != nil {
		return nil, "", err
	}
	pos := row.N + 1
	var done struct {
		N int `db:"n"`
	}
	since := types.NowDateTime().Add(-throughputDays * 24 * time.Hour)
	if !now.IsZero() {
		since, _ = types.ParseDateTime(now.Add(-throughputDays * 24 * time.Hour))
	}
	if err := app.DB().Select("count(*) as n").From(schema.Jobs).
		Where(dbx.NewExp("completed_at >= {:since} AND completed_at != ''", dbx.Params{"since": since.String()})).
		One(&done); err != nil {
		return nil, "", err
	}
	return pos, waitWords(pos, float64(done.N)/throughputDays), nil
}

// waitWords turns a queue place and a daily rate into a sentence for a student.
func waitWords(pos int, perDay float64) string {
	if perDay <= 0 {
		return "We can't estimate the wait yet; we work through requests in the order they arrive."
	}
	days := float64(pos) / perDay
	switch {
	case days <= 1:
		return "Likely within a day or so."
	case days <= 2.5:
		return "Likely within about two days."
	case days <= 10:
		return fmt.Sprintf("Roughly %d days, based on how many prints we finished in the last two weeks.", int(math.Ceil(days)))
	default:
		return fmt.Sprintf("Roughly %d weeks, based on how many prints we finished in the last two weeks.", int(math.Ceil(days/7)))
	}
}

// QuoteView is the job as the confirm page shows it.
func QuoteView(app core.App, job *core.Record) (map[string]any, error) {
	lab, err := settings.Load(app)
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
		"timezone":         lab.Location().String(), // the pages show times as the lab's emails do
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
	r, err := stmts.FindByIDCached(app, col, id)
	if err != nil {
		return ""
	}
	return r.GetString("name")
}
