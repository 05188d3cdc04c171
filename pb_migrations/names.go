// Package pb_migrations holds PrintLab's schema, access rules, indexes and default
// catalog as Go migrations, one concern per file, applied in file-name order.
package pb_migrations

// Access rules shared by several collections. A nil rule means superusers only.
const (
	// ruleWorkstation admits any signed-in lab PC.
	ruleWorkstation = "@request.auth.collectionName = 'workstations'"
	// ruleActiveOrWorkstation lets the public see active catalog entries and
	// workstations see all of them.
	ruleActiveOrWorkstation = "active = true || " + ruleWorkstation
)
