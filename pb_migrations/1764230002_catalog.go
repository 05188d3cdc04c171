package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"printlab/schema"
)

// Printers and materials: the catalog the submit page offers and the prices come
// from. The public may read active entries; superusers edit them in the admin UI.
func init() {
	m.Register(func(app core.App) error {
		printers := core.NewBaseCollection(schema.Printers)
		printers.Fields.Add(
			&core.TextField{Name: "name", Required: true, Max: 80, Presentable: true},
			&core.SelectField{Name: "method", Required: true, Values: schema.Methods, MaxSelect: 1},
			&core.NumberField{Name: "build_x", Required: true, Min: f(1), Max: f(5000)},
			&core.NumberField{Name: "build_y", Required: true, Min: f(1), Max: f(5000)},
			&core.NumberField{Name: "build_z", Required: true, Min: f(1), Max: f(5000)},
			&core.TextField{Name: "description", Max: 300},
			&core.BoolField{Name: "active"},
			&core.NumberField{Name: "sort", OnlyInt: true},
		)
		addTimestamps(printers)
		printers.AddIndex("idx_printers_name", true, "name COLLATE NOCASE", "")
		setReadRules(printers, ruleActiveOrWorkstation)
		if err := app.Save(printers); err != nil {
			return err
		}

		materials := core.NewBaseCollection(schema.Materials)
		materials.Fields.Add(
			&core.TextField{Name: "name", Required: true, Max: 80, Presentable: true},
			&core.SelectField{Name: "method", Required: true, Values: schema.Methods, MaxSelect: 1},
			&core.NumberField{Name: "cents_per_gram", Required: true, OnlyInt: true, Min: f(1), Max: f(100000)},
			&core.NumberField{Name: "density", Required: true, Min: f(0.1), Max: f(25)},
			&core.JSONField{Name: "colors", Required: true, MaxSize: 20000},
			&core.TextField{Name: "description", Max: 300},
			&core.BoolField{Name: "active"},
			&core.NumberField{Name: "sort", OnlyInt: true},
		)
		addTimestamps(materials)
		materials.AddIndex("idx_materials_name", true, "name COLLATE NOCASE", "")
		setReadRules(materials, ruleActiveOrWorkstation)
		return app.Save(materials)
	}, func(app core.App) error {
		return deleteCollections(app, schema.Materials, schema.Printers)
	})
}
