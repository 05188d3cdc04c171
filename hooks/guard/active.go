package guard

import (
	"github.com/pocketbase/pocketbase/core"

	"printlab/schema"
)

// startActive are the collections whose records have an "active" box: only
// active staff appear in "performing action as", only active printers and
// materials on the submit page.
var startActive = []string{schema.Staff, schema.Printers, schema.Materials}

// bindStartActive makes a staff member, printer or material created through
// the record API (the admin UI) start active. The admin UI sends every field,
// an unticked box as false, so "left unticked" and "meant inactive" cannot be
// told apart: every API create starts active, and one is retired by unticking
// Active afterwards. PrintLab's own code and tests create records with
// app.Save, which this request hook does not see, so they stay as they set.
func bindStartActive(app core.App) {
	app.OnRecordCreateRequest(startActive...).BindFunc(func(e *core.RecordRequestEvent) error {
		e.Record.Set("active", true)
		return e.Next()
	})
}
