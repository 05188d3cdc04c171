package jobs

import (
	"slices"

	"printlab/hooks/mail"
	"printlab/schema"
)

// Action names a move a person or the scheduler makes on a job (SPEC §12).
type Action string

// The actions of SPEC §2.
const (
	ActionReview   Action = "review"
	ActionUnreview Action = "unreview"
	ActionApprove  Action = "approve"
	ActionReject   Action = "reject"
	ActionRequote  Action = "requote"
	ActionConfirm  Action = "confirm"
	ActionCancel   Action = "cancel"
	ActionStart    Action = "start"
	ActionFail     Action = "fail"
	ActionComplete Action = "complete"
	ActionPickup   Action = "pickup"
	ActionUndo     Action = "undo"
	ActionOverride Action = "override"
	ActionClaim    Action = "claim"
	ActionRelease  Action = "release"
	ActionNote     Action = "note"
	ActionArchive  Action = "archive"
)

// Who is a set of actor kinds allowed to make a move.
type Who uint8

// Actor kinds.
const (
	ByStaff   Who = 1 << iota // a staff member at a signed-in workstation
	ByStudent                 // the student, through a private link
	ByAdmin                   // a superuser, or a workstation with can_override
	BySystem                  // the scheduler
)

// Transition is one row of the status machine: from which statuses an action is
// allowed, where it leads, who may make it, which emails it queues, and the
// function that checks the action's fields and writes its effects on the job.
type Transition struct {
	Action Action
	From   []schema.Status
	To     schema.Status // "" keeps the status (flags, notes, claims, re-quotes)
	By     Who
	Emails []mail.Kind
	Apply  func(s *step) error
}

var (
	active     = []schema.Status{schema.StatusUploaded, schema.StatusPending, schema.StatusReadyToPrint, schema.StatusPrinting, schema.StatusCompleted}
	finals     = []schema.Status{schema.StatusPickedUp, schema.StatusRejected, schema.StatusCancelled}
	notArchive = append(append([]schema.Status{}, active...), finals...)
	cancelable = []schema.Status{schema.StatusUploaded, schema.StatusPending, schema.StatusReadyToPrint}
)

// Table is PrintLab's status machine (SPEC §2). Adding a status or an action
// touches this table, its Apply function and its tests, nothing else.
var Table = []Transition{
	{Action: ActionReview, From: notArchive, By: ByStaff, Apply: applyReview(true)},
	{Action: ActionUnreview, From: notArchive, By: ByStaff, Apply: applyReview(false)},
	{Action: ActionApprove, From: []schema.Status{schema.StatusUploaded}, To: schema.StatusPending, By: ByStaff,
		Emails: []mail.Kind{mail.KindConfirm}, Apply: applyApprove},
	{Action: ActionReject, From: []schema.Status{schema.StatusUploaded}, To: schema.StatusRejected, By: ByStaff,
		Emails: []mail.Kind{mail.KindRejected}, Apply: applyReject},
	{Action: ActionRequote, From: []schema.Status{schema.StatusPending}, By: ByStaff,
		Emails: []mail.Kind{mail.KindConfirm}, Apply: applyRequote},
	{Action: ActionConfirm, From: []schema.Status{schema.StatusPending}, To: schema.StatusReadyToPrint, By: ByStaff | ByStudent,
		Apply: applyConfirm},
	{Action: ActionCancel, From: cancelable, To: schema.StatusCancelled, By: ByStaff | ByStudent,
		Emails: []mail.Kind{mail.KindCancelled}, Apply: applyCancel},
	{Action: ActionStart, From: []schema.Status{schema.StatusReadyToPrint}, To: schema.StatusPrinting, By: ByStaff,
		Apply: applyStart},
	{Action: ActionFail, From: []schema.Status{schema.StatusPrinting}, To: schema.StatusReadyToPrint, By: ByStaff,
		Apply: applyFail},
	{Action: ActionComplete, From: []schema.Status{schema.StatusPrinting}, To: schema.StatusCompleted, By: ByStaff,
		Emails: []mail.Kind{mail.KindReady}, Apply: applyComplete},
	{Action: ActionPickup, From: []schema.Status{schema.StatusCompleted}, To: schema.StatusPickedUp, By: ByStaff,
		Emails: []mail.Kind{mail.KindReceipt}, Apply: applyPickup},
	{Action: ActionUndo, From: []schema.Status{schema.StatusCompleted}, To: schema.StatusPrinting, By: ByStaff,
		Apply: applyUndo(ActionComplete)},
	{Action: ActionUndo, From: []schema.Status{schema.StatusPickedUp}, To: schema.StatusCompleted, By: ByStaff,
		Apply: applyUndo(ActionPickup)},
	{Action: ActionOverride, From: schema.Statuses, By: ByAdmin, Apply: applyOverride},
	{Action: ActionClaim, From: notArchive, By: ByStaff, Apply: applyClaim},
	{Action: ActionRelease, From: schema.Statuses, By: ByStaff | ByAdmin, Apply: applyRelease},
	{Action: ActionNote, From: schema.Statuses, By: ByStaff, Apply: applyNote},
	{Action: ActionArchive, From: finals, To: schema.StatusArchived, By: BySystem, Apply: applyArchive},
}

// find returns the row for action from status, or nil.
func find(action Action, from schema.Status) *Transition {
	for i := range Table {
		t := &Table[i]
		if t.Action != action {
			continue
		}
		for _, f := range t.From {
			if f == from {
				return t
			}
		}
	}
	return nil
}

// known reports whether any row has action.
func known(action Action) bool {
	for _, t := range Table {
		if t.Action == action {
			return true
		}
	}
	return false
}

// Actions lists every action name once, in table order.
func Actions() []Action {
	var out []Action
	for _, t := range Table {
		if !slices.Contains(out, t.Action) {
			out = append(out, t.Action)
		}
	}
	return out
}
