package intake

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"printlab/hooks/pace"
	"printlab/hooks/stmts"
	"printlab/model3d"
	"printlab/schema"
)

// SidecarName is the file beside a job's files that holds its data and history
// (SPEC §4), so that the storage folder alone is enough to rebuild the job.
const SidecarName = "job.json"

// ThumbSize is the edge of the rendered thumbnail in pixels.
const ThumbSize = 512

// sidecarDelay gathers the job save and the event rows of one transition (and
// bursts of transitions) into one rewrite.
const sidecarDelay = 150 * time.Millisecond

// afterwork runs what happens after a commit, off the request and outside any
// transaction: thumbnails and sidecars. Terminate waits for it to finish.
type afterwork struct {
	mu      sync.Mutex
	pending map[string]*pendingSidecar // job id → scheduled sidecar rewrite
	closed  bool
	wg      sync.WaitGroup
	stop    context.Context // ends at close: rewrites waiting for a quiet desk go at once
	cancel  context.CancelFunc

	moved      map[string]int // job → when it entered or left a queue (queueSeq), since the last round (queue.go)
	queueSeq   int
	queueTimer *time.Timer
}

// pendingSidecar is a scheduled rewrite and, when the job's creation scheduled
// it, the job as committed (saving a read of the job). A move or an event
// leaves job nil: the rewrite reads the job as it then is, so a move pays
// for no copy of its job (a copy was a fortieth of a move's CPU). Once its
// timer fired it stays pending until written, so that one job's rewrites never
// run side by side (an older copy could land last).
type pendingSidecar struct {
	timer *time.Timer
	job   *core.Record
	fired bool // waiting for a quiet desk or writing
	again bool // saved again since it started: write once more
}

func newAfterwork() *afterwork {
	ctx, cancel := context.WithCancel(context.Background())
	return &afterwork{pending: map[string]*pendingSidecar{}, stop: ctx, cancel: cancel}
}

// run starts fn in the background unless the app is shutting down, and
// reports whether it did.
func (a *afterwork) run(fn func()) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		fn()
	}()
	return true
}

// close stops accepting work, runs pending sidecar rewrites now and waits.
func (a *afterwork) close(app core.App) {
	a.mu.Lock()
	a.closed = true
	ids := make([]string, 0, len(a.pending))
	for id, p := range a.pending {
		if !p.fired { // a fired rewrite finishes on its own, without waiting
			p.timer.Stop()
			ids = append(ids, id)
		}
	}
	a.pending = map[string]*pendingSidecar{}
	a.mu.Unlock()
	a.cancel()
	a.wg.Wait()
	for _, id := range ids {
		writeSidecarLogged(app, id, nil)
	}
}

// thumbnail renders the job's thumbnail from the parsed mesh, in the colour the
// student chose, and stores it in the job's thumbnail field (which rewrites the
// sidecar and tells the status page through the update hooks).
// The parse budget's held bytes are released once the mesh is no longer needed;
// after a large model the memory is handed back to the OS at once rather than
// kept as heap headroom.
func (a *afterwork) thumbnail(app core.App, jobID, color string, mesh *model3d.Mesh, b *budget, held int64) {
	done := func() {
		if held > 0 {
			b.release(held)
		}
		if held >= 16<<20 {
			debug.FreeOSMemory()
		}
	}
	if mesh == nil {
		done()
		return
	}
	ok := a.run(func() {
		defer done()
		err := storeThumbnail(app, jobID, color, mesh)
		mesh = nil
		if err != nil {
			app.Logger().Error("printlab: thumbnail", "job", jobID, "error", err)
		}
	})
	if !ok {
		done()
	}
}

func storeThumbnail(app core.App, jobID, color string, mesh *model3d.Mesh) error {
	var buf bytes.Buffer
	opt := model3d.RenderOptions{Color: model3d.ColorFor(color)}
	if err := model3d.ThumbnailWith(&buf, mesh, ThumbSize, opt); err != nil {
		return err
	}
	// Reload and save inside one (immediate) transaction, so a staff action
	// committed meanwhile is not overwritten by this record's older copy.
	return app.RunInTransaction(func(tx core.App) error {
		job, err := tx.FindRecordById(schema.Jobs, jobID)
		if err != nil {
			return err
		}
		if job.GetString("color") != color {
			return nil // the colour changed meanwhile: its own render follows
		}
		name := strings.TrimSuffix(job.GetString("display_name"), extOf(job.GetString("display_name"))) + "_thumb.png"
		f, err := filesystem.NewFileFromBytes(buf.Bytes(), name)
		if err != nil {
			return err
		}
		f.Name = name
		job.Set("thumbnail", f)
		return tx.Save(job)
	})
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

// sidecar schedules a rewrite of the job's job.json; rewrites within
// sidecarDelay of each other collapse into one. job is the job as its creation
// committed it, or nil to read the job when writing.
func (a *afterwork) sidecar(app core.App, jobID string, job *core.Record) {
	if job != nil {
		job = job.Clone()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	if p, ok := a.pending[jobID]; ok {
		p.job = job // nil: read the job as it is when written
		if p.fired {
			p.again = true
		} else {
			p.timer.Reset(sidecarDelay)
		}
		return
	}
	p := &pendingSidecar{job: job}
	a.pending[jobID] = p
	p.timer = time.AfterFunc(sidecarDelay, func() {
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			return
		}
		p.fired = true
		a.wg.Add(1)
		a.mu.Unlock()
		defer a.wg.Done()
		// Staff moves come first: during a burst the rewrite waits for a
		// quiet desk, for at most pace.MaxHold.
		pace.For(app).Wait(a.stop, pace.MaxHold)
		for {
			a.mu.Lock()
			job := p.job
			p.again = false
			a.mu.Unlock()
			writeSidecarLogged(app, jobID, job)
			a.mu.Lock()
			if !p.again {
				if a.pending[jobID] == p {
					delete(a.pending, jobID)
				}
				a.mu.Unlock()
				return
			}
			a.mu.Unlock()
		}
	})
}

func writeSidecarLogged(app core.App, jobID string, job *core.Record) {
	err := writeSidecar(app, jobID, job)
	if job == nil && errors.Is(err, sql.ErrNoRows) {
		return // the job was deleted since: nothing to describe
	}
	if err != nil {
		app.Logger().Error("printlab: job.json sidecar", "job", jobID, "error", err)
	}
}

// secretDetails are event details that must not leave the database.
var secretDetails = []string{"token_hash", "key", "token"}

// sidecar returns the job.json content for a job: its fields (hidden ones, the
// link secrets, left out) and its events in order. job is the job as committed,
// or nil to read it.
func sidecar(app core.App, jobID string, job *core.Record) ([]byte, error) {
	if job == nil {
		var err error
		if job, err = app.FindRecordById(schema.Jobs, jobID); err != nil {
			return nil, err
		}
	}
	events, err := sidecarEvents(app, jobID)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(map[string]any{
		"format":  "printlab-job/1",
		"written": time.Now().UTC(),
		"job":     publicFields(job),
		"events":  events,
	}, "", "  ")
}

// publicFields is the job's export without its hidden fields (the link
// secrets), whoever's view of the record it is: a superuser's save carries a
// record that shows them every field.
func publicFields(job *core.Record) map[string]any {
	out := job.PublicExport()
	for _, f := range job.Collection().Fields {
		if f.GetHidden() {
			delete(out, f.GetName())
		}
	}
	return out
}

// sidecarEvent is one event as job.json holds it: the fields of PocketBase's
// export of the record, in its (alphabetical) order.
type sidecarEvent struct {
	Actor          string          `json:"actor"`
	CollectionID   string          `json:"collectionId"`
	CollectionName string          `json:"collectionName"`
	Created        string          `json:"created"`
	Details        json.RawMessage `json:"details"`
	FromStatus     string          `json:"from_status"`
	ID             string          `json:"id"`
	Job            string          `json:"job"`
	Staff          string          `json:"staff"`
	ToStatus       string          `json:"to_status"`
	Type           string          `json:"type"`
	Updated        string          `json:"updated"`
	Workstation    string          `json:"workstation"`
}

// sidecarEvents reads a job's events in order through a prepared statement
// (a job.json is rewritten after every move, so this runs as often as moves).
func sidecarEvents(app core.App, jobID string) ([]sidecarEvent, error) {
	col, err := app.FindCachedCollectionByNameOrId(schema.Events)
	if err != nil {
		return nil, err
	}
	rows, err := stmts.Query(app, `SELECT id, job, type, staff, workstation, actor, from_status, to_status,
		details, created, updated FROM events WHERE job = ? ORDER BY created ASC, rowid ASC`, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	events := []sidecarEvent{}
	for rows.Next() {
		e := sidecarEvent{CollectionID: col.Id, CollectionName: col.Name}
		var staff, ws, actor, from, to, details, created, updated sql.NullString
		if err := rows.Scan(&e.ID, &e.Job, &e.Type, &staff, &ws, &actor, &from, &to, &details, &created, &updated); err != nil {
			return nil, err
		}
		e.Staff, e.Workstation, e.Actor, e.FromStatus, e.ToStatus = staff.String, ws.String, actor.String, from.String, to.String
		e.Created, e.Updated = created.String, updated.String
		e.Details = publicDetails(details.String)
		events = append(events, e)
	}
	return events, rows.Err()
}

// publicDetails is an event's details without the link secrets; details that
// are not a JSON object are kept as they are, and missing ones are null.
func publicDetails(raw string) json.RawMessage {
	if raw == "" || !json.Valid([]byte(raw)) {
		return json.RawMessage("null")
	}
	if !strings.Contains(raw, `"token`) && !strings.Contains(raw, `"key"`) {
		return json.RawMessage(raw)
	}
	var details map[string]any
	if json.Unmarshal([]byte(raw), &details) != nil || details == nil {
		return json.RawMessage(raw)
	}
	for _, k := range secretDetails {
		delete(details, k)
	}
	b, err := json.Marshal(details)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

// WriteSidecar (re)writes a job's job.json beside its files. On local storage
// it writes the file directly (write to a temp file, then rename: a reader never
// sees half a file), which costs a fraction of the blob layer's temp files and
// attribute files; with S3 it goes through PocketBase's filesystem.
func WriteSidecar(app core.App, jobID string) error {
	return writeSidecar(app, jobID, nil)
}

func writeSidecar(app core.App, jobID string, job *core.Record) error {
	b, err := sidecar(app, jobID, job)
	if err != nil {
		return err
	}
	col, err := app.FindCachedCollectionByNameOrId(schema.Jobs)
	if err != nil {
		return err
	}
	key := col.Id + "/" + jobID + "/" + SidecarName
	if !app.Settings().S3.Enabled {
		path := filepath.Join(app.DataDir(), "storage", filepath.FromSlash(key))
		tmp := path + ".tmp"
		err := os.WriteFile(tmp, b, 0o644)
		if errors.Is(err, fs.ErrNotExist) { // the job's first file: make its folder
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			err = os.WriteFile(tmp, b, 0o644)
		}
		if err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		return err
	}
	defer fsys.Close()
	return fsys.Upload(b, key)
}
