package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"printlab/schema"
)

// lab_settings holds every lab-editable setting of the SPEC in exactly one record:
// the "key" field only accepts one value and is unique, so a second record cannot
// exist; a hook (hooks/catalog) refuses deleting it.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.LabSettings)
		c.Fields.Add(
			&core.TextField{Name: "key", Required: true, Pattern: "^" + schema.SettingsKey + "$", Help: "Always \"" + schema.SettingsKey + "\": there is exactly one settings record."},
			&core.TextField{Name: "lab_name", Required: true, Max: 120},
			&core.URLField{Name: "public_url", Help: "The address students reach PrintLab at, used in email links, e.g. https://print.lab.example.edu"},
			&core.EditorField{Name: "notice", MaxSize: 20000, Help: "Shown at the top of the submit page."},
			&core.TextField{Name: "pickup_location", Max: 300},
			&core.TextField{Name: "pickup_hours", Max: 300},
			&core.TextField{Name: "payment_methods", Max: 300},
			&core.TextField{Name: "contact_email", Max: 200},
			&core.TextField{Name: "timezone", Required: true, Max: 64, Help: "IANA name, e.g. America/Chicago"},
			&core.NumberField{Name: "min_charge_cents", OnlyInt: true, Min: f(0), Max: f(1000000)},
			&core.NumberField{Name: "cents_per_hour", OnlyInt: true, Min: f(0), Max: f(1000000)},
			&core.NumberField{Name: "confirm_hours", Required: true, OnlyInt: true, Min: f(1), Max: f(24 * 60)},
			&core.NumberField{Name: "undo_minutes", OnlyInt: true, Min: f(0), Max: f(24 * 60)},
			&core.NumberField{Name: "requote_percent", OnlyInt: true, Min: f(0), Max: f(1000)},
			&core.NumberField{Name: "archive_days", Required: true, OnlyInt: true, Min: f(1), Max: f(3650)},
			&core.NumberField{Name: "prune_days", Required: true, OnlyInt: true, Min: f(1), Max: f(36500)},
			&core.JSONField{Name: "pickup_reminder_days", MaxSize: 2000, Help: "Days after completion to remind the student, e.g. [7, 14]"},
			&core.NumberField{Name: "pickup_keep_days", OnlyInt: true, Min: f(0), Max: f(3650), Help: "How long a finished print is kept for pickup (told to the student)."},
			&core.NumberField{Name: "max_upload_mb", Required: true, OnlyInt: true, Min: f(1), Max: f(500)},
			&core.NumberField{Name: "submits_per_ip_hour", OnlyInt: true, Min: f(0), Max: f(10000), Help: "0 turns the limit off."},
			&core.NumberField{Name: "resends_per_job_hour", OnlyInt: true, Min: f(0), Max: f(100)},
			&core.NumberField{Name: "estimate_fill", Required: true, Min: f(0.01), Max: f(1), Help: "Share of the model's volume that is printed, for the instant estimate."},
			&core.BoolField{Name: "sound_on"},
			&core.NumberField{Name: "sound_volume", Min: f(0), Max: f(1)},
			&core.JSONField{Name: "disciplines", MaxSize: 20000},
			&core.JSONField{Name: "rejection_reasons", MaxSize: 20000},
			&core.BoolField{Name: "daily_summary"},
		)
		addTimestamps(c)
		c.AddIndex("idx_lab_settings_key", true, "key", "")
		setReadRules(c, ruleWorkstation)
		return app.Save(c)
	}, func(app core.App) error {
		return deleteCollections(app, schema.LabSettings)
	})
}
