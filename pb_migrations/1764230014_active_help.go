package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"printlab/schema"
)

// activeHelp is what the admin UI says under each "active" box. New records
// start active whatever the box says (hooks/guard): the help says so, and what
// unticking does.
var activeHelp = map[string]string{
	schema.Staff:     "New staff start active. Untick to retire someone: they leave the \"Performing action as\" list; their name stays in the jobs' history.",
	schema.Printers:  "New printers start active. Untick to hide the printer from the submit page and the approve and start dialogs; jobs that used it keep it.",
	schema.Materials: "New materials start active. Untick to hide the material from the submit page; jobs that used it keep it.",
}

// Staff, printers and materials get a help text on their "active" box.
func init() {
	setHelp := func(app core.App, help func(col string) string) error {
		for _, col := range []string{schema.Staff, schema.Printers, schema.Materials} {
			c, err := app.FindCollectionByNameOrId(col)
			if err != nil {
				return err
			}
			if f, ok := c.Fields.GetByName("active").(*core.BoolField); ok {
				f.Help = help(col)
			}
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	}
	m.Register(func(app core.App) error {
		return setHelp(app, func(col string) string { return activeHelp[col] })
	}, func(app core.App) error {
		return setHelp(app, func(string) string { return "" })
	})
}
