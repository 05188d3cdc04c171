package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"printlab/schema"
)

// maxModelBytes caps the file fields; the submit route enforces the lab's own,
// smaller max_upload_mb before a byte is stored.
const maxModelBytes = 500 << 20

// jobs is one print request from submission to archive. Workstations read it;
// nobody writes it through the record API: every change goes through the
// lifecycle engine's routes (hooks/jobs), which write the job, its event and its
// outbox rows in one transaction.
func init() {
	m.Register(func(app core.App) error {
		ids, err := collectionIDs(app, schema.Printers, schema.Materials, schema.Staff, schema.Workstations)
		if err != nil {
			return err
		}

		c := core.NewBaseCollection(schema.Jobs)
		c.Fields.Add(
			&core.TextField{Name: "short_id", Required: true, Min: 6, Max: 12, Pattern: `^[0-9A-Z]+$`, Presentable: true},
			&core.SelectField{Name: "status", Required: true, Values: schema.StatusValues(), MaxSelect: 1},
			// The student.
			&core.TextField{Name: "first_name", Required: true, Max: 60},
			&core.TextField{Name: "last_name", Required: true, Max: 60},
			&core.EmailField{Name: "email", Required: true},
			&core.TextField{Name: "discipline", Required: true, Max: 80},
			&core.TextField{Name: "course", Required: true, Max: 40},
			// What to print and how.
			&core.SelectField{Name: "method", Required: true, Values: schema.Methods, MaxSelect: 1},
			&core.RelationField{Name: "material", Required: true, CollectionId: ids[schema.Materials], MaxSelect: 1},
			&core.TextField{Name: "color", Required: true, Max: 60},
			&core.RelationField{Name: "printer", Required: true, CollectionId: ids[schema.Printers], MaxSelect: 1},
			&core.BoolField{Name: "ack_min_charge"},
			&core.BoolField{Name: "ack_mm"},
			// Files: the original upload (never modified), the staff's sliced file, the thumbnail.
			&core.FileField{Name: "model", MaxSelect: 1, MaxSize: maxModelBytes, Protected: true},
			&core.FileField{Name: "print_file", MaxSelect: 1, MaxSize: maxModelBytes, Protected: true},
			&core.FileField{Name: "thumbnail", MaxSelect: 1, MaxSize: 2 << 20, Protected: true, MimeTypes: []string{"image/png"}},
			&core.TextField{Name: "display_name", Max: 200},
			&core.TextField{Name: "print_name", Max: 200},
			&core.TextField{Name: "original_name", Max: 255},
			&core.TextField{Name: "sha256", Max: 64},
			&core.TextField{Name: "print_sha256", Max: 64},
			&core.JSONField{Name: "model_stats", MaxSize: 20000},
			&core.JSONField{Name: "print_estimate", MaxSize: 20000},
			// Quote and money (integer cents, SPEC §3).
			&core.NumberField{Name: "grams", Min: f(0)},
			&core.NumberField{Name: "hours", Min: f(0)},
			&core.NumberField{Name: "quote_cents", OnlyInt: true, Min: f(0)},
			&core.NumberField{Name: "final_grams", Min: f(0)},
			&core.NumberField{Name: "final_cents", OnlyInt: true, Min: f(0)},
			&core.NumberField{Name: "estimate_cents", OnlyInt: true, Min: f(0)},
			// Student links: only hashes are stored.
			&core.TextField{Name: "confirm_token_hash", Hidden: true, Max: 64},
			&core.DateField{Name: "confirm_expires"},
			&core.DateField{Name: "confirmed_at"},
			&core.TextField{Name: "status_key_salt", Hidden: true, Max: 64}, // see jobs.StatusKey: the key itself is never stored
			// Flags shown on cards.
			&core.BoolField{Name: "reviewed"},
			&core.BoolField{Name: "confirm_expired"},
			&core.BoolField{Name: "uncollected"},
			&core.NumberField{Name: "failure_count", OnlyInt: true, Min: f(0)},
			&core.JSONField{Name: "notes", MaxSize: 200000},
			// Advisory claim while a dialog is open (SPEC §2).
			&core.RelationField{Name: "claim_workstation", CollectionId: ids[schema.Workstations], MaxSelect: 1},
			&core.RelationField{Name: "claim_staff", CollectionId: ids[schema.Staff], MaxSelect: 1},
			&core.DateField{Name: "claim_until"},
			// The last move, for conflict messages and undo windows.
			&core.TextField{Name: "last_action", Max: 40},
			&core.RelationField{Name: "last_staff", CollectionId: ids[schema.Staff], MaxSelect: 1},
			&core.RelationField{Name: "last_workstation", CollectionId: ids[schema.Workstations], MaxSelect: 1},
			&core.DateField{Name: "status_changed"},
			&core.DateField{Name: "completed_at"},
			&core.DateField{Name: "picked_up_at"},
			&core.DateField{Name: "archived_at"},
			&core.BoolField{Name: "files_pruned"},
		)
		addTimestamps(c)
		c.AddIndex("idx_jobs_short_id", true, "short_id", "")
		c.AddIndex("idx_jobs_status_created", false, "status, created", "")
		c.AddIndex("idx_jobs_email_sha", false, "email, sha256", "")
		c.AddIndex("idx_jobs_created", false, "created", "")
		c.AddIndex("idx_jobs_status_changed", false, "status, status_changed", "")
		setReadRules(c, ruleWorkstation)
		return app.Save(c)
	}, func(app core.App) error {
		return deleteCollections(app, schema.Jobs)
	})
}
