package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"printlab/schema"
)

// The default catalog and settings of SPEC §11. Labs edit them in the admin UI.

type defaultPrinter struct {
	name, method, description string
	x, y, z                   float64
}

var defaultPrinters = []defaultPrinter{
	{"Prusa MK4S", schema.MethodFilament, "Everyday filament printer for most models.", 250, 210, 220},
	{"Prusa XL", schema.MethodFilament, "Large-format filament printer.", 360, 360, 360},
	{"Raise3D Pro 2 Plus", schema.MethodFilament, "Tall filament printer for big, upright parts.", 305, 305, 605},
	{"Formlabs Form 3", schema.MethodResin, "Resin printer for fine detail and smooth surfaces.", 145, 145, 175},
}

type defaultMaterial struct {
	name, method, description string
	cents                     int
	density                   float64
	colors                    []string
}

var defaultMaterials = []defaultMaterial{
	{"PLA", schema.MethodFilament, "Filament (FDM): melted plastic laid down layer by layer. Sturdy, affordable, visible layer lines.", 10, 1.24, []string{
		"True Red", "True Orange", "Light Orange", "True Yellow", "Dark Yellow", "Lime Green", "Green",
		"Forest Green", "Blue", "Electric Blue", "Midnight Purple", "Light Purple", "Clear", "True White",
		"Gray", "True Black", "Brown", "Copper", "Bronze", "True Silver", "True Gold", "Glow in the Dark",
		"Color Changing",
	}},
	{"Resin", schema.MethodResin, "Resin (SLA): liquid resin cured by light. Very fine detail and smooth surfaces, smaller parts.", 20, 1.1, []string{
		"Black", "White", "Gray", "Clear",
	}},
}

// DefaultDisciplines are the disciplines a student picks from.
var defaultDisciplines = []string{
	"Art", "Architecture", "Landscape Architecture", "Interior Design", "Engineering", "Hobby/Personal", "Other",
}

var defaultRejectionReasons = []string{
	"Walls too thin",
	"Unsupported overhangs",
	"Not manifold / has holes",
	"Too large for the printer",
	"Not scaled correctly",
	"File damaged or wrong format",
	"Content not allowed",
}

const defaultNotice = `<p>Welcome to the lab's 3D-print service. Send us your model and your choices below; ` +
	`staff check every file, then email you a quote to confirm before anything is printed.</p>` +
	`<p>Most requests are reviewed within 1–2 business days. Models must be in millimetres.</p>`

func init() {
	m.Register(func(app core.App) error {
		printers, err := app.FindCollectionByNameOrId(schema.Printers)
		if err != nil {
			return err
		}
		for i, p := range defaultPrinters {
			r := core.NewRecord(printers)
			r.Load(map[string]any{
				"name": p.name, "method": p.method, "description": p.description,
				"build_x": p.x, "build_y": p.y, "build_z": p.z, "active": true, "sort": i + 1,
			})
			if err := app.Save(r); err != nil {
				return err
			}
		}

		materials, err := app.FindCollectionByNameOrId(schema.Materials)
		if err != nil {
			return err
		}
		for i, mat := range defaultMaterials {
			r := core.NewRecord(materials)
			r.Load(map[string]any{
				"name": mat.name, "method": mat.method, "description": mat.description,
				"cents_per_gram": mat.cents, "density": mat.density, "colors": mat.colors,
				"active": true, "sort": i + 1,
			})
			if err := app.Save(r); err != nil {
				return err
			}
		}

		settings, err := app.FindCollectionByNameOrId(schema.LabSettings)
		if err != nil {
			return err
		}
		s := core.NewRecord(settings)
		s.Load(map[string]any{
			"key":                  schema.SettingsKey,
			"lab_name":             "Makerspace 3D Printing",
			"public_url":           "http://127.0.0.1:8090",
			"notice":               defaultNotice,
			"pickup_location":      "Makerspace front desk",
			"pickup_hours":         "Monday–Friday, 8:30 am – 4:30 pm",
			"payment_methods":      "Card or campus card at the front desk",
			"timezone":             "America/Chicago",
			"min_charge_cents":     300,
			"cents_per_hour":       0,
			"confirm_hours":        72,
			"undo_minutes":         15,
			"requote_percent":      20,
			"archive_days":         45,
			"prune_days":           365,
			"pickup_reminder_days": []int{7, 14},
			"pickup_keep_days":     30,
			"max_upload_mb":        50,
			"submits_per_ip_hour":  10,
			"resends_per_job_hour": 3,
			"estimate_fill":        0.35,
			"sound_on":             true,
			"sound_volume":         0.5,
			"disciplines":          defaultDisciplines,
			"rejection_reasons":    defaultRejectionReasons,
			"daily_summary":        false,
		})
		if err := app.Save(s); err != nil {
			return err
		}

		ps := app.Settings()
		ps.Meta.AppName = "PrintLab"
		ps.Meta.SenderName = "Makerspace 3D Printing"                                      // the default lab name; set both in the admin UI with SMTP
		if ps.Meta.SenderAddress == "" || ps.Meta.SenderAddress == "support@example.com" { // PocketBase's placeholder
			ps.Meta.SenderAddress = "printlab@printlab.invalid" // an obvious placeholder until SMTP is set up
		}
		return app.Save(ps)
	}, func(app core.App) error {
		for _, name := range []string{schema.LabSettings, schema.Materials, schema.Printers} {
			if _, err := app.DB().NewQuery("DELETE FROM " + name).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
}
