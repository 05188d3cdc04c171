package schedule

import "time"

// Test-only views of the package's internals for the external tests, which
// must live in package schedule_test: they build the whole app through
// internal/testapp, and that imports this package.
var (
	FileFields   = fileFields
	Health       = health
	ErrNoArchive = errNoArchive
)

// ArchiveJob is the archive job's function for these options.
func (o Options) ArchiveJob() Func { return o.archive }

// Running reports whether the cron is started.
func (s *Scheduler) Running() bool { return s.running() }

// Zone and EntryCount describe the running cron.
func (s *Scheduler) Zone() *time.Location { return s.cron.Location() }

// EntryCount is how many jobs the running cron holds.
func (s *Scheduler) EntryCount() int { return len(s.cron.Entries()) }
