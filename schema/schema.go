// Package schema names PrintLab's collections, statuses and other values that the
// migrations, the engine, the routes and the front end must agree on. It is a leaf:
// it imports nothing of ours, so every other package may import it.
package schema

// Collection names.
const (
	Workstations = "workstations"
	Staff        = "staff"
	Printers     = "printers"
	Materials    = "materials"
	LabSettings  = "lab_settings"
	Jobs         = "jobs"
	Events       = "events"
	Payments     = "payments"
	Emails       = "emails"
	CronRuns     = "cron_runs"
)

// Status is a job's lifecycle state, stored lowercase.
type Status string

// The job statuses of SPEC §2.
const (
	StatusUploaded     Status = "uploaded"
	StatusPending      Status = "pending"
	StatusReadyToPrint Status = "ready_to_print"
	StatusPrinting     Status = "printing"
	StatusCompleted    Status = "completed"
	StatusPickedUp     Status = "picked_up"
	StatusRejected     Status = "rejected"
	StatusCancelled    Status = "cancelled"
	StatusArchived     Status = "archived"
)

// Statuses lists every status in the order the dashboard shows them.
var Statuses = []Status{
	StatusUploaded, StatusPending, StatusReadyToPrint, StatusPrinting, StatusCompleted,
	StatusPickedUp, StatusRejected, StatusCancelled, StatusArchived,
}

var statusLabels = map[Status]string{
	StatusUploaded:     "Uploaded",
	StatusPending:      "Pending confirmation",
	StatusReadyToPrint: "Ready to print",
	StatusPrinting:     "Printing",
	StatusCompleted:    "Completed",
	StatusPickedUp:     "Paid & picked up",
	StatusRejected:     "Rejected",
	StatusCancelled:    "Cancelled",
	StatusArchived:     "Archived",
}

// Label is the status as staff and students read it.
func (s Status) Label() string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	_, ok := statusLabels[s]
	return ok
}

// StatusValues returns the statuses as plain strings, e.g. for a select field.
func StatusValues() []string {
	out := make([]string, len(Statuses))
	for i, s := range Statuses {
		out[i] = string(s)
	}
	return out
}

// Print methods.
const (
	MethodFilament = "filament"
	MethodResin    = "resin"
)

// Methods lists the print methods.
var Methods = []string{MethodFilament, MethodResin}

// Email delivery states of the outbox.
const (
	EmailQueued = "queued"
	EmailSent   = "sent"
	EmailFailed = "failed"
	EmailFile   = "file"
)

// SettingsKey is the fixed key of the single lab_settings record.
const SettingsKey = "lab"
