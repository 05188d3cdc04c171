package pb_migrations

import "github.com/pocketbase/pocketbase/core"

// addTimestamps adds the created/updated autodate fields that the admin UI would
// add by itself but Go-built collections do not get.
func addTimestamps(c *core.Collection) {
	c.Fields.Add(
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
}

func ptr(s string) *string { return &s }

func f(v float64) *float64 { return &v }

// setReadRules makes a collection listable and viewable under rule and leaves every
// write to superusers.
func setReadRules(c *core.Collection, rule string) {
	c.ListRule = ptr(rule)
	c.ViewRule = ptr(rule)
	c.CreateRule = nil
	c.UpdateRule = nil
	c.DeleteRule = nil
}

// deleteCollections removes the named collections, ignoring ones already gone.
func deleteCollections(app core.App, names ...string) error {
	for _, name := range names {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			continue
		}
		if err := app.Delete(c); err != nil {
			return err
		}
	}
	return nil
}

// collectionIDs looks up the ids of collections an earlier migration created,
// for relation fields.
func collectionIDs(app core.App, names ...string) (map[string]string, error) {
	ids := make(map[string]string, len(names))
	for _, name := range names {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return nil, err
		}
		ids[name] = c.Id
	}
	return ids, nil
}
