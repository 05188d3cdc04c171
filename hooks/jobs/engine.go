// Package jobs is PrintLab's lifecycle engine: the status machine as a table, the
// one transition function that applies a row, money, claims and the student's
// tokens. It is plain Go on core.App, tested without HTTP; the routes in
// hooks/desk and hooks/intake and the scheduler all call Do.
package jobs

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/mail"
	"printlab/hooks/settings"
	"printlab/hooks/stmts"
	"printlab/schema"
)

// ClaimDuration is how long a claim holds without renewal (SPEC §2).
const ClaimDuration = 5 * time.Minute

// Actor is who makes a move.
type Actor struct {
	Kind          Who
	StaffID       string // required for ByStaff, and for ByAdmin from a workstation
	WorkstationID string
	Superuser     string // the superuser's email when Kind is ByAdmin from the admin UI
	CanOverride   bool   // the workstation may make admin overrides
	// Workstation is the signed-in workstation's record when the caller has
	// just read it (the request's auth), saving the move a read.
	Workstation *core.Record
}

// Input carries the fields of every action; each Apply reads only its own.
type Input struct {
	Grams      *float64 `json:"grams"`
	Hours      *float64 `json:"hours"`
	Printer    string   `json:"printer"`
	Reasons    []string `json:"reasons"`
	Note       string   `json:"note"`
	Reason     string   `json:"reason"`
	Fault      string   `json:"fault"`
	Reference  string   `json:"reference"`
	PickedUpBy string   `json:"picked_up_by"`
	To         string   `json:"to"`
	Notify     bool     `json:"notify"`
	Text       string   `json:"text"`
	// AcceptOverQuote saves a pickup whose price exceeds the quote by more than
	// the lab's requote percent, after the desk has been warned.
	AcceptOverQuote bool `json:"accept_over_quote"`
}

// Request is one move on one job.
type Request struct {
	JobID    string
	Action   Action
	Expected schema.Status // the status the client saw; required from staff
	By       Actor
	Input    Input
	Now      time.Time // zero means time.Now()
}

// step is the state of one transition inside its transaction.
type step struct {
	tx      core.App
	job     *core.Record
	lab     settings.Lab
	req     Request
	in      Input
	now     time.Time
	from    schema.Status
	to      schema.Status // set by Apply for overrides
	staff   *core.Record
	ws      *core.Record
	details map[string]any
	data    mail.Data
	emails  []mail.Kind    // extra emails decided by Apply (override notify)
	noEvent bool           // claims renewals don't fill the history
	direct  bool           // the job row was written by writeJob: run its after-update hooks after commit
	created []*core.Record // rows written by insert: run their after-create hooks after commit
	writes  []pendingWrite // what the move writes, queued by plan, run by write
	wrote   bool           // a row was written: a failure now must roll back the whole batch
	nested  bool           // Do runs inside the caller's transaction
}

// Do applies req in one transaction: re-read the job, check the expected status,
// the claim and the attribution, apply the table row, write the job, its event,
// its outbox rows and (for a pickup) its payment. Either all are written or none.
// Refusals are *Error values with the HTTP status to answer.
//
// The move is worked out on the concurrent read pool (plan) and only written
// while it holds SQLite's single writer: inside the transaction the job is read
// again and must be exactly the row the move was planned on, else the move is
// planned again from the job as it now is (which usually ends in a 409 naming
// who moved it); the last attempt is planned while holding the writer, so a
// job that keeps changing cannot starve a move. The writer is held for a few statements, not for the
// templates, tokens and record building of a move; under load that wait, not
// the work, was most of a move's time (BENCHMARKS.md). Inside a caller's
// transaction the move is planned and written in that transaction.
func Do(app core.App, req Request) (*core.Record, error) {
	if req.Now.IsZero() {
		req.Now = time.Now()
	}
	req.Now = req.Now.UTC()
	if !known(req.Action) {
		return nil, &Error{Status: http.StatusNotFound, Code: "unknown_action",
			Message: fmt.Sprintf("There is no action %q.", req.Action)}
	}
	// Who acts and the lab's settings are read before the transaction, on the
	// concurrent read pool: the single writer is held only for the job itself.
	pre := &step{tx: app, req: req}
	if err := pre.checkActor(); err != nil {
		return nil, err
	}
	lab, err := settings.Load(app)
	if err != nil {
		return nil, err
	}
	if app.IsTransactional() {
		var s *step
		err := inTurn(app, true, func(tx core.App) error {
			var err error
			if s, _, err = plan(tx, pre, lab, true); err != nil {
				return err
			}
			return s.write(tx)
		})
		if err != nil {
			return nil, err
		}
		return s.job, nil
	}
	for attempt := 1; ; attempt++ {
		// Other moves kept changing the job first: the last attempt is
		// planned while holding the writer, where nothing can change it.
		locked := attempt == maxPlans
		var s *step
		var snap stmts.Snapshot
		if !locked {
			var err error
			if s, snap, err = plan(app, pre, lab, false); err != nil {
				return nil, err
			}
			afterPlan(app, req.JobID)
		}
		err := inTurn(app, false, func(tx core.App) (err error) {
			defer func() {
				if err != nil && s != nil && s.wrote {
					err = &savedThenFailed{err}
				}
			}()
			if locked {
				if s, _, err = plan(tx, pre, lab, false); err != nil {
					return err
				}
			} else if same, err := stmts.Unchanged(tx, schema.Jobs, req.JobID, snap); err != nil {
				return err
			} else if !same {
				return errReplan
			}
			return s.write(tx)
		})
		if errors.Is(err, errReplan) {
			continue
		}
		if err != nil {
			return nil, err
		}
		// What a record save does after its commit: realtime, the status page,
		// the sidecar, the outbox worker's wake-up.
		if s.direct {
			stmts.AfterCommit(app, false, s.job)
		}
		stmts.AfterCommit(app, true, s.created...)
		return s.job, nil
	}
}

// errReplan is a job that changed between a move's plan and its write.
var errReplan = errors.New("printlab: the job changed since the move was planned")

// maxPlans is the attempt at which a move whose job other moves kept changing
// first is planned while holding the writer instead.
const maxPlans = 8

// afterPlan runs between a move's plan and its write; tests change the job
// there, as another desk might.
var afterPlan = func(app core.App, jobID string) {}

// plan reads the job through app (the read pool, or the caller's transaction),
// makes the checks and works out the move: the job's new values and the rows to
// write, which s.write writes. The snapshot is the job's row as read.
func plan(app core.App, pre *step, lab settings.Lab, nested bool) (*step, stmts.Snapshot, error) {
	req := pre.req
	job, snap, err := stmts.FindByIDSnapshot(app, schema.Jobs, req.JobID)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, stmts.Snapshot{}, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "There is no such job; it may have been mistyped."}
		}
		return nil, stmts.Snapshot{}, err
	}
	s := &step{tx: app, job: job, req: req, in: req.Input, now: req.Now, lab: lab, staff: pre.staff, ws: pre.ws, nested: nested,
		from: schema.Status(job.GetString("status")), details: map[string]any{}}
	if req.By.Kind&(ByStaff|ByAdmin) != 0 && req.Action != ActionArchive {
		if req.Expected == "" {
			return nil, stmts.Snapshot{}, fieldError("expected_status", "is required: send the status the job had on your screen")
		}
		if !req.Expected.Valid() {
			return nil, stmts.Snapshot{}, fieldError("expected_status", fmt.Sprintf("%q is not a status; send the status the job had on your screen", string(req.Expected)))
		}
		if req.Expected != s.from {
			return nil, stmts.Snapshot{}, s.conflictMessage()
		}
	}
	row := find(req.Action, s.from)
	if row == nil {
		return nil, stmts.Snapshot{}, conflict(fmt.Sprintf("A job that is %s cannot be %s.", s.from.Label(), pastTense(req.Action)))
	}
	if row.By&req.By.Kind == 0 {
		return nil, stmts.Snapshot{}, &Error{Status: http.StatusForbidden, Code: "forbidden", Message: forbiddenMessage(req.Action)}
	}
	if err := s.checkClaim(); err != nil {
		return nil, stmts.Snapshot{}, err
	}
	s.to = row.To
	if err := row.Apply(s); err != nil {
		return nil, stmts.Snapshot{}, err
	}
	if err := s.commit(row); err != nil {
		return nil, stmts.Snapshot{}, err
	}
	if err := s.prepare(); err != nil {
		return nil, stmts.Snapshot{}, err
	}
	return s, snap, nil
}

// pendingWrite is one record a move writes: the job (update), a new row
// (insert) or a save through PocketBase (a voided payment, anything inside a
// caller's transaction).
type pendingWrite struct {
	rec  *core.Record
	kind writeKind
	stmt *stmts.Write // built by prepare, before the move waits for the writer
}

type writeKind int

const (
	writeUpdate writeKind = iota // the job's row, with one UPDATE unless a file changed
	writeInsert                  // a new row, with one INSERT
	writeSave                    // PocketBase's save without validation
)

// prepare builds the statements of the move's writes once the plan is
// complete (Apply and commit may still set fields of the job after they
// queued its write), so that the single writer only runs them. Inside a
// caller's transaction every write is a save, whose hooks wait for the
// outermost commit.
func (s *step) prepare() error {
	for i := range s.writes {
		w := &s.writes[i]
		if s.nested || w.kind == writeSave {
			continue
		}
		var err error
		if w.kind == writeInsert {
			w.stmt, err = stmts.PrepareInsert(s.tx, w.rec)
		} else {
			w.stmt, err = stmts.PrepareUpdate(s.tx, w.rec)
			if errors.Is(err, stmts.ErrFileChanged) {
				w.kind, err = writeSave, nil // PocketBase's save stores the file
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// write runs the writes the plan queued, in order, in tx. A batch of moves
// that runs again (turns.go) runs it again: what the last run recorded is
// forgotten first, as that run's rows were rolled back.
func (s *step) write(tx core.App) error {
	for _, r := range s.created {
		r.MarkAsNew()
	}
	s.created, s.direct, s.wrote = s.created[:0], false, false
	for _, w := range s.writes {
		if w.stmt == nil {
			if err := s.saveNow(tx, w.rec); err != nil {
				return err
			}
			continue
		}
		if err := w.stmt.Exec(tx); err != nil {
			return err
		}
		s.wrote = true
		if w.kind == writeInsert {
			s.created = append(s.created, w.rec)
		} else {
			s.direct = true
		}
	}
	return nil
}

// checkActor resolves and validates the staff member and workstation.
func (s *step) checkActor() error {
	a := s.req.By
	if a.Kind&(ByStaff|ByAdmin) != 0 && a.WorkstationID != "" {
		ws := a.Workstation
		if ws == nil || ws.Id != a.WorkstationID || ws.Collection().Name != schema.Workstations {
			var err error
			if ws, err = stmts.FindByID(s.tx, schema.Workstations, a.WorkstationID); err != nil {
				return &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "This workstation is not signed in; sign in again."}
			}
		}
		s.ws = ws
		// A dialog claims its job the moment it opens, before anyone has chosen
		// their name; every other move names its staff member.
		if a.StaffID == "" && (s.req.Action == ActionClaim || s.req.Action == ActionRelease) {
			return nil
		}
		st, err := ActiveStaff(s.tx, a.StaffID)
		if err != nil {
			return err
		}
		s.staff = st
	}
	if a.Kind == ByAdmin && a.WorkstationID != "" && !a.CanOverride {
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: forbiddenMessage(s.req.Action)}
	}
	if a.Kind == ByAdmin && a.WorkstationID == "" && a.Superuser == "" {
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: forbiddenMessage(s.req.Action)}
	}
	return nil
}

// ActiveStaff returns the staff member id names, or the per-field refusal the
// dialogs show when it is missing, unknown or deactivated. The record may be
// shared (stmts.FindByIDCached): read it, never change it.
func ActiveStaff(app core.App, id string) (*core.Record, error) {
	if id == "" {
		return nil, fieldError("staff", "is required: choose who is performing this action")
	}
	st, err := stmts.FindByIDCached(app, schema.Staff, id)
	if err != nil {
		return nil, fieldError("staff", "is not a known staff member; choose a name from the list")
	}
	if !st.GetBool("active") {
		return nil, fieldError("staff", fmt.Sprintf("%q is no longer active; choose another name", st.GetString("name")))
	}
	return st, nil
}

// checkClaim refuses acting on a job another workstation holds (SPEC §2).
func (s *step) checkClaim() error {
	holder := s.job.GetString("claim_workstation")
	until := s.job.GetDateTime("claim_until").Time()
	if holder == "" || !until.After(s.now) || holder == s.req.By.WorkstationID {
		return nil
	}
	// A student's confirm or cancel is not held up by staff looking at the job,
	// and an admin may release a stuck claim.
	if s.req.By.Kind&(ByStudent|BySystem) != 0 || (s.req.Action == ActionRelease && s.isAdmin()) {
		return nil
	}
	who := "Someone at " + s.name(schema.Workstations, holder)
	if staff := s.job.GetString("claim_staff"); staff != "" {
		who = s.name(schema.Staff, staff) + " at " + s.name(schema.Workstations, holder)
	}
	return &Error{Status: http.StatusLocked, Code: "claimed", Message: fmt.Sprintf(
		"%s is handling this job (claimed until %s). Wait for them to finish, or ask an admin to release it.",
		who, until.In(s.lab.Location()).Format("3:04 pm"))}
}

func (s *step) isAdmin() bool {
	return s.req.By.Superuser != "" || s.req.By.CanOverride
}

// name is a record's display name, or a stand-in when it is gone.
func (s *step) name(col, id string) string {
	if n := nameOf(s.tx, col, id); n != "" {
		return n
	}
	return "someone"
}

// conflictMessage says who moved the job and when: "This job was approved by Sam
// Lee at Front Desk 2 minutes ago; it is now Pending confirmation."
func (s *step) conflictMessage() *Error {
	who := ""
	last := Action(s.job.GetString("last_action"))
	if staff := s.job.GetString("last_staff"); staff != "" {
		who = " by " + s.name(schema.Staff, staff)
		if ws := s.job.GetString("last_workstation"); ws != "" {
			who += " at " + s.name(schema.Workstations, ws)
		}
	} else if last == ActionConfirm || last == ActionCancel {
		who = " by the student"
	}
	when := s.job.GetDateTime("status_changed").Time()
	if when.IsZero() {
		when = s.job.GetDateTime("updated").Time()
	}
	msg := "This job changed"
	if last != "" {
		msg = "This job was " + pastTense(last)
	}
	e := conflict(fmt.Sprintf("%s%s %s; it is now %s. Your screen showed %s: reload to see the change.",
		msg, who, ago(s.now, when), s.from.Label(), s.req.Expected.Label()))
	e.Code = "conflict"
	return e
}

// commit queues the writes of the job, its event and its outbox rows.
func (s *step) commit(row *Transition) error {
	changed := s.to != "" && s.to != s.from
	if changed {
		s.job.Set("status", string(s.to))
		s.job.Set("status_changed", s.now)
		// The claim holder's dialog is done once the status moved.
		if s.job.GetString("claim_workstation") == s.req.By.WorkstationID {
			clearClaim(s.job)
		}
	}
	// The last move is what conflict messages and undo talk about: status moves only.
	if changed {
		s.job.Set("last_action", string(s.req.Action))
		s.job.Set("last_staff", s.staffID())
		s.job.Set("last_workstation", s.req.By.WorkstationID)
	}
	if err := s.writeJob(); err != nil {
		return err
	}
	if !s.noEvent {
		if err := s.writeEvent(changed); err != nil {
			return err
		}
	}
	kinds := append(append([]mail.Kind{}, row.Emails...), s.emails...)
	for _, kind := range kinds {
		if err := s.enqueue(kind); err != nil {
			return err
		}
	}
	return nil
}

// writeJob queues the write of the job's row. The engine checked every value it set, so
// PocketBase's field validation (a query per relation) is skipped. A move
// never changes the job's files, and then the row is written with one UPDATE
// instead of a record save: the save's file fields each re-read the whole job
// first (three reads, a third of a transition's time on the single writer).
// Do runs the after-update hooks once the transaction has committed. Inside a
// caller's transaction, or when a file did change, it is a plain save, whose
// hooks wait for the outermost commit.
func (s *step) writeJob() error {
	s.writes = append(s.writes, pendingWrite{rec: s.job, kind: writeUpdate})
	return nil
}

// save queues a save of a record of the move (a voided payment, the job
// itself inside a caller's transaction) without PocketBase's validation: the
// engine checked every value.
func (s *step) save(r *core.Record) error {
	s.writes = append(s.writes, pendingWrite{rec: r, kind: writeSave})
	return nil
}

func (s *step) saveNow(tx core.App, r *core.Record) error {
	s.wrote = true
	return tx.SaveNoValidate(r)
}

// insert queues a new row of the move (its event, its outbox rows, a payment),
// written with one prepared INSERT; Do runs the row's after-create hooks once
// the transaction has committed. Inside a caller's transaction it is a save,
// whose hooks wait for the outermost commit. A failure later in the move rolls
// the row back with the rest, and no hook has been queued for it. The row's id
// is drawn now, so the move's event can name it.
func (s *step) insert(r *core.Record) error {
	if r.Id == "" {
		r.Id = core.GenerateDefaultRandomId()
		r.Set(core.FieldNameId, r.Id)
	}
	s.writes = append(s.writes, pendingWrite{rec: r, kind: writeInsert})
	return nil
}

func (s *step) staffID() string {
	if s.staff == nil {
		return ""
	}
	return s.staff.Id
}

func (s *step) writeEvent(changed bool) error {
	col, err := s.tx.FindCachedCollectionByNameOrId(schema.Events)
	if err != nil {
		return err
	}
	ev := core.NewRecord(col)
	ev.Set("job", s.job.Id)
	typ := string(s.req.Action)
	ev.Set("type", typ)
	ev.Set("staff", s.staffID())
	ev.Set("workstation", s.req.By.WorkstationID)
	ev.Set("actor", actorName(s.req.By))
	ev.Set("from_status", string(s.from))
	if changed {
		ev.Set("to_status", string(s.to))
	} else {
		ev.Set("to_status", string(s.from))
	}
	if s.req.By.Superuser != "" {
		s.details["superuser"] = s.req.By.Superuser
	}
	ev.Set("details", s.details)
	return s.insert(ev)
}

func actorName(a Actor) string {
	switch {
	case a.Kind == ByStudent:
		return "student"
	case a.Kind == BySystem:
		return "system"
	case a.Kind == ByAdmin:
		return "admin"
	default:
		return "staff"
	}
}

// AddEvent writes an event that is not a transition (a reminder sent, a flag set,
// a file opened) inside tx.
func AddEvent(tx core.App, job *core.Record, typ string, by Actor, details map[string]any) error {
	st := job.GetString("status")
	return addEvent(tx, job, typ, by, st, st, details)
}

func addEvent(tx core.App, job *core.Record, typ string, by Actor, from, to string, details map[string]any) error {
	col, err := tx.FindCachedCollectionByNameOrId(schema.Events)
	if err != nil {
		return err
	}
	ev := core.NewRecord(col)
	ev.Set("job", job.Id)
	ev.Set("type", typ)
	ev.Set("staff", by.StaffID)
	ev.Set("workstation", by.WorkstationID)
	ev.Set("actor", actorName(by))
	ev.Set("from_status", from)
	ev.Set("to_status", to)
	ev.Set("details", details)
	return tx.Save(ev)
}

func clearClaim(job *core.Record) {
	job.Set("claim_workstation", "")
	job.Set("claim_staff", "")
	job.Set("claim_until", "")
}

var pastTenses = map[Action]string{
	ActionReview: "marked reviewed", ActionUnreview: "marked not reviewed", ActionApprove: "approved",
	ActionReject: "rejected", ActionRequote: "re-quoted", ActionConfirm: "confirmed", ActionCancel: "cancelled",
	ActionStart: "started printing", ActionFail: "marked failed", ActionComplete: "completed",
	ActionPickup: "paid and picked up", ActionUndo: "undone", ActionOverride: "overridden",
	ActionClaim: "claimed", ActionRelease: "released", ActionNote: "noted", ActionArchive: "archived",
}

func pastTense(a Action) string {
	if p, ok := pastTenses[a]; ok {
		return p
	}
	return string(a)
}

func forbiddenMessage(a Action) string {
	if a == ActionOverride {
		return "Only an admin (or a workstation allowed to override) can override a status."
	}
	return fmt.Sprintf("You are not allowed to %s this job.", strings.ReplaceAll(string(a), "_", " "))
}

// ago renders a past time for a person: "just now", "2 minutes ago", "3 hours ago".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "recently"
	}
	d := now.Sub(t)
	switch {
	case d < 45*time.Second:
		return "just now"
	case d < 90*time.Second:
		return "a minute ago"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d.Minutes()+0.5))
	case d < 2*time.Hour:
		return "an hour ago"
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	default:
		return fmt.Sprintf("on %s", t.Format("Jan 2"))
	}
}
