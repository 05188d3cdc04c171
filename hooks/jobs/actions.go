package jobs

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/mail"
	"printlab/hooks/stmts"
	"printlab/schema"
)

// Text limits for what staff and students type.
const (
	maxReason  = 500
	maxNote    = 5000
	maxReasons = 10
	maxRef     = 120
)

func applyReview(v bool) func(s *step) error {
	return func(s *step) error {
		s.job.Set("reviewed", v)
		return nil
	}
}

func applyApprove(s *step) error {
	if s.in.Grams == nil {
		return fieldError("grams", "is required: the slicer's estimate in grams")
	}
	if s.in.Hours == nil {
		return fieldError("hours", "is required: the slicer's estimated print time in hours")
	}
	if s.in.Printer != "" {
		if err := s.setPrinter(s.in.Printer); err != nil {
			return err
		}
	}
	s.job.Set("reviewed", true)
	return s.quote(*s.in.Grams, *s.in.Hours)
}

func applyRequote(s *step) error {
	grams, hours := s.job.GetFloat("grams"), s.job.GetFloat("hours")
	if s.in.Grams != nil {
		grams = *s.in.Grams
	}
	if s.in.Hours != nil {
		hours = *s.in.Hours
	}
	if limit := s.lab.ResendsPerJobHour; limit > 0 {
		var sent []struct {
			Created string `db:"created"`
		}
		err := s.tx.ConcurrentDB().Select("created").From(schema.Emails).
			Where(dbx.HashExp{"job": s.job.Id, "kind": string(mail.KindConfirm)}).
			AndWhere(dbx.NewExp("created > {:since}", dbx.Params{"since": s.now.Add(-time.Hour).Format("2006-01-02 15:04:05.000Z")})).
			OrderBy("created ASC").All(&sent)
		if err != nil {
			return err
		}
		if len(sent) >= limit {
			return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: fmt.Sprintf(
				"A confirmation link was already sent %d times in the last hour. Wait an hour before sending another, so the student is not flooded.", len(sent))}
		}
	}
	return s.quote(grams, hours)
}

// quote prices the job, makes a fresh single-use confirmation link (the old one
// dies with its hash) and prepares the "please confirm" email.
func (s *step) quote(grams, hours float64) error {
	if err := checkGrams("grams", grams, true); err != nil {
		return err
	}
	if err := checkHours("hours", hours); err != nil {
		return err
	}
	rate, err := s.materialRate()
	if err != nil {
		return err
	}
	p := Quote(grams, hours, Rates{CentsPerGram: rate, MinChargeCents: s.lab.MinChargeCents, CentsPerHour: s.lab.CentsPerHour})
	token, hash := NewToken()
	expires := s.now.Add(time.Duration(s.lab.ConfirmHours) * time.Hour)
	s.job.Set("grams", grams)
	s.job.Set("hours", p.Hours)
	s.job.Set("quote_cents", p.Cents)
	s.job.Set("confirm_token_hash", hash)
	s.job.Set("confirm_expires", expires)
	s.job.Set("confirm_expired", false)
	s.details["grams"] = grams
	s.details["hours"] = p.Hours
	s.details["quote_cents"] = p.Cents
	s.details["minimum_applied"] = p.MinimumUsed
	s.details["token_hash"] = hash // lets an old link explain that it was replaced
	s.details["confirm_expires"] = expires.Format(time.RFC3339)
	s.data.ConfirmURL = ConfirmURL(s.lab.PublicURL, token)
	s.data.ConfirmExpires = expires
	s.data.QuoteCents, s.data.Grams, s.data.Hours = p.Cents, grams, p.Hours
	return nil
}

func (s *step) materialRate() (int, error) {
	m, err := stmts.FindByIDCached(s.tx, schema.Materials, s.job.GetString("material"))
	if err != nil {
		return 0, conflict("This job's material no longer exists in the catalog; an admin must fix the job first.")
	}
	return m.GetInt("cents_per_gram"), nil
}

// setPrinter changes the job's printer to an active one of the same method.
func (s *step) setPrinter(id string) error {
	p, err := stmts.FindByIDCached(s.tx, schema.Printers, id)
	if err != nil || !p.GetBool("active") {
		return fieldError("printer", "is not an active printer; choose one from the list")
	}
	if p.GetString("method") != s.job.GetString("method") {
		return fieldError("printer", fmt.Sprintf("%s prints %s, but this job is %s", p.GetString("name"), p.GetString("method"), s.job.GetString("method")))
	}
	if old := s.job.GetString("printer"); old != id {
		s.details["printer_from"] = old
	}
	s.job.Set("printer", id)
	s.details["printer"] = id
	return nil
}

func applyReject(s *step) error {
	var reasons []string
	for _, r := range s.in.Reasons {
		r = strings.TrimSpace(r)
		if r == "" || slices.ContainsFunc(reasons, func(x string) bool { return strings.EqualFold(x, r) }) {
			continue // the same reason twice, in any case, is listed once
		}
		if utf8.RuneCountInString(r) > 200 {
			return fieldError("reasons", "must each be at most 200 characters")
		}
		if strings.ContainsRune(r, 0) {
			return fieldError("reasons", "contains a NUL character")
		}
		reasons = append(reasons, r)
	}
	if len(reasons) > maxReasons {
		return fieldError("reasons", fmt.Sprintf("can list at most %d reasons", maxReasons))
	}
	note, err := text("note", s.in.Note, maxNote, false)
	if err != nil {
		return err
	}
	if len(reasons) == 0 && note == "" {
		return fieldError("reasons", "are required: choose at least one reason or write a note for the student")
	}
	s.details["reasons"] = reasons
	s.details["note"] = note
	s.data.Reasons, s.data.Note = reasons, note
	return nil
}

func applyConfirm(s *step) error {
	if s.req.By.Kind == ByStaff {
		reason, err := text("reason", s.in.Reason, maxReason, true)
		if err != nil {
			return err
		}
		s.details["reason"] = reason
		s.details["on_behalf_of_student"] = true
	}
	s.job.Set("confirmed_at", s.now)
	s.job.Set("confirm_expired", false)
	return nil
}

func applyCancel(s *step) error {
	reason, err := text("reason", s.in.Reason, maxReason, false)
	if err != nil {
		return err
	}
	by := "staff"
	if s.req.By.Kind == ByStudent {
		by = "student"
	}
	s.details["reason"] = reason
	s.details["cancelled_by"] = by
	s.data.CancelReason, s.data.CancelledBy = reason, by
	return nil
}

func applyStart(s *step) error {
	if s.in.Printer != "" {
		return s.setPrinter(s.in.Printer)
	}
	return nil
}

func applyFail(s *step) error {
	reason, err := text("reason", s.in.Reason, maxReason, true)
	if err != nil {
		return err
	}
	if s.in.Fault != "lab" && s.in.Fault != "student" {
		return fieldError("fault", `must be "lab" or "student"`)
	}
	s.job.Set("failure_count", s.job.GetInt("failure_count")+1)
	s.details["reason"] = reason
	s.details["fault"] = s.in.Fault
	return nil
}

func applyComplete(s *step) error {
	s.job.Set("completed_at", s.now)
	s.job.Set("uncollected", false)
	s.data.PriceCents = s.job.GetInt("quote_cents")
	return nil
}

func applyPickup(s *step) error {
	if s.in.Grams == nil {
		return fieldError("grams", "is required: weigh the print")
	}
	if err := checkGrams("grams", *s.in.Grams, true); err != nil {
		return err
	}
	ref, err := text("reference", s.in.Reference, maxRef, true)
	if err != nil {
		return err
	}
	by, err := text("picked_up_by", s.in.PickedUpBy, maxRef, true)
	if err != nil {
		return err
	}
	rate, err := s.materialRate()
	if err != nil {
		return err
	}
	p := Quote(*s.in.Grams, s.job.GetFloat("hours"), Rates{CentsPerGram: rate, MinChargeCents: s.lab.MinChargeCents, CentsPerHour: s.lab.CentsPerHour})
	quote := s.job.GetInt("quote_cents")
	if OverQuote(p.Cents, quote, s.lab.RequotePercent) && !s.in.AcceptOverQuote {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "over_quote", Message: fmt.Sprintf(
			"The final price %s is more than %d%% above the confirmed quote %s. Check the weight, tell the student, then save again to accept it.",
			FormatCents(p.Cents), s.lab.RequotePercent, FormatCents(quote))}
	}
	col, err := s.tx.FindCachedCollectionByNameOrId(schema.Payments)
	if err != nil {
		return err
	}
	pay := core.NewRecord(col)
	pay.Load(map[string]any{"job": s.job.Id, "grams": *s.in.Grams, "amount_cents": p.Cents, "reference": ref,
		"picked_up_by": by, "staff": s.staffID(), "workstation": s.req.By.WorkstationID})
	if err := s.insert(pay); err != nil {
		return err
	}
	s.job.Set("final_grams", *s.in.Grams)
	s.job.Set("final_cents", p.Cents)
	s.job.Set("picked_up_at", s.now)
	s.job.Set("uncollected", false)
	s.details["payment"] = pay.Id
	s.details["grams"] = *s.in.Grams
	s.details["amount_cents"] = p.Cents
	s.details["reference"] = ref
	s.details["picked_up_by"] = by
	s.details["over_quote_accepted"] = s.in.AcceptOverQuote && OverQuote(p.Cents, quote, s.lab.RequotePercent)
	s.data.FinalCents, s.data.FinalGrams, s.data.PaymentRef, s.data.PickedUpBy = p.Cents, *s.in.Grams, ref, by
	return nil
}

// applyUndo takes back the last move (complete or pickup) within undo_minutes.
func applyUndo(of Action) func(s *step) error {
	return func(s *step) error {
		if Action(s.job.GetString("last_action")) != of {
			return conflict("Only the last move can be undone, and the last move on this job was not " + pastTense(of) + ". Ask an admin to override instead.")
		}
		window := time.Duration(s.lab.UndoMinutes) * time.Minute
		closes := s.job.GetDateTime("status_changed").Time().Add(window)
		if !s.now.Before(closes) {
			return conflict(fmt.Sprintf("The undo window closed at %s (%d minutes after the job was %s). Ask an admin to override instead.",
				closes.In(s.lab.Location()).Format("3:04 pm"), s.lab.UndoMinutes, pastTense(of)))
		}
		s.details["undone"] = string(of)
		switch of {
		case ActionComplete:
			s.job.Set("completed_at", "")
		case ActionPickup:
			return s.unpay()
		}
		return nil
	}
}

// unpay takes back a pickup: the live payment is voided (never deleted) and the
// job's final price and pickup time are cleared.
func (s *step) unpay() error {
	pay, err := s.tx.FindFirstRecordByFilter(schema.Payments, "job = {:job} && voided = false", dbx.Params{"job": s.job.Id})
	if err == nil {
		pay.Set("voided", true)
		pay.Set("voided_at", s.now)
		if err := s.save(pay); err != nil {
			return err
		}
		s.details["payment_voided"] = pay.Id
	}
	s.job.Set("final_cents", 0)
	s.job.Set("final_grams", 0)
	s.job.Set("picked_up_at", "")
	return nil
}

// stage orders the statuses a job passes on its way to pickup.
var stage = map[schema.Status]int{
	schema.StatusUploaded: 1, schema.StatusPending: 2, schema.StatusReadyToPrint: 3,
	schema.StatusPrinting: 4, schema.StatusCompleted: 5, schema.StatusPickedUp: 6,
}

// rewind undoes what the stages after `to` recorded, when an override moves a
// job back along its way: a job put back to printing is no longer completed,
// one put back to pending is no longer confirmed, and leaving "picked up" voids
// its payment (never deleted, as undo does).
func (s *step) rewind(to schema.Status) error {
	if s.from == schema.StatusPickedUp && to != schema.StatusArchived {
		if err := s.unpay(); err != nil {
			return err
		}
	}
	n, ok := stage[to]
	if !ok {
		return nil // final statuses keep the record of how far the job got
	}
	if n < stage[schema.StatusCompleted] {
		s.job.Set("completed_at", "")
		s.job.Set("uncollected", false)
	}
	if n < stage[schema.StatusReadyToPrint] {
		s.job.Set("confirmed_at", "")
	}
	return nil
}

// overrideEmails is what an override sends when the admin ticks "email the student".
var overrideEmails = map[schema.Status]mail.Kind{
	schema.StatusPending:   mail.KindConfirm,
	schema.StatusRejected:  mail.KindRejected,
	schema.StatusCancelled: mail.KindCancelled,
	schema.StatusCompleted: mail.KindReady,
}

func applyOverride(s *step) error {
	to := schema.Status(s.in.To)
	if !to.Valid() {
		return fieldError("to", "must be one of: "+strings.Join(schema.StatusValues(), ", "))
	}
	if to == s.from {
		return fieldError("to", "is the job's current status already")
	}
	reason, err := text("reason", s.in.Reason, maxReason, true)
	if err != nil {
		return err
	}
	s.to = to
	s.details["reason"] = reason
	s.details["notify"] = s.in.Notify
	if err := s.rewind(to); err != nil {
		return err
	}
	switch to {
	case schema.StatusCompleted:
		s.job.Set("completed_at", s.now)
		s.data.PriceCents = s.job.GetInt("quote_cents")
	case schema.StatusArchived:
		s.job.Set("archived_at", s.now)
	case schema.StatusRejected:
		s.data.Note = reason
	case schema.StatusCancelled:
		s.data.CancelReason, s.data.CancelledBy = reason, "staff"
	}
	if !s.in.Notify {
		return nil
	}
	kind, ok := overrideEmails[to]
	if !ok {
		s.details["notify_skipped"] = "no student email exists for " + to.Label()
		return nil
	}
	if to == schema.StatusPending {
		grams := s.job.GetFloat("grams")
		if grams <= 0 {
			return fieldError("to", "can be Pending with an email only once the job has a quote: approve it instead, or override without emailing")
		}
		if err := s.quote(grams, s.job.GetFloat("hours")); err != nil {
			return err
		}
	}
	s.emails = append(s.emails, kind)
	return nil
}

func applyClaim(s *step) error {
	s.job.Set("claim_workstation", s.req.By.WorkstationID)
	s.job.Set("claim_staff", s.staffID())
	s.job.Set("claim_until", s.now.Add(ClaimDuration))
	s.noEvent = true // claims are advisory and frequent; they stay out of the history
	return nil
}

func applyRelease(s *step) error {
	holder := s.job.GetString("claim_workstation")
	live := s.job.GetDateTime("claim_until").Time().After(s.now)
	clearClaim(s.job)
	// Releasing someone else's live claim is an admin act worth recording.
	s.noEvent = !(live && holder != "" && holder != s.req.By.WorkstationID)
	if !s.noEvent {
		s.details["released_workstation"] = holder
	}
	return nil
}

// Note is one append-only note on a job.
type Note struct {
	Text        string `json:"text"`
	Staff       string `json:"staff"`
	StaffName   string `json:"staff_name"`
	Workstation string `json:"workstation_name"`
	At          string `json:"at"`
}

func applyNote(s *step) error {
	t, err := text("text", s.in.Text, maxNote, true)
	if err != nil {
		return err
	}
	var notes []Note
	_ = s.job.UnmarshalJSONField("notes", &notes)
	n := Note{Text: t, At: s.now.Format(time.RFC3339)}
	if s.staff != nil {
		n.Staff, n.StaffName = s.staff.Id, s.staff.GetString("name")
	}
	if s.ws != nil {
		n.Workstation = s.ws.GetString("name")
	}
	s.job.Set("notes", append(notes, n))
	s.details["text"] = t
	return nil
}

func applyArchive(s *step) error {
	s.job.Set("archived_at", s.now)
	return nil
}

// text trims a typed string and checks its length.
func text(field, v string, max int, required bool) (string, error) {
	v = strings.TrimSpace(v)
	if required && v == "" {
		return "", fieldError(field, "is required")
	}
	if utf8.RuneCountInString(v) > max {
		return "", fieldError(field, "must be at most "+strconv.Itoa(max)+" characters")
	}
	if strings.ContainsRune(v, 0) {
		return "", fieldError(field, "contains a NUL character")
	}
	return v, nil
}
