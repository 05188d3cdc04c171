package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"printlab/schema"
)

// events, payments and emails are the job's history, money and outbox. They are
// written only by the lifecycle engine inside a transition's transaction and read
// by workstations.
func init() {
	m.Register(func(app core.App) error {
		ids, err := collectionIDs(app, schema.Jobs, schema.Staff, schema.Workstations)
		if err != nil {
			return err
		}

		events := core.NewBaseCollection(schema.Events)
		events.Fields.Add(
			&core.RelationField{Name: "job", Required: true, CollectionId: ids[schema.Jobs], MaxSelect: 1},
			&core.TextField{Name: "type", Required: true, Max: 40},
			&core.RelationField{Name: "staff", CollectionId: ids[schema.Staff], MaxSelect: 1},
			&core.RelationField{Name: "workstation", CollectionId: ids[schema.Workstations], MaxSelect: 1},
			&core.TextField{Name: "actor", Max: 40, Help: "staff, student, system or admin"},
			&core.TextField{Name: "from_status", Max: 20},
			&core.TextField{Name: "to_status", Max: 20},
			&core.JSONField{Name: "details", MaxSize: 100000},
		)
		addTimestamps(events)
		events.AddIndex("idx_events_job_created", false, "job, created", "")
		events.AddIndex("idx_events_created", false, "created", "")
		setReadRules(events, ruleWorkstation)
		if err := app.Save(events); err != nil {
			return err
		}

		payments := core.NewBaseCollection(schema.Payments)
		payments.Fields.Add(
			&core.RelationField{Name: "job", Required: true, CollectionId: ids[schema.Jobs], MaxSelect: 1},
			&core.NumberField{Name: "grams", Min: f(0)},
			&core.NumberField{Name: "amount_cents", OnlyInt: true, Min: f(0)},
			&core.TextField{Name: "reference", Max: 120},
			&core.TextField{Name: "picked_up_by", Max: 120},
			&core.RelationField{Name: "staff", CollectionId: ids[schema.Staff], MaxSelect: 1},
			&core.RelationField{Name: "workstation", CollectionId: ids[schema.Workstations], MaxSelect: 1},
			&core.BoolField{Name: "voided"},
			&core.DateField{Name: "voided_at"},
		)
		addTimestamps(payments)
		// One live payment per job; voided ones stay as history beside it.
		payments.AddIndex("idx_payments_job_live", true, "job", "voided = FALSE")
		payments.AddIndex("idx_payments_created", false, "created", "")
		setReadRules(payments, ruleWorkstation)
		if err := app.Save(payments); err != nil {
			return err
		}

		emails := core.NewBaseCollection(schema.Emails)
		emails.Fields.Add(
			&core.RelationField{Name: "job", CollectionId: ids[schema.Jobs], MaxSelect: 1},
			&core.TextField{Name: "kind", Required: true, Max: 40},
			&core.TextField{Name: "recipient", Required: true, Max: 320},
			&core.TextField{Name: "subject", Max: 300},
			// The body carries the student's private links: superusers only.
			&core.TextField{Name: "html", Max: 500000, Hidden: true},
			&core.TextField{Name: "text", Max: 500000, Hidden: true},
			&core.JSONField{Name: "data", MaxSize: 100000, Hidden: true},
			&core.SelectField{Name: "state", Required: true, MaxSelect: 1, Values: []string{schema.EmailQueued, schema.EmailSent, schema.EmailFailed, schema.EmailFile}},
			&core.NumberField{Name: "attempts", OnlyInt: true, Min: f(0)},
			&core.DateField{Name: "next_attempt"},
			&core.TextField{Name: "last_error", Max: 2000},
			&core.DateField{Name: "sent_at"},
			&core.TextField{Name: "message_id", Max: 200},
			&core.TextField{Name: "dedupe_key", Required: true, Max: 200},
		)
		addTimestamps(emails)
		emails.AddIndex("idx_emails_dedupe", true, "dedupe_key", "")
		emails.AddIndex("idx_emails_state_next", false, "state, next_attempt", "")
		emails.AddIndex("idx_emails_job", false, "job, created", "")
		setReadRules(emails, ruleWorkstation)
		if err := app.Save(emails); err != nil {
			return err
		}

		runs := core.NewBaseCollection(schema.CronRuns)
		runs.Fields.Add(
			&core.TextField{Name: "name", Required: true, Max: 60},
			&core.DateField{Name: "started"},
			&core.DateField{Name: "finished"},
			&core.BoolField{Name: "ok"},
			&core.TextField{Name: "message", Max: 2000},
			&core.NumberField{Name: "runs", OnlyInt: true, Min: f(0)},
		)
		addTimestamps(runs)
		runs.AddIndex("idx_cron_runs_name", true, "name", "")
		setReadRules(runs, ruleWorkstation)
		return app.Save(runs)
	}, func(app core.App) error {
		return deleteCollections(app, schema.CronRuns, schema.Emails, schema.Payments, schema.Events)
	})
}
