// Package mail is PrintLab's transactional outbox: the lifecycle engine calls
// Enqueue inside a transition's transaction to write a fully rendered `emails`
// row, and a background worker in the server process delivers queued rows over
// SMTP (or to .eml files when no SMTP server is configured), retrying with
// backoff.
//
// Delivery guarantee: at least once, never silently lost. A row is marked sent
// only after the SMTP server accepted it, and nothing is sent inside a database
// transaction; a crash between the server's acceptance and the mark makes the
// worker send the row again after a restart. Every row carries its own stable
// Message-ID header (and byte-identical content), so such a repeat is the same
// message to the recipient's mail system, not a second distinct email. Emails of
// one job are delivered in the order they were queued. See docs/EMAIL.md.
package mail

import (
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"printlab/hooks/settings"
	"printlab/hooks/stmts"
	"printlab/schema"
)

// Kind names which email a row is; every kind has an HTML and a text template.
type Kind string

// The emails of SPEC §7.
const (
	KindReceived        Kind = "received"
	KindConfirm         Kind = "confirm"
	KindConfirmReminder Kind = "confirm_reminder"
	KindRejected        Kind = "rejected"
	KindCancelled       Kind = "cancelled"
	KindReady           Kind = "ready"
	KindPickupReminder  Kind = "pickup_reminder"
	KindReceipt         Kind = "receipt"
)

// Data is everything a template needs beyond the job record and the lab
// settings. It is stored as the row's hidden `data` field, which is how the
// scheduler's reminders find the student's links again: only hashes of the
// status key and the confirmation token are stored on the job.
//
// Links may be absolute or a path ("/status/ID?key=…"); Enqueue makes paths
// absolute with the lab's public URL. Zero money, weight, hours and expiry
// fields are filled from the job record.
type Data struct {
	StatusURL      string    `json:"status_url"`               // the student's private status link (always set)
	ConfirmURL     string    `json:"confirm_url,omitempty"`    // confirm, confirm_reminder
	ConfirmExpires time.Time `json:"confirm_expires,omitzero"` // confirm, confirm_reminder
	Reasons        []string  `json:"reasons,omitempty"`        // rejected
	Note           string    `json:"note,omitempty"`           // rejected: staff's free text
	CancelReason   string    `json:"cancel_reason,omitempty"`  // cancelled (may be empty)
	CancelledBy    string    `json:"cancelled_by,omitempty"`   // "student" or "staff"
	QuoteCents     int       `json:"quote_cents,omitempty"`    // confirm, confirm_reminder
	Grams          float64   `json:"grams,omitempty"`          // confirm, confirm_reminder
	Hours          float64   `json:"hours,omitempty"`          // confirm, confirm_reminder
	FinalCents     int       `json:"final_cents,omitempty"`    // receipt
	FinalGrams     float64   `json:"final_grams,omitempty"`    // receipt
	PaymentRef     string    `json:"payment_ref,omitempty"`    // receipt
	PickedUpBy     string    `json:"picked_up_by,omitempty"`   // receipt
	PriceCents     int       `json:"price_cents,omitempty"`    // ready, pickup_reminder: the amount due (quote)
	PrinterName    string    `json:"printer_name,omitempty"`   // filled from the job's printer when empty
	MaterialName   string    `json:"material_name,omitempty"`  // filled from the job's material when empty
	ReminderDay    int       `json:"reminder_day,omitempty"`   // pickup_reminder: days since completion
	PaidAt         time.Time `json:"paid_at,omitzero"`         // receipt; the job's picked_up_at when zero
}

// Message is one email to queue.
type Message struct {
	// Job is the job the email is about; its fields fill the templates.
	Job *core.Record
	// Kind selects the templates.
	Kind Kind
	// To is the recipient; empty means the job's email.
	To string
	// DedupeKey makes Enqueue idempotent: a second message with the same key
	// returns the first row (so reminders cannot double up).
	DedupeKey string
	// FreshKey says DedupeKey was just drawn at random (a transition's own
	// email), so no row can hold it yet and the lookup is skipped; the unique
	// index still refuses a duplicate.
	FreshKey bool
	// Data is what the templates need beyond the job and the settings.
	Data Data
}

// Enqueue checks msg and inserts a queued `emails` row through txApp, so that
// it commits or rolls back with the caller's transaction: the row holds the
// data and the subject, and the worker writes the bodies when it sends it
// (Render), so that a move holds the database's single writer only for its
// rows. It does no I/O besides the dedupe lookup and the insert; the worker is
// woken after commit. A duplicate DedupeKey returns the existing row
// and no error. A message that cannot be rendered (unknown kind, no status
// link, bad recipient) is an error, so the transition rolls back rather than
// changing a job without telling the student.
func Enqueue(txApp core.App, lab settings.Lab, msg Message) (*core.Record, error) {
	rec, existing, err := NewRow(txApp, lab, msg)
	if err != nil || existing {
		return rec, err
	}
	// Every value was built or checked by NewRow; skipping field validation
	// keeps the caller's transaction (and the database's single writer) short.
	if err := txApp.SaveNoValidate(rec); err != nil {
		return nil, fmt.Errorf("mail: queueing the %s email: %w", msg.Kind, err)
	}
	return rec, nil
}

// NewRow builds the outbox row Enqueue saves, for callers that write it
// themselves (the lifecycle engine, with one prepared INSERT; the worker
// must then be woken after commit, which the row's after-create hooks do). A
// duplicate DedupeKey returns the existing row and existing true.
func NewRow(txApp core.App, lab settings.Lab, msg Message) (rec *core.Record, existing bool, err error) {
	if msg.DedupeKey == "" {
		return nil, false, errors.New("mail: a message needs a dedupe key")
	}
	if msg.Job == nil {
		return nil, false, errors.New("mail: a message needs its job")
	}
	// An id lookup on the unique index: the common case (no duplicate) then
	// costs no record load.
	var existingID string
	err = sql.ErrNoRows
	var rows *sql.Rows
	if !msg.FreshKey {
		rows, err = stmts.Query(txApp, `SELECT id FROM emails WHERE dedupe_key = ? LIMIT 1`, msg.DedupeKey)
	}
	if rows != nil && err == nil {
		err = sql.ErrNoRows
		if rows.Next() {
			err = rows.Scan(&existingID)
		} else if rerr := rows.Err(); rerr != nil {
			err = rerr
		}
		rows.Close()
	}
	switch {
	case err == nil:
		rec, err := txApp.FindRecordById(schema.Emails, existingID)
		return rec, err == nil, err
	case !errors.Is(err, sql.ErrNoRows):
		return nil, false, fmt.Errorf("mail: looking up %q: %w", msg.DedupeKey, err)
	}

	to := msg.To
	if to == "" {
		to = msg.Job.GetString("email")
	}
	recipient, err := cleanRecipient(to)
	if err != nil {
		return nil, false, err
	}
	// The bodies are written when the email is sent (Render), outside the
	// move's transaction; here only what makes it sendable is checked and the
	// subject the desk lists is set.
	data := completeData(lab, msg.Job, msg.Data)
	c, v, err := prepare(msg.Kind, lab, msg.Job, data)
	if err != nil {
		return nil, false, err
	}
	subject, err := c.subjectOf(msg.Kind, v)
	if err != nil {
		return nil, false, err
	}

	col, err := txApp.FindCachedCollectionByNameOrId(schema.Emails)
	if err != nil {
		return nil, false, err
	}
	rec = queuedRow(col, lab, msg.Kind, recipient, subject, msg.DedupeKey)
	rec.Set("job", msg.Job.Id)
	rec.Set("data", data)
	return rec, false, nil
}

// queuedRow is a new outbox row due now, with its own Message-ID.
func queuedRow(col *core.Collection, lab settings.Lab, kind Kind, recipient, subject, dedupeKey string) *core.Record {
	rec := core.NewRecord(col)
	id := core.GenerateDefaultRandomId()
	rec.Set("id", id)
	rec.Set("kind", string(kind))
	rec.Set("recipient", recipient)
	rec.Set("subject", subject)
	rec.Set("state", schema.EmailQueued)
	rec.Set("attempts", 0)
	rec.Set("next_attempt", types.NowDateTime())
	rec.Set("message_id", messageID(id, lab.PublicURL))
	rec.Set("dedupe_key", dedupeKey)
	return rec
}

// Resend queues a copy of an existing email row, for staff's Resend button: the
// same recipient, subject and bodies under a new Message-ID (it is a new email
// on purpose) and dedupe key "resend:<id>:<n>". It runs in txApp so the caller
// can write its event in the same transaction.
func Resend(txApp core.App, emailID string, now time.Time) (*core.Record, error) {
	orig, err := txApp.FindRecordById(schema.Emails, emailID)
	if err != nil {
		return nil, fmt.Errorf("mail: no email %q to resend: %w", emailID, err)
	}
	prefix := "resend:" + orig.Id + ":"
	var n int
	err = txApp.DB().Select("count(*)").From(schema.Emails).
		Where(dbx.Like("dedupe_key", prefix).Match(false, true)).Row(&n)
	if err != nil {
		return nil, err
	}
	lab, err := settings.Load(txApp)
	if err != nil {
		return nil, err
	}
	rec := core.NewRecord(orig.Collection())
	id := core.GenerateDefaultRandomId()
	rec.Set("id", id)
	for _, f := range []string{"job", "kind", "recipient", "subject", "html", "text", "data"} {
		rec.Set(f, orig.Get(f))
	}
	// A student's email address corrected on the job since (the usual reason
	// for a failed email) is where the copy goes.
	if jobID := orig.GetString("job"); jobID != "" {
		if job, err := txApp.FindRecordById(schema.Jobs, jobID); err == nil &&
			!strings.EqualFold(job.GetString("email"), orig.GetString("recipient")) {
			if to, err := cleanRecipient(job.GetString("email")); err == nil {
				rec.Set("recipient", to)
			}
		}
	}
	rec.Set("state", schema.EmailQueued)
	rec.Set("attempts", 0)
	rec.Set("next_attempt", dateTime(now))
	rec.Set("message_id", messageID(id, lab.PublicURL))
	rec.Set("dedupe_key", fmt.Sprintf("%s%d", prefix, n+1))
	if err := txApp.Save(rec); err != nil {
		return nil, fmt.Errorf("mail: queueing the resend: %w", err)
	}
	return rec, nil
}

// LatestData returns the Data stored with the most recent email of job that
// has a status link (of one of kinds, when given): the scheduler copies the
// student's links from it because the job itself stores only their hashes.
func LatestData(app core.App, jobID string, kinds ...Kind) (Data, *core.Record, error) {
	var d Data
	q := app.RecordQuery(schema.Emails).
		AndWhere(dbx.HashExp{"job": jobID}).
		OrderBy("rowid DESC").Limit(20)
	if len(kinds) > 0 {
		ks := make([]any, len(kinds))
		for i, k := range kinds {
			ks[i] = string(k)
		}
		q.AndWhere(dbx.In("kind", ks...))
	}
	var rows []*core.Record
	if err := q.All(&rows); err != nil {
		return d, nil, err
	}
	for _, r := range rows {
		var cand Data
		if err := r.UnmarshalJSONField("data", &cand); err == nil && cand.StatusURL != "" {
			return cand, r, nil
		}
	}
	return d, nil, sql.ErrNoRows
}

// completeData fills what the engine may leave zero from the job record and
// makes every link absolute. The printer's and material's names are filled
// when the email is rendered (Render).
func completeData(lab settings.Lab, job *core.Record, d Data) Data {
	if d.QuoteCents == 0 {
		d.QuoteCents = job.GetInt("quote_cents")
	}
	if d.Grams == 0 {
		d.Grams = job.GetFloat("grams")
	}
	if d.Hours == 0 {
		d.Hours = job.GetFloat("hours")
	}
	if d.ConfirmExpires.IsZero() {
		d.ConfirmExpires = job.GetDateTime("confirm_expires").Time()
	}
	if d.FinalCents == 0 {
		d.FinalCents = job.GetInt("final_cents")
	}
	if d.FinalGrams == 0 {
		d.FinalGrams = job.GetFloat("final_grams")
	}
	if d.PriceCents == 0 {
		d.PriceCents = job.GetInt("quote_cents")
	}
	if paid := job.GetDateTime("picked_up_at"); d.PaidAt.IsZero() && !paid.IsZero() {
		d.PaidAt = paid.Time()
	}
	d.StatusURL = absoluteURL(lab.PublicURL, d.StatusURL)
	d.ConfirmURL = absoluteURL(lab.PublicURL, d.ConfirmURL)
	return d
}

// Render writes the subject and bodies of a queued row that has none yet, from
// the data stored with it, its job as it is now (a name corrected since is
// spelled right) and the lab's settings, as the worker does before sending (it
// reads a whole batch's jobs at once). A row already rendered is unchanged, and
// nothing is saved: for reading one queued email, as the tests do.
func Render(app core.App, row *core.Record) error {
	if row.GetString("html") != "" {
		return nil
	}
	job, err := app.FindRecordById(schema.Jobs, row.GetString("job"))
	if err != nil {
		return fmt.Errorf("mail: the job of email %s is gone: %w", row.Id, err)
	}
	lab, err := settings.Load(app)
	if err != nil {
		return err
	}
	return renderRow(app, lab, job, row, names{})
}

func renderRow(app core.App, lab settings.Lab, job *core.Record, row *core.Record, known names) error {
	var d Data
	if err := row.UnmarshalJSONField("data", &d); err != nil {
		return fmt.Errorf("mail: the data of email %s: %w", row.Id, err)
	}
	if d.PrinterName == "" {
		d.PrinterName = known.of(app, schema.Printers, job.GetString("printer"))
	}
	if d.MaterialName == "" {
		d.MaterialName = known.of(app, schema.Materials, job.GetString("material"))
	}
	r, err := render(Kind(row.GetString("kind")), lab, job, d)
	if err != nil {
		return err
	}
	row.Set("subject", r.Subject)
	row.Set("html", r.HTML)
	row.Set("text", r.Text)
	return nil
}

// names holds the printer and material names one worker pass has read (a
// lab has a handful, and a pass renders hundreds of emails), keyed by
// collection and id.
type names map[[2]string]string

// of is the name of record id of col, "" when there is none.
func (n names) of(app core.App, col, id string) string {
	if id == "" {
		return ""
	}
	if name, ok := n[[2]string{col, id}]; ok {
		return name
	}
	name := ""
	if r, err := stmts.FindByID(app, col, id); err == nil {
		name = r.GetString("name")
	}
	n[[2]string{col, id}] = name
	return name
}

// absoluteURL prefixes a path with the lab's public URL; absolute links and
// empty strings pass unchanged.
func absoluteURL(base, link string) string {
	if link == "" || strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") {
		return link
	}
	base = strings.TrimRight(base, "/")
	if !strings.HasPrefix(link, "/") {
		link = "/" + link
	}
	return base + link
}

// cleanRecipient accepts one plain address: a student typed it, so anything
// that could add a header or a second recipient is refused.
func cleanRecipient(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "\r\n,;<>") {
		return "", fmt.Errorf("mail: the recipient %q is not one plain email address", s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return "", fmt.Errorf("mail: the recipient %q is not a valid email address", s)
	}
	return a.Address, nil
}

// messageID builds the row's permanent Message-ID. It depends only on the row,
// so a repeated delivery after a crash carries the same identity.
func messageID(rowID, publicURL string) string {
	host := "printlab.invalid"
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "<" + rowID + ".printlab@" + host + ">"
}

func dateTime(t time.Time) types.DateTime {
	d, _ := types.ParseDateTime(t.UTC())
	return d
}
