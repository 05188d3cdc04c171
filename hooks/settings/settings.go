// Package settings reads the lab's single lab_settings record as a typed value and
// guards that the record can be neither deleted nor duplicated.
package settings

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/ozzo-validation/v4/is"

	"github.com/pocketbase/pocketbase/core"

	"printlab/schema"
)

// Lab is the lab's editable configuration (SPEC §11), with defaults filled in.
type Lab struct {
	LabName            string
	PublicURL          string
	NoticeHTML         string
	PickupLocation     string
	PickupHours        string
	PaymentMethods     string
	ContactEmail       string
	TimeZone           string
	MinChargeCents     int
	CentsPerHour       int
	ConfirmHours       int
	UndoMinutes        int
	RequotePercent     int
	ArchiveDays        int
	PruneDays          int
	PickupReminderDays []int
	PickupKeepDays     int
	MaxUploadMB        int
	SubmitsPerIPHour   int
	ResendsPerJobHour  int
	EstimateFill       float64
	SoundOn            bool
	SoundVolume        float64
	Disciplines        []string
	RejectionReasons   []string
	DailySummary       bool
	// SummaryTo is who gets the daily summary (empty: the contact email).
	SummaryTo []string
}

// Location is the lab's time zone, UTC when the setting is not a known zone.
//
// time.LoadLocation reads the zone file from disk on every call, and every
// email and schedule asks, so zones are kept once loaded (a lab has one).
func (l Lab) Location() *time.Location {
	if loc, ok := zones.Load(l.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(l.TimeZone)
	if err != nil {
		return time.UTC
	}
	zones.Store(l.TimeZone, loc)
	return loc
}

// zones holds the time zones Location has loaded, by name.
var zones sync.Map

// MaxUploadBytes is the upload cap in bytes.
func (l Lab) MaxUploadBytes() int64 { return int64(l.MaxUploadMB) << 20 }

// Load reads the settings record through app (use a transaction's app inside one).
//
// Outside a transaction the value is cached until the record changes (every
// transition reads it); inside one it is read through the transaction, which
// may hold an uncommitted edit.
func Load(app core.App) (Lab, error) {
	if !app.IsTransactional() {
		if l, ok := app.Store().Get(cacheKey).(Lab); ok {
			return l, nil
		}
	}
	l, err := load(app)
	if err == nil && !app.IsTransactional() {
		app.Store().Set(cacheKey, l)
	}
	return l, err
}

// cacheKey holds the cached Lab in the app's store.
const cacheKey = "printlab.labSettings"

func load(app core.App) (Lab, error) {
	r, err := Record(app)
	if err != nil {
		return Lab{}, err
	}
	l := Lab{
		LabName:           r.GetString("lab_name"),
		PublicURL:         r.GetString("public_url"),
		NoticeHTML:        r.GetString("notice"),
		PickupLocation:    r.GetString("pickup_location"),
		PickupHours:       r.GetString("pickup_hours"),
		PaymentMethods:    r.GetString("payment_methods"),
		ContactEmail:      r.GetString("contact_email"),
		TimeZone:          r.GetString("timezone"),
		MinChargeCents:    r.GetInt("min_charge_cents"),
		CentsPerHour:      r.GetInt("cents_per_hour"),
		ConfirmHours:      r.GetInt("confirm_hours"),
		UndoMinutes:       r.GetInt("undo_minutes"),
		RequotePercent:    r.GetInt("requote_percent"),
		ArchiveDays:       r.GetInt("archive_days"),
		PruneDays:         r.GetInt("prune_days"),
		PickupKeepDays:    r.GetInt("pickup_keep_days"),
		MaxUploadMB:       r.GetInt("max_upload_mb"),
		SubmitsPerIPHour:  r.GetInt("submits_per_ip_hour"),
		ResendsPerJobHour: r.GetInt("resends_per_job_hour"),
		EstimateFill:      r.GetFloat("estimate_fill"),
		SoundOn:           r.GetBool("sound_on"),
		SoundVolume:       r.GetFloat("sound_volume"),
		DailySummary:      r.GetBool("daily_summary"),
	}
	// The record's validation refuses a bad list; one saved before that rule
	// (or written around it) is read as far as it goes.
	l.SummaryTo, _ = Addresses(r.GetString("summary_to"))
	if err := r.UnmarshalJSONField("pickup_reminder_days", &l.PickupReminderDays); err != nil {
		l.PickupReminderDays = nil
	}
	if err := r.UnmarshalJSONField("disciplines", &l.Disciplines); err != nil {
		l.Disciplines = nil
	}
	if err := r.UnmarshalJSONField("rejection_reasons", &l.RejectionReasons); err != nil {
		l.RejectionReasons = nil
	}
	l.fillDefaults()
	return l, nil
}

// fillDefaults keeps the app working when an admin blanks a required number.
func (l *Lab) fillDefaults() {
	if l.LabName == "" {
		l.LabName = "PrintLab"
	}
	if l.ConfirmHours <= 0 {
		l.ConfirmHours = 72
	}
	if l.ArchiveDays <= 0 {
		l.ArchiveDays = 45
	}
	if l.PruneDays <= 0 {
		l.PruneDays = 365
	}
	if l.MaxUploadMB <= 0 {
		l.MaxUploadMB = 50
	}
	if l.EstimateFill <= 0 || l.EstimateFill > 1 {
		l.EstimateFill = 0.35
	}
	if l.TimeZone == "" {
		l.TimeZone = "UTC"
	}
}

// Record returns the single settings record.
func Record(app core.App) (*core.Record, error) {
	r, err := app.FindFirstRecordByData(schema.LabSettings, "key", schema.SettingsKey)
	if err != nil {
		return nil, fmt.Errorf("the lab settings record is missing: %w", err)
	}
	return r, nil
}

// Register refuses deleting the settings record: the app cannot run without it.
// It also drops the cached settings whenever the record is saved.
func Register(app core.App) {
	app.OnRecordDelete(schema.LabSettings).BindFunc(func(e *core.RecordEvent) error {
		return fmt.Errorf("the lab settings record cannot be deleted; edit its fields instead")
	})
	forget := func(e *core.RecordEvent) error {
		e.App.Store().Remove(cacheKey)
		return e.Next()
	}
	// Both before the write (so nothing reads a stale value while it commits)
	// and after it (so a read during the write does not re-cache the old one).
	app.OnRecordUpdate(schema.LabSettings).BindFunc(forget)
	app.OnRecordValidate(schema.LabSettings).BindFunc(func(e *core.RecordEvent) error {
		if _, err := Addresses(e.Record.GetString("summary_to")); err != nil {
			return validation.Errors{"summary_to": validation.NewError("validation_invalid_email", err.Error())}
		}
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess(schema.LabSettings).BindFunc(forget)
	app.OnRecordAfterCreateSuccess(schema.LabSettings).BindFunc(forget)
}

// Addresses splits a list of email addresses separated by commas, semicolons
// or white space, as an admin types them. It returns the valid ones in order,
// without repeats, and an error naming the first one that is not an address.
func Addresses(list string) ([]string, error) {
	var out []string
	var bad error
	for _, a := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		if err := is.EmailFormat.Validate(a); err != nil || len(a) > 254 || strings.ContainsAny(a, "<>\"") {
			if bad == nil {
				bad = fmt.Errorf("%q is not an email address; separate addresses with commas", a)
			}
			continue
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out, bad
}
