package desk

import (
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/schema"
)

// The analytics page's numbers (SPEC §6) for a range of days in the lab's time
// zone: GET /api/printlab/analytics?from=YYYY-MM-DD&to=YYYY-MM-DD. Each figure
// is one query over an indexed range; weeks and months are counted in Go so
// that they follow the lab's clock, not UTC.

// Analytics is the answer.
type Analytics struct {
	From     string       `json:"from"`
	To       string       `json:"to"`
	Totals   totals       `json:"totals"`
	Weeks    []week       `json:"weeks"`     // Monday to Sunday, lab time
	Months   []month      `json:"months"`    // revenue by calendar month
	InStatus []statusTime `json:"in_status"` // how long jobs waited in each status
	Backlog  []backlog    `json:"backlog"`   // active jobs now, by status and age
	Rejected []count      `json:"rejected"`  // rejection reasons
	Material []grams      `json:"material"`  // grams paid for, by material
	Printer  []grams      `json:"printer"`   // … and by printer
	Discip   []group      `json:"discipline"`
	Course   []group      `json:"course"` // the 15 busiest
}

type totals struct {
	Submitted    int     `json:"submitted"`
	PickedUp     int     `json:"picked_up"`
	Rejected     int     `json:"rejected"`
	RevenueCents int64   `json:"revenue_cents"`
	Grams        float64 `json:"grams"`
	// TurnaroundHours is the median time from submission to pickup of the jobs
	// picked up in the range.
	TurnaroundHours float64 `json:"turnaround_hours"`
}

type week struct {
	Start     string `json:"start"` // the Monday, YYYY-MM-DD
	Submitted int    `json:"submitted"`
	PickedUp  int    `json:"picked_up"`
}

type month struct {
	Month        string `json:"month"` // YYYY-MM
	RevenueCents int64  `json:"revenue_cents"`
	Payments     int    `json:"payments"`
}

type statusTime struct {
	Status      string  `json:"status"`
	Moves       int     `json:"moves"`
	MedianHours float64 `json:"median_hours"`
	P90Hours    float64 `json:"p90_hours"`
}

type backlog struct {
	Status string `json:"status"`
	Jobs   int    `json:"jobs"`
	Under1 int    `json:"under_24h"`
	Under2 int    `json:"under_48h"`
	Under3 int    `json:"under_72h"`
	Older  int    `json:"older"`
}

type count struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

type grams struct {
	Name  string  `json:"name"`
	Grams float64 `json:"grams"`
	Jobs  int     `json:"jobs"`
}

type group struct {
	Name         string `json:"name"`
	Submitted    int    `json:"submitted"`
	RevenueCents int64  `json:"revenue_cents"`
}

var activeStatuses = []schema.Status{schema.StatusUploaded, schema.StatusPending, schema.StatusReadyToPrint,
	schema.StatusPrinting, schema.StatusCompleted}

func analytics(e *core.RequestEvent) error {
	from, end, loc, err := dayRange(e)
	if err != nil {
		return respondOr(e, err)
	}
	q := e.Request.URL.Query()
	a, err := Compute(e.App, from, end, loc, time.Now())
	if err != nil {
		return err
	}
	a.From, a.To = q.Get("from"), q.Get("to")
	return e.JSON(http.StatusOK, a)
}

// Compute gathers the figures for [from, end) in loc; now dates the backlog.
func Compute(app core.App, from, end time.Time, loc *time.Location, now time.Time) (*Analytics, error) {
	a := &Analytics{Weeks: []week{}, Months: []month{}, InStatus: []statusTime{}, Backlog: []backlog{},
		Rejected: []count{}, Material: []grams{}, Printer: []grams{}, Discip: []group{}, Course: []group{}}
	p := dbx.Params{"from": from.UTC().Format(dateLayout), "end": end.UTC().Format(dateLayout)}
	db := app.DB()

	// Weeks: one bucket per Monday from the week holding from.
	monday := func(t time.Time) time.Time {
		t = t.In(loc)
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	}
	weekIdx := map[string]int{}
	for w := monday(from); w.Before(end); w = w.AddDate(0, 0, 7) {
		weekIdx[w.Format("2006-01-02")] = len(a.Weeks)
		a.Weeks = append(a.Weeks, week{Start: w.Format("2006-01-02")})
	}
	at := func(s string) time.Time { t, _ := time.Parse(dateLayout, s); return t }

	// Submissions, by week, discipline and course.
	var subs []struct {
		Created    string `db:"created"`
		Discipline string `db:"discipline"`
		Course     string `db:"course"`
	}
	if err := db.NewQuery("SELECT created, discipline, course FROM jobs WHERE created >= {:from} AND created < {:end}").
		Bind(p).All(&subs); err != nil {
		return nil, err
	}
	disc, course := map[string]*group{}, map[string]*group{}
	bump := func(m map[string]*group, k string) *group {
		if m[k] == nil {
			m[k] = &group{Name: k}
		}
		return m[k]
	}
	for _, s := range subs {
		a.Totals.Submitted++
		if i, ok := weekIdx[monday(at(s.Created)).Format("2006-01-02")]; ok {
			a.Weeks[i].Submitted++
		}
		bump(disc, s.Discipline).Submitted++
		bump(course, s.Course).Submitted++
	}

	// Live payments: pickups by week, revenue by month, grams by material and
	// printer, revenue by discipline and course, and the turnaround.
	var pays []struct {
		Created    string  `db:"created"`
		Cents      int64   `db:"amount_cents"`
		Grams      float64 `db:"grams"`
		Material   string  `db:"material"`
		Printer    string  `db:"printer"`
		Discipline string  `db:"discipline"`
		Course     string  `db:"course"`
		Submitted  string  `db:"submitted"`
	}
	if err := db.NewQuery(`SELECT pay.created, pay.amount_cents, pay.grams, COALESCE(m.name, '') AS material,
		COALESCE(pr.name, '') AS printer, j.discipline, j.course, j.created AS submitted
		FROM payments pay JOIN jobs j ON j.id = pay.job LEFT JOIN materials m ON m.id = j.material
		LEFT JOIN printers pr ON pr.id = j.printer
		WHERE pay.voided = FALSE AND pay.created >= {:from} AND pay.created < {:end} ORDER BY pay.created`).
		Bind(p).All(&pays); err != nil {
		return nil, err
	}
	months := map[string]*month{}
	mat, prn := map[string]*grams{}, map[string]*grams{}
	var turnaround []float64
	for _, x := range pays {
		t := at(x.Created)
		a.Totals.PickedUp++
		a.Totals.RevenueCents += x.Cents
		a.Totals.Grams += x.Grams
		if i, ok := weekIdx[monday(t).Format("2006-01-02")]; ok {
			a.Weeks[i].PickedUp++
		}
		mk := t.In(loc).Format("2006-01")
		if months[mk] == nil {
			months[mk] = &month{Month: mk}
		}
		months[mk].RevenueCents += x.Cents
		months[mk].Payments++
		addGrams(mat, x.Material, x.Grams)
		addGrams(prn, x.Printer, x.Grams)
		bump(disc, x.Discipline).RevenueCents += x.Cents
		bump(course, x.Course).RevenueCents += x.Cents
		turnaround = append(turnaround, t.Sub(at(x.Submitted)).Hours())
	}
	a.Totals.Grams = math.Round(a.Totals.Grams*10) / 10
	a.Totals.TurnaroundHours = round1(quantile(turnaround, 0.5))
	for _, m := range months {
		a.Months = append(a.Months, *m)
	}
	sort.Slice(a.Months, func(i, j int) bool { return a.Months[i].Month < a.Months[j].Month })
	a.Material, a.Printer = sortedGrams(mat), sortedGrams(prn)
	a.Discip = sortedGroups(disc, 0)
	a.Course = sortedGroups(course, 15)

	// Time in each status: every status move in the range, measured from the
	// move (or submission) that entered the status it left.
	var moves []struct {
		From  string  `db:"from_status"`
		Hours float64 `db:"hours"`
	}
	if err := db.NewQuery(`SELECT from_status, hours FROM (
			SELECT from_status, created,
				(julianday(created) - julianday(LAG(created) OVER (PARTITION BY job ORDER BY created, rowid))) * 24 AS hours
			FROM events WHERE from_status != to_status AND job IN (
				SELECT DISTINCT job FROM events WHERE from_status != to_status AND created >= {:from} AND created < {:end}))
		WHERE created >= {:from} AND created < {:end} AND hours IS NOT NULL`).Bind(p).All(&moves); err != nil {
		return nil, err
	}
	byStatus := map[string][]float64{}
	for _, m := range moves {
		byStatus[m.From] = append(byStatus[m.From], m.Hours)
	}
	for _, st := range activeStatuses {
		h := byStatus[string(st)]
		a.InStatus = append(a.InStatus, statusTime{Status: string(st), Moves: len(h),
			MedianHours: round1(quantile(h, 0.5)), P90Hours: round1(quantile(h, 0.9))})
	}

	// Rejection reasons.
	if err := db.NewQuery(`SELECT r.value AS name, COUNT(*) AS n FROM events, json_each(events.details, '$.reasons') r
		WHERE events.type = 'reject' AND events.created >= {:from} AND events.created < {:end}
		GROUP BY r.value ORDER BY n DESC, name`).Bind(p).All(&a.Rejected); err != nil {
		return nil, err
	}
	if err := db.NewQuery(`SELECT COUNT(*) FROM events WHERE type = 'reject' AND created >= {:from} AND created < {:end}`).
		Bind(p).Row(&a.Totals.Rejected); err != nil {
		return nil, err
	}

	// The backlog now, by the age colours of the dashboard's cards.
	var active []struct {
		Status  string `db:"status"`
		Created string `db:"created"`
	}
	if err := db.NewQuery(`SELECT status, created FROM jobs WHERE status IN ('uploaded', 'pending', 'ready_to_print',
		'printing', 'completed')`).All(&active); err != nil {
		return nil, err
	}
	rows := map[string]*backlog{}
	for _, st := range activeStatuses {
		rows[string(st)] = &backlog{Status: string(st)}
	}
	for _, j := range active {
		b := rows[j.Status]
		b.Jobs++
		switch age := now.Sub(at(j.Created)); {
		case age < 24*time.Hour:
			b.Under1++
		case age < 48*time.Hour:
			b.Under2++
		case age < 72*time.Hour:
			b.Under3++
		default:
			b.Older++
		}
	}
	for _, st := range activeStatuses {
		a.Backlog = append(a.Backlog, *rows[string(st)])
	}
	return a, nil
}

func addGrams(m map[string]*grams, name string, g float64) {
	if m[name] == nil {
		m[name] = &grams{Name: name}
	}
	m[name].Grams += g
	m[name].Jobs++
}

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[int(math.Ceil(q*float64(len(s))))-1]
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func sortedGrams(m map[string]*grams) []grams {
	out := make([]grams, 0, len(m))
	for _, g := range m {
		g.Grams = round1(g.Grams)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Grams != out[j].Grams {
			return out[i].Grams > out[j].Grams
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func sortedGroups(m map[string]*group, limit int) []group {
	out := make([]group, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Submitted != out[j].Submitted {
			return out[i].Submitted > out[j].Submitted
		}
		if out[i].RevenueCents != out[j].RevenueCents {
			return out[i].RevenueCents > out[j].RevenueCents
		}
		return out[i].Name < out[j].Name
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
