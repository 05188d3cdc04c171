package desk

import (
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/schema"
)

// bindAdminEdits routes a status change made in the admin UI through the engine
// as an override, so no door skips the rules: the event is written, the claim is
// respected, and the other fields the admin edited are saved in the same
// transaction.
func bindAdminEdits(app core.App) {
	app.OnRecordUpdateRequest(schema.Jobs).BindFunc(func(e *core.RecordRequestEvent) error {
		orig := e.Record.Original()
		from, to := orig.GetString("status"), e.Record.GetString("status")
		if from == to {
			return e.Next()
		}
		who := "an admin"
		if e.Auth != nil {
			who = e.Auth.Email()
		}
		return e.App.RunInTransaction(func(tx core.App) error {
			// Move the status through the engine first; then save only the columns
			// the admin changed, so the engine's own writes are not overwritten.
			_, err := jobs.Do(tx, jobs.Request{
				JobID: e.Record.Id, Action: jobs.ActionOverride, Expected: schema.Status(from),
				By:    jobs.Actor{Kind: jobs.ByAdmin, Superuser: who},
				Input: jobs.Input{To: to, Reason: "Status changed in the admin UI by " + who},
			})
			if err != nil {
				if je, ok := jobs.AsError(err); ok {
					return e.Error(je.Status, je.Message, nil)
				}
				return err
			}
			e.Record.IgnoreUnchangedFields(true)
			e.App = tx
			return e.Next()
		})
	})
}
