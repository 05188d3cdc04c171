package schedule

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"printlab/hooks/mail"
	"printlab/hooks/settings"
	"printlab/schema"
)

// batch caps how many jobs one run touches, so a first run after a long
// outage stays a sequence of short transactions.
const batch = 500

// Confirmations reminds students whose confirmation link expires within 24 h
// (once per link) and flags pending jobs whose link has expired.
//
// The job stores only a hash of the confirmation token and of the status key,
// so the reminder copies the student's links from the job's most recent
// "confirm" email row (hidden field data). If that email's link is not the
// current one (its expiry differs from the job's), the reminder links to the
// status page only, where the student can ask for a fresh link.
func Confirmations(app core.App, now time.Time) (string, error) {
	var sent, skipped, expired int
	soon, err := app.FindRecordsByFilter(schema.Jobs,
		"status = {:pending} && confirm_expires > {:now} && confirm_expires <= {:soon}",
		"confirm_expires", batch, 0,
		dbx.Params{"pending": string(schema.StatusPending), "now": ts(now), "soon": ts(now.Add(24 * time.Hour))})
	if err != nil {
		return "", err
	}
	lab, err := settings.Load(app)
	if err != nil {
		return "", err
	}
	var errs []error
	for _, job := range soon {
		expires := job.GetDateTime("confirm_expires").Time()
		key := fmt.Sprintf("confirm_reminder:%s:%d", job.Id, expires.Unix())
		if exists(app, key) {
			continue
		}
		last, _, err := mail.LatestData(app, job.Id, mail.KindConfirm)
		if err != nil {
			skipped++ // no confirmation email to take the links from
			continue
		}
		data := mail.Data{StatusURL: last.StatusURL, ConfirmExpires: expires}
		if last.ConfirmURL != "" && last.ConfirmExpires.Unix() == expires.Unix() {
			data.ConfirmURL = last.ConfirmURL
		}
		err = app.RunInTransaction(func(tx core.App) error {
			fresh, err := tx.FindRecordById(schema.Jobs, job.Id)
			if err != nil || fresh.GetString("status") != string(schema.StatusPending) ||
				fresh.GetDateTime("confirm_expires").Time().Unix() != expires.Unix() {
				return err // the student confirmed or staff re-quoted meanwhile
			}
			rec, err := mail.Enqueue(tx, lab, mail.Message{Job: fresh, Kind: mail.KindConfirmReminder, DedupeKey: key, Data: data})
			if err != nil {
				return err
			}
			return addEvent(tx, job.Id, "reminder_sent", map[string]any{
				"kind": mail.KindConfirmReminder, "email": rec.Id, "confirm_expires": expires})
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", job.GetString("short_id"), err))
			continue
		}
		sent++
	}

	past, err := app.FindRecordsByFilter(schema.Jobs,
		"status = {:pending} && confirm_expires != '' && confirm_expires <= {:now} && confirm_expired = false",
		"confirm_expires", batch, 0,
		dbx.Params{"pending": string(schema.StatusPending), "now": ts(now)})
	if err != nil {
		return "", err
	}
	for _, job := range past {
		err := app.RunInTransaction(func(tx core.App) error {
			fresh, err := tx.FindRecordById(schema.Jobs, job.Id)
			if err != nil || fresh.GetString("status") != string(schema.StatusPending) || fresh.GetBool("confirm_expired") {
				return err
			}
			fresh.Set("confirm_expired", true)
			if err := tx.Save(fresh); err != nil {
				return err
			}
			return addEvent(tx, job.Id, "confirm_expired", map[string]any{"confirm_expires": fresh.GetDateTime("confirm_expires").Time()})
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", job.GetString("short_id"), err))
			continue
		}
		expired++
	}
	msg := fmt.Sprintf("%d reminders queued, %d links flagged expired", sent, expired)
	if skipped > 0 {
		msg += fmt.Sprintf(", %d without a confirmation email to remind of", skipped)
	}
	return msg, errors.Join(errs...)
}

// Pickups reminds students of prints waiting for pickup on the lab's
// reminder days (days since completion, counted in 24-hour periods; only the
// latest day reached is sent, so a late run never sends two at once) and flags
// prints still there after the last reminder day (or after pickup_keep_days
// when the lab sends no reminders) as uncollected.
func Pickups(app core.App, now time.Time) (string, error) {
	lab, err := settings.Load(app)
	if err != nil {
		return "", err
	}
	days := slices.DeleteFunc(slices.Clone(lab.PickupReminderDays), func(d int) bool { return d <= 0 })
	slices.Sort(days)
	limit := lab.PickupKeepDays
	if len(days) > 0 {
		limit = days[len(days)-1]
	}
	jobs, err := app.FindRecordsByFilter(schema.Jobs,
		"status = {:completed} && completed_at != '' && completed_at <= {:now}", "completed_at", 0, 0,
		dbx.Params{"completed": string(schema.StatusCompleted), "now": ts(now)})
	if err != nil {
		return "", err
	}
	var sent, flagged, skipped int
	var errs []error
	for _, job := range jobs {
		elapsed := now.Sub(job.GetDateTime("completed_at").Time())
		mark := 0
		for _, d := range days {
			if elapsed >= time.Duration(d)*24*time.Hour {
				mark = d
			}
		}
		if mark > 0 {
			key := fmt.Sprintf("pickup_reminder:%s:%d", job.Id, mark)
			if !exists(app, key) {
				last, _, err := mail.LatestData(app, job.Id)
				if err != nil {
					skipped++
				} else {
					err := app.RunInTransaction(func(tx core.App) error {
						fresh, err := tx.FindRecordById(schema.Jobs, job.Id)
						if err != nil || fresh.GetString("status") != string(schema.StatusCompleted) {
							return err
						}
						rec, err := mail.Enqueue(tx, lab, mail.Message{Job: fresh, Kind: mail.KindPickupReminder, DedupeKey: key,
							Data: mail.Data{StatusURL: last.StatusURL, ReminderDay: mark}})
						if err != nil {
							return err
						}
						return addEvent(tx, job.Id, "reminder_sent", map[string]any{
							"kind": mail.KindPickupReminder, "email": rec.Id, "day": mark})
					})
					if err != nil {
						errs = append(errs, fmt.Errorf("job %s: %w", job.GetString("short_id"), err))
					} else {
						sent++
					}
				}
			}
		}
		if limit > 0 && elapsed > time.Duration(limit)*24*time.Hour && !job.GetBool("uncollected") {
			err := app.RunInTransaction(func(tx core.App) error {
				fresh, err := tx.FindRecordById(schema.Jobs, job.Id)
				if err != nil || fresh.GetString("status") != string(schema.StatusCompleted) || fresh.GetBool("uncollected") {
					return err
				}
				fresh.Set("uncollected", true)
				if err := tx.Save(fresh); err != nil {
					return err
				}
				return addEvent(tx, job.Id, "uncollected", map[string]any{"days": int(elapsed / (24 * time.Hour))})
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("job %s: %w", job.GetString("short_id"), err))
			} else {
				flagged++
			}
		}
	}
	msg := fmt.Sprintf("%d reminders queued, %d flagged uncollected", sent, flagged)
	if skipped > 0 {
		msg += fmt.Sprintf(", %d without an earlier email to take the status link from", skipped)
	}
	return msg, errors.Join(errs...)
}

// ReleaseClaims clears claims whose time ran out. It saves through the record
// API's model layer (not raw SQL) so dashboards see the release live.
func ReleaseClaims(app core.App, now time.Time) (string, error) {
	jobs, err := app.FindRecordsByFilter(schema.Jobs, "claim_until != '' && claim_until < {:now}", "", batch, 0,
		dbx.Params{"now": ts(now)})
	if err != nil {
		return "", err
	}
	var n int
	var errs []error
	for _, job := range jobs {
		released := false
		err := app.RunInTransaction(func(tx core.App) error {
			fresh, err := tx.FindRecordById(schema.Jobs, job.Id)
			if err != nil {
				return err
			}
			until := fresh.GetDateTime("claim_until")
			if until.IsZero() || !until.Time().Before(now) {
				return nil // renewed meanwhile
			}
			released = true
			details := map[string]any{
				"workstation": fresh.GetString("claim_workstation"),
				"staff":       fresh.GetString("claim_staff"),
				"until":       until.Time(),
			}
			fresh.Set("claim_workstation", "")
			fresh.Set("claim_staff", "")
			fresh.Set("claim_until", "")
			if err := tx.Save(fresh); err != nil {
				return err
			}
			return addEvent(tx, fresh.Id, "claim_released", details)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", job.GetString("short_id"), err))
		} else if released {
			n++
		}
	}
	return fmt.Sprintf("%d expired claims released", n), errors.Join(errs...)
}

// fileFields are the job's files that pruning removes; the job row, its events
// and its payments stay.
var fileFields = []string{"model", "print_file", "thumbnail"}

// Prune deletes the files of jobs archived longer than prune_days ago.
// Emptying a file field and saving makes PocketBase delete the stored file
// after the transaction commits.
func Prune(app core.App, now time.Time) (string, error) {
	lab, err := settings.Load(app)
	if err != nil {
		return "", err
	}
	cutoff := now.Add(-time.Duration(lab.PruneDays) * 24 * time.Hour)
	jobs, err := app.FindRecordsByFilter(schema.Jobs,
		"status = {:archived} && archived_at != '' && archived_at < {:cut} && files_pruned = false", "archived_at", batch, 0,
		dbx.Params{"archived": string(schema.StatusArchived), "cut": ts(cutoff)})
	if err != nil {
		return "", err
	}
	var n, files int
	var errs []error
	for _, job := range jobs {
		var removed []string
		pruned := false
		err := app.RunInTransaction(func(tx core.App) error {
			fresh, err := tx.FindRecordById(schema.Jobs, job.Id)
			if err != nil || fresh.GetString("status") != string(schema.StatusArchived) || fresh.GetBool("files_pruned") {
				return err
			}
			for _, f := range fileFields {
				if name := fresh.GetString(f); name != "" {
					removed = append(removed, name)
				}
				fresh.Set(f, nil)
			}
			fresh.Set("files_pruned", true)
			pruned = true
			if err := tx.Save(fresh); err != nil {
				return err
			}
			return addEvent(tx, fresh.Id, "files_pruned", map[string]any{"files": removed, "prune_days": lab.PruneDays})
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", job.GetString("short_id"), err))
			continue
		}
		if pruned {
			files += len(removed)
			n++
		}
	}
	return fmt.Sprintf("%d jobs pruned (%d files deleted)", n, files), errors.Join(errs...)
}

// archiveStatuses are the final statuses that are archived after archive_days.
var archiveStatuses = []schema.Status{schema.StatusRejected, schema.StatusCancelled, schema.StatusPickedUp}

// ArchiveCandidates selects the jobs in a final status whose last status
// change (or, for jobs without one, last update) is older than archive_days.
func ArchiveCandidates(app core.App, now time.Time) ([]*core.Record, error) {
	lab, err := settings.Load(app)
	if err != nil {
		return nil, err
	}
	cutoff := ts(now.Add(-time.Duration(lab.ArchiveDays) * 24 * time.Hour))
	params := dbx.Params{"cut": cutoff}
	var or []string
	for i, s := range archiveStatuses {
		k := fmt.Sprintf("s%d", i)
		params[k] = string(s)
		or = append(or, "status = {:"+k+"}")
	}
	return app.FindRecordsByFilter(schema.Jobs,
		"("+strings.Join(or, " || ")+") && ((status_changed != '' && status_changed < {:cut}) || (status_changed = '' && updated < {:cut}))",
		"status_changed", batch, 0, params)
}

// archive hands each candidate to the engine's archive transition.
func (o Options) archive(app core.App, now time.Time) (string, error) {
	if o.Archive == nil {
		return "", errNoArchive
	}
	jobs, err := ArchiveCandidates(app, now)
	if err != nil {
		return "", err
	}
	var n int
	var errs []error
	for _, job := range jobs {
		if err := o.Archive(app, job.Id, job.GetString("status"), now); err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", job.GetString("short_id"), err))
			continue
		}
		n++
	}
	return fmt.Sprintf("%d jobs archived", n), errors.Join(errs...)
}

// addEvent writes a system event on the job's timeline, in the caller's
// transaction.
func addEvent(tx core.App, jobID, typ string, details map[string]any) error {
	col, err := tx.FindCachedCollectionByNameOrId(schema.Events)
	if err != nil {
		return err
	}
	e := core.NewRecord(col)
	e.Set("job", jobID)
	e.Set("type", typ)
	e.Set("actor", "system")
	e.Set("details", details)
	return tx.Save(e)
}

func exists(app core.App, dedupeKey string) bool {
	_, err := app.FindFirstRecordByData(schema.Emails, "dedupe_key", dedupeKey)
	return err == nil
}

// ts formats t the way PocketBase stores dates, for comparisons in filters.
func ts(t time.Time) string {
	d, _ := types.ParseDateTime(t.UTC())
	return d.String()
}
