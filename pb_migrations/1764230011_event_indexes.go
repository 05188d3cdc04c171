package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"printlab/schema"
)

// Indexes for the analytics page: the status moves of a range of days and of
// one job (partial: notes, reminders and claims are left out), and the events
// of one type in a range (rejection reasons). Without them each figure scanned
// every event of the range.
func init() {
	m.Register(func(app core.App) error {
		events, err := app.FindCollectionByNameOrId(schema.Events)
		if err != nil {
			return err
		}
		events.AddIndex("idx_events_moves", false, "created, job", "from_status != to_status")
		events.AddIndex("idx_events_job_moves", false, "job, created", "from_status != to_status")
		events.AddIndex("idx_events_type_created", false, "type, created", "")
		return app.Save(events)
	}, func(app core.App) error {
		events, err := app.FindCollectionByNameOrId(schema.Events)
		if err != nil {
			return err
		}
		events.RemoveIndex("idx_events_moves")
		events.RemoveIndex("idx_events_job_moves")
		events.RemoveIndex("idx_events_type_created")
		return app.Save(events)
	})
}
