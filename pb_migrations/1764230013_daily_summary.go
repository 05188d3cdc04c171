package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"printlab/schema"
)

// The daily staff summary (SPEC §8) gets its recipients and both settings a
// help text in the admin UI.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.LabSettings)
		if err != nil {
			return err
		}
		if f, ok := c.Fields.GetByName("daily_summary").(*core.BoolField); ok {
			f.Help = "Email staff a summary of the desk every morning at 7:30, lab time: jobs by status, what needs attention, and the day before."
		}
		c.Fields.Add(&core.TextField{Name: "summary_to", Max: 1000,
			Help: "Who gets the daily summary: email addresses separated by commas. Empty sends it to the contact email."})
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.LabSettings)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName("summary_to")
		return app.Save(c)
	})
}
