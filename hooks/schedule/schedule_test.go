package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/logger"

	"printlab/hooks/desk"
	"printlab/hooks/mail"
	"printlab/hooks/schedule"
	"printlab/hooks/settings"
	"printlab/internal/testapp"
	"printlab/model3d"
	"printlab/model3d/testmesh"
	"printlab/schema"
)

func TestMain(m *testing.M) { testapp.Main(m) }

const publicURL = "https://print.lab.example.edu"

func newApp(t *testing.T) (*tests.TestApp, *testapp.Fixtures) {
	t.Helper()
	app, fx := testapp.NewSeeded(t)
	t.Cleanup(app.Cleanup)
	setLab(t, app, map[string]any{"public_url": publicURL})
	return app, fx
}

func setLab(t *testing.T, app core.App, fields map[string]any) {
	t.Helper()
	rec, err := settings.Record(app)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		rec.Set(k, v)
	}
	if err := app.Save(rec); err != nil {
		t.Fatal(err)
	}
}

func lab(t *testing.T, app core.App) settings.Lab {
	t.Helper()
	l, err := settings.Load(app)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var seq atomic.Int64

func newJob(t *testing.T, app core.App, fx *testapp.Fixtures, fields map[string]any) *core.Record {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(schema.Jobs)
	if err != nil {
		t.Fatal(err)
	}
	n := seq.Add(1)
	r := core.NewRecord(col)
	r.Load(map[string]any{
		"short_id": fmt.Sprintf("S%06d", n), "status": string(schema.StatusUploaded),
		"first_name": "Jane", "last_name": "Doe", "email": fmt.Sprintf("jane%d@student.example.edu", n),
		"discipline": "Art", "course": "N/A", "method": schema.MethodFilament,
		"material": fx.Material.Id, "color": "Blue", "printer": fx.Printer.Id, "quote_cents": 450,
	})
	for k, v := range fields {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	return r
}

func statusURL(job *core.Record) string  { return publicURL + "/status/" + job.Id + "?key=k" + job.Id }
func confirmURL(job *core.Record) string { return publicURL + "/confirm/tok" + job.Id }

// confirmEmail is what the engine queues at approval: the links in data.
func confirmEmail(t *testing.T, app core.App, job *core.Record, expires time.Time) {
	t.Helper()
	err := app.RunInTransaction(func(tx core.App) error {
		_, err := mail.Enqueue(tx, lab(t, tx), mail.Message{Job: job, Kind: mail.KindConfirm,
			DedupeKey: fmt.Sprintf("confirm:%s:%d", job.Id, expires.Unix()),
			Data:      mail.Data{StatusURL: statusURL(job), ConfirmURL: confirmURL(job), ConfirmExpires: expires}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func emailsOf(t *testing.T, app core.App, job *core.Record, kind mail.Kind) []*core.Record {
	t.Helper()
	rows, err := app.FindAllRecords(schema.Emails, dbx.HashExp{"job": job.Id, "kind": string(kind)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows { // as the worker writes them when it sends
		if err := mail.Render(app, r); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

func eventsOf(t *testing.T, app core.App, job *core.Record, typ string) []*core.Record {
	t.Helper()
	rows, err := app.FindAllRecords(schema.Events, dbx.HashExp{"job": job.Id, "type": typ})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.GetString("actor") != "system" {
			t.Errorf("event %s actor %q", typ, r.GetString("actor"))
		}
	}
	return rows
}

func reload(t *testing.T, app core.App, r *core.Record) *core.Record {
	t.Helper()
	got, err := app.FindRecordById(r.Collection(), r.Id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestConfirmationReminders(t *testing.T) {
	app, fx := newApp(t)
	now := time.Now().UTC().Truncate(time.Second)
	pending := map[string]any{"status": string(schema.StatusPending)}

	due := newJob(t, app, fx, pending)
	due.Set("confirm_expires", now.Add(20*time.Hour))
	app.Save(due)
	confirmEmail(t, app, due, now.Add(20*time.Hour))

	requoted := newJob(t, app, fx, pending) // the emailed link is an older one
	requoted.Set("confirm_expires", now.Add(10*time.Hour))
	app.Save(requoted)
	confirmEmail(t, app, requoted, now.Add(-62*time.Hour))

	later := newJob(t, app, fx, pending)
	later.Set("confirm_expires", now.Add(30*time.Hour))
	app.Save(later)
	confirmEmail(t, app, later, now.Add(30*time.Hour))

	confirmed := newJob(t, app, fx, map[string]any{"status": string(schema.StatusReadyToPrint), "confirm_expires": now.Add(5 * time.Hour)})
	confirmEmail(t, app, confirmed, now.Add(5*time.Hour))

	noEmail := newJob(t, app, fx, pending)
	noEmail.Set("confirm_expires", now.Add(5*time.Hour))
	app.Save(noEmail)

	for i := range 3 { // every run after the first finds nothing new
		msg, err := schedule.Confirmations(app, now.Add(time.Duration(i)*10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && !strings.HasPrefix(msg, "2 reminders queued") {
			t.Errorf("first run: %s", msg)
		}
		if i > 0 && !strings.HasPrefix(msg, "0 reminders queued") {
			t.Errorf("run %d: %s", i, msg)
		}
	}

	r := emailsOf(t, app, due, mail.KindConfirmReminder)
	if len(r) != 1 || len(eventsOf(t, app, due, "reminder_sent")) != 1 {
		t.Fatalf("due job: %d reminders", len(r))
	}
	text := r[0].GetString("text")
	if !strings.Contains(text, confirmURL(due)) || !strings.Contains(text, statusURL(due)) {
		t.Errorf("the reminder lacks the student's links:\n%s", text)
	}
	if want := fmt.Sprintf("confirm_reminder:%s:%d", due.Id, now.Add(20*time.Hour).Unix()); r[0].GetString("dedupe_key") != want {
		t.Errorf("dedupe key %q", r[0].GetString("dedupe_key"))
	}

	r = emailsOf(t, app, requoted, mail.KindConfirmReminder)
	if len(r) != 1 {
		t.Fatalf("re-quoted job: %d reminders", len(r))
	}
	if text := r[0].GetString("text"); strings.Contains(text, confirmURL(requoted)) || !strings.Contains(text, statusURL(requoted)) {
		t.Errorf("a reminder for a replaced link must send the student to the status page only:\n%s", text)
	}
	for _, j := range []*core.Record{later, confirmed, noEmail} {
		if n := len(emailsOf(t, app, j, mail.KindConfirmReminder)); n != 0 {
			t.Errorf("job %s got %d reminders", j.GetString("short_id"), n)
		}
	}

	// A new link (staff re-quoted) gets its own reminder.
	due.Set("confirm_expires", now.Add(23*time.Hour))
	app.Save(due)
	confirmEmail(t, app, due, now.Add(23*time.Hour))
	schedule.Confirmations(app, now.Add(time.Hour))
	if n := len(emailsOf(t, app, due, mail.KindConfirmReminder)); n != 2 {
		t.Errorf("after a new link: %d reminders, want 2", n)
	}
}

func TestConfirmExpiredFlag(t *testing.T) {
	app, fx := newApp(t)
	now := time.Now().UTC()
	expired := newJob(t, app, fx, map[string]any{"status": string(schema.StatusPending), "confirm_expires": now.Add(-time.Hour)})
	valid := newJob(t, app, fx, map[string]any{"status": string(schema.StatusPending), "confirm_expires": now.Add(time.Hour)})
	done := newJob(t, app, fx, map[string]any{"status": string(schema.StatusReadyToPrint), "confirm_expires": now.Add(-time.Hour)})

	for range 2 {
		if _, err := schedule.Confirmations(app, now); err != nil {
			t.Fatal(err)
		}
	}
	if !reload(t, app, expired).GetBool("confirm_expired") || len(eventsOf(t, app, expired, "confirm_expired")) != 1 {
		t.Error("the expired link was not flagged exactly once")
	}
	for _, j := range []*core.Record{valid, done} {
		if reload(t, app, j).GetBool("confirm_expired") || len(eventsOf(t, app, j, "confirm_expired")) != 0 {
			t.Errorf("job %s flagged", j.GetString("short_id"))
		}
	}
}

func TestPickupRemindersAndUncollected(t *testing.T) {
	app, fx := newApp(t)
	setLab(t, app, map[string]any{"pickup_reminder_days": []int{7, 14}, "pickup_keep_days": 30})
	now := time.Now().UTC()
	completed := func(ago time.Duration) *core.Record {
		j := newJob(t, app, fx, map[string]any{"status": string(schema.StatusCompleted), "completed_at": now.Add(-ago)})
		err := app.RunInTransaction(func(tx core.App) error {
			_, err := mail.Enqueue(tx, lab(t, tx), mail.Message{Job: j, Kind: mail.KindReady, DedupeKey: "ready:" + j.Id,
				Data: mail.Data{StatusURL: statusURL(j)}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	day := 24 * time.Hour
	waiting := completed(8 * day)
	fresh := completed(2 * day)
	pickedUp := newJob(t, app, fx, map[string]any{"status": string(schema.StatusPickedUp), "completed_at": now.Add(-20 * day)})

	for range 2 {
		if _, err := schedule.Pickups(app, now); err != nil {
			t.Fatal(err)
		}
	}
	r := emailsOf(t, app, waiting, mail.KindPickupReminder)
	if len(r) != 1 || r[0].GetString("dedupe_key") != "pickup_reminder:"+waiting.Id+":7" {
		t.Fatalf("after 8 days: %d reminders", len(r))
	}
	if text := r[0].GetString("text"); !strings.Contains(text, "7 days") || !strings.Contains(text, statusURL(waiting)) || !strings.Contains(text, "$4.50") {
		t.Errorf("reminder text:\n%s", text)
	}
	if reload(t, app, waiting).GetBool("uncollected") {
		t.Error("flagged uncollected before the last reminder day")
	}

	// A week later: the 14-day reminder and, past the last day, the flag.
	later := now.Add(7*day + time.Hour)
	for range 2 {
		if _, err := schedule.Pickups(app, later); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(emailsOf(t, app, waiting, mail.KindPickupReminder)); n != 2 {
		t.Errorf("after 15 days: %d reminders, want 2", n)
	}
	if len(eventsOf(t, app, waiting, "reminder_sent")) != 2 {
		t.Error("each reminder needs its event")
	}
	if !reload(t, app, waiting).GetBool("uncollected") || len(eventsOf(t, app, waiting, "uncollected")) != 1 {
		t.Error("not flagged uncollected exactly once")
	}
	// fresh is 9 days old now: one reminder, no flag; picked-up jobs are left alone.
	if n := len(emailsOf(t, app, fresh, mail.KindPickupReminder)); n != 1 || reload(t, app, fresh).GetBool("uncollected") {
		t.Errorf("fresh job: %d reminders", n)
	}
	if n := len(emailsOf(t, app, pickedUp, mail.KindPickupReminder)); n != 0 || reload(t, app, pickedUp).GetBool("uncollected") {
		t.Error("a picked-up job was reminded")
	}
}

func TestReleaseClaims(t *testing.T) {
	app, fx := newApp(t)
	now := time.Now().UTC()
	claim := func(until time.Time) *core.Record {
		return newJob(t, app, fx, map[string]any{"claim_workstation": fx.Workstation.Id, "claim_staff": fx.Staff.Id, "claim_until": until})
	}
	stale := claim(now.Add(-time.Minute))
	live := claim(now.Add(3 * time.Minute))

	msg, err := schedule.ReleaseClaims(app, now)
	if err != nil || msg != "1 expired claims released" {
		t.Fatalf("%s %v", msg, err)
	}
	got := reload(t, app, stale)
	if got.GetString("claim_workstation") != "" || got.GetString("claim_staff") != "" || !got.GetDateTime("claim_until").IsZero() {
		t.Error("the expired claim is still there")
	}
	ev := eventsOf(t, app, stale, "claim_released")
	if len(ev) != 1 || !strings.Contains(ev[0].GetString("details"), fx.Workstation.Id) {
		t.Errorf("events %v", ev)
	}
	if reload(t, app, live).GetString("claim_workstation") != fx.Workstation.Id {
		t.Error("a live claim was released")
	}
}

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPruneRemovesOnlyOldArchivedFiles(t *testing.T) {
	app, fx := newApp(t)
	setLab(t, app, map[string]any{"prune_days": 365})
	now := time.Now().UTC()
	withFiles := func(fields map[string]any) *core.Record {
		j := newJob(t, app, fx, fields)
		model, _ := filesystem.NewFileFromBytes([]byte("solid x\nendsolid x\n"), "model.stl")
		print, _ := filesystem.NewFileFromBytes([]byte("; gcode\nG28\n"), "print.gcode")
		thumb, _ := filesystem.NewFileFromBytes(pngBytes(t), "thumb.png")
		j.Set("model", model)
		j.Set("print_file", print)
		j.Set("thumbnail", thumb)
		if err := app.Save(j); err != nil {
			t.Fatal(err)
		}
		return j
	}
	archived := map[string]any{"status": string(schema.StatusArchived)}
	old := withFiles(archived)
	old.Set("archived_at", now.AddDate(0, 0, -400))
	app.Save(old)
	recent := withFiles(archived)
	recent.Set("archived_at", now.AddDate(0, 0, -100))
	app.Save(recent)
	active := withFiles(map[string]any{"status": string(schema.StatusPickedUp), "archived_at": now.AddDate(0, 0, -400)})

	fsys, err := app.NewFilesystem()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	stored := func(j *core.Record) []string {
		var out []string
		for _, f := range schedule.FileFields {
			if ok, _ := fsys.Exists(j.BaseFilesPath() + "/" + j.GetString(f)); ok && j.GetString(f) != "" {
				out = append(out, f)
			}
		}
		return out
	}
	before := reload(t, app, old)
	if len(stored(before)) != 3 {
		t.Fatal("fixture files were not stored")
	}

	msg, err := schedule.Prune(app, now)
	if err != nil || msg != "1 jobs pruned (3 files deleted)" {
		t.Fatalf("%s %v", msg, err)
	}
	for _, f := range schedule.FileFields {
		if ok, _ := fsys.Exists(before.BaseFilesPath() + "/" + before.GetString(f)); ok {
			t.Errorf("the %s file of the old archived job still exists", f)
		}
	}
	got := reload(t, app, old)
	if !got.GetBool("files_pruned") || got.GetString("model") != "" || got.GetString("status") != string(schema.StatusArchived) {
		t.Error("the pruned job row is wrong")
	}
	if len(eventsOf(t, app, old, "files_pruned")) != 1 {
		t.Error("no files_pruned event")
	}
	for _, j := range []*core.Record{recent, active} {
		if n := len(stored(reload(t, app, j))); n != 3 || reload(t, app, j).GetBool("files_pruned") {
			t.Errorf("job %s lost files", j.GetString("short_id"))
		}
	}
	if msg, _ := schedule.Prune(app, now); msg != "0 jobs pruned (0 files deleted)" {
		t.Errorf("second run: %s", msg)
	}
}

// The slicers' sanitized copy of a student's model (made when staff open the
// model) is one of the job's files: pruning deletes it with the others, and
// leaves the copies of jobs not yet due.
func TestPruneDeletesTheSlicersSanitizedCopy(t *testing.T) {
	app, fx := newApp(t)
	setLab(t, app, map[string]any{"prune_days": 365})
	now := time.Now().UTC()
	var cube bytes.Buffer
	if err := model3d.Write3MF(&cube, testmesh.Cube(20), "cube"); err != nil {
		t.Fatal(err)
	}
	cached := func(j *core.Record) []string {
		paths, _ := filepath.Glob(filepath.Join(app.DataDir(), desk.CacheDirName, "sanitized", j.Id+"-*.3mf"))
		return paths
	}
	opened := func(archivedAt time.Time) *core.Record {
		n := seq.Add(1)
		model, _ := filesystem.NewFileFromBytes(cube.Bytes(), fmt.Sprintf("JaneDoe_Filament_Blue_P%05d.3mf", n))
		j := newJob(t, app, fx, map[string]any{"status": string(schema.StatusArchived), "archived_at": archivedAt,
			"model": model, "display_name": model.Name, "sha256": fmt.Sprintf("%064d", n)})
		// Staff open the model in a slicer: the server caches a sanitized copy.
		req := httptest.NewRequest("POST", "/api/printlab/jobs/"+j.Id+"/links", strings.NewReader(`{"file":"model"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", testapp.Token(t, fx.Workstation))
		if rec := testapp.Do(t, app, req); rec.Code != 200 || len(cached(j)) != 1 {
			t.Fatalf("opening the model: %d %s, cached %v", rec.Code, rec.Body, cached(j))
		}
		return j
	}
	old, recent := opened(now.AddDate(0, 0, -400)), opened(now.AddDate(0, 0, -100))

	if msg, err := schedule.Prune(app, now); err != nil || msg != "1 jobs pruned (1 files deleted)" {
		t.Fatalf("%s %v", msg, err)
	}
	if left := cached(old); len(left) != 0 {
		t.Errorf("the pruned job's sanitized copy is still on disk: %v", left)
	}
	if len(cached(recent)) != 1 {
		t.Error("a job not yet due lost its sanitized copy")
	}
}

func TestArchiveSelection(t *testing.T) {
	app, fx := newApp(t)
	setLab(t, app, map[string]any{"archive_days": 45})
	now := time.Now().UTC()
	old, recent := now.AddDate(0, 0, -46), now.AddDate(0, 0, -44)
	job := func(s schema.Status, changed time.Time) *core.Record {
		return newJob(t, app, fx, map[string]any{"status": string(s), "status_changed": changed})
	}
	want := []*core.Record{job(schema.StatusRejected, old), job(schema.StatusCancelled, old), job(schema.StatusPickedUp, old)}
	job(schema.StatusPickedUp, recent)
	job(schema.StatusCompleted, old)
	job(schema.StatusArchived, old)
	job(schema.StatusUploaded, old)
	job(schema.StatusPending, old)

	var got []string
	opts := schedule.Options{Archive: func(app core.App, id, from string, at time.Time) error {
		got = append(got, id+":"+from)
		if !at.Equal(now) {
			t.Errorf("archive called with %v", at)
		}
		if from == string(schema.StatusCancelled) {
			return errors.New("engine refused")
		}
		return nil
	}}
	msg, err := schedule.RunJob(app, schedule.Job{Name: "archive", Run: opts.ArchiveJob()}, now)
	var wantIDs []string
	for _, j := range want {
		wantIDs = append(wantIDs, j.Id+":"+j.GetString("status"))
	}
	slices.Sort(got)
	slices.Sort(wantIDs)
	if !slices.Equal(got, wantIDs) {
		t.Errorf("archived %v, want %v", got, wantIDs)
	}
	if msg != "2 jobs archived" || err == nil || !strings.Contains(err.Error(), "engine refused") {
		t.Errorf("%q %v", msg, err)
	}
	run, _ := app.FindFirstRecordByData(schema.CronRuns, "name", "archive")
	if run == nil || run.GetBool("ok") || !strings.Contains(run.GetString("message"), "engine refused") {
		t.Error("a partly failed archive run must be recorded as failed")
	}

	if _, err := schedule.RunJob(app, schedule.Job{Name: "archive", Run: schedule.Options{}.ArchiveJob()}, now); !errors.Is(err, schedule.ErrNoArchive) {
		t.Errorf("without the engine: %v", err)
	}
}

func TestRunJobRecordsRunsAndRecoversPanics(t *testing.T) {
	app, _ := newApp(t)
	now := time.Now()
	boom := schedule.Job{Name: "boom", Run: func(core.App, time.Time) (string, error) { panic("nil map") }}
	if _, err := schedule.RunJob(app, boom, now); err == nil || !strings.Contains(err.Error(), "panic: nil map") {
		t.Fatalf("err %v", err)
	}
	ok := schedule.Job{Name: "boom", Run: func(core.App, time.Time) (string, error) { return "fine", nil }}
	schedule.RunJob(app, ok, now)
	schedule.RunJob(app, schedule.Job{Name: "outbox", Run: mail.Sweep}, now)

	run, err := app.FindFirstRecordByData(schema.CronRuns, "name", "boom")
	if err != nil || run.GetInt("runs") != 2 || !run.GetBool("ok") || run.GetString("message") != "fine" {
		t.Fatalf("cron_runs row %v %v", run, err)
	}
	name, value, healthy := schedule.Health(app)
	parts := value.(map[string]any)
	if name != "scheduler" || !healthy || len(parts) != 2 || parts["outbox"].(map[string]any)["message"] != "0 sent, 0 saved as files, 0 to retry, 0 failed" {
		t.Errorf("health %s %v %v", name, value, healthy)
	}
	schedule.RunJob(app, boom, now)
	if _, _, healthy := schedule.Health(app); healthy {
		t.Error("health must degrade after a panicking run")
	}
}

// Every run lands in PocketBase's logs (admin UI › Logs), not only the last one
// in cron_runs: Info for a run that worked, Error for one that failed.
func TestEachRunIsLogged(t *testing.T) {
	app, _ := newApp(t)
	// tests.TestApp turns PocketBase's logs off (maxDays 0); a lab keeps them 5 days.
	app.Settings().Logs.MaxDays = 5
	now := time.Now()
	tidy := schedule.Job{Name: "tidy", Run: func(core.App, time.Time) (string, error) { return "3 things tidied", nil }}
	broken := schedule.Job{Name: "broken", Run: func(core.App, time.Time) (string, error) { return "1 done", errors.New("disk full") }}
	schedule.RunJob(app, tidy, now)
	schedule.RunJob(app, tidy, now)
	schedule.RunJob(app, broken, now)

	// PocketBase writes logs in batches (every 3 s or 200 entries); flush the
	// batch as it does on shutdown, then read the _logs table back.
	h, ok := app.Logger().Handler().(*logger.BatchHandler)
	if !ok {
		t.Fatalf("the app's log handler is a %T", app.Logger().Handler())
	}
	if err := h.WriteAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	var logs []*core.Log
	if err := app.LogQuery().Where(dbx.Like("message", "schedule: ")).OrderBy("rowid").All(&logs); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range logs {
		if l.Data["duration"] == nil {
			t.Errorf("%q carries no duration: %v", l.Message, l.Data)
		}
		got = append(got, fmt.Sprintf("%d %s job=%v ok=%v message=%v error=%v", l.Level, l.Message,
			l.Data["job"], l.Data["ok"], l.Data["message"], l.Data["error"]))
	}
	want := []string{
		"0 schedule: tidy ran job=tidy ok=true message=3 things tidied error=<nil>",
		"0 schedule: tidy ran job=tidy ok=true message=3 things tidied error=<nil>",
		"8 schedule: broken failed job=broken ok=false message=1 done error=disk full",
	}
	if !slices.Equal(got, want) {
		t.Errorf("logged\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The real cron accepts every spec in the lab's zone and stops cleanly.
func TestSchedulerStartsInLabZone(t *testing.T) {
	app, _ := newApp(t)
	s := schedule.New(app, schedule.Options{})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if s.Zone().String() != "America/Chicago" || s.EntryCount() != len(schedule.Jobs(schedule.Options{})) {
		t.Errorf("zone %s, %d entries", s.Zone(), s.EntryCount())
	}
	s.Stop()
	if s.Running() {
		t.Error("still running")
	}
}
