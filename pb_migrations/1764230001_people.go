package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"printlab/schema"
)

// Workstations are the lab PCs that sign in for a workday; staff are the people
// named on every action. Staff are not accounts (SPEC §1).
func init() {
	m.Register(func(app core.App) error {
		// PocketBase's default "users" collection lets anyone register; PrintLab has
		// no user accounts, so it goes (deny by default).
		if users, err := app.FindCollectionByNameOrId("users"); err == nil {
			if err := app.Delete(users); err != nil {
				return err
			}
		}

		ws := core.NewAuthCollection(schema.Workstations)
		ws.Fields.Add(
			&core.EmailField{Name: "email", System: true}, // optional: lab PCs sign in by username
			&core.TextField{Name: "username", Required: true, Min: 2, Max: 40, Pattern: `^[a-z0-9][a-z0-9._-]*$`},
			&core.TextField{Name: "name", Required: true, Max: 80, Presentable: true},
			&core.BoolField{Name: "can_override"},
		)
		addTimestamps(ws)
		ws.AddIndex("idx_workstations_username", true, "username", "")
		ws.PasswordAuth.Enabled = true
		ws.PasswordAuth.IdentityFields = []string{"username", "email"}
		ws.AuthToken.Duration = 12 * 60 * 60 // a workday
		// A workstation sees only itself; nobody registers one but a superuser.
		ws.ListRule = ptr("id = @request.auth.id")
		ws.ViewRule = ptr("id = @request.auth.id")
		ws.CreateRule, ws.UpdateRule, ws.DeleteRule, ws.ManageRule = nil, nil, nil, nil
		if err := app.Save(ws); err != nil {
			return err
		}

		staff := core.NewBaseCollection(schema.Staff)
		staff.Fields.Add(
			&core.TextField{Name: "name", Required: true, Max: 80, Presentable: true},
			&core.BoolField{Name: "active"},
			&core.DateField{Name: "deactivated"},
		)
		addTimestamps(staff)
		staff.AddIndex("idx_staff_name", true, "name COLLATE NOCASE", "")
		setReadRules(staff, ruleWorkstation)
		return app.Save(staff)
	}, func(app core.App) error {
		return deleteCollections(app, schema.Staff, schema.Workstations)
	})
}
