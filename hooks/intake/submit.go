package intake

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/ozzo-validation/v4/is"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"printlab/hooks/jobs"
	"printlab/hooks/settings"
	"printlab/model3d"
	"printlab/schema"
)

// attemptFactor bounds all submit attempts per IP (refused ones included) at
// this multiple of the lab's accepted-submissions limit, so that a student
// fixing a form is never blocked while a script uploading junk is.
const attemptFactor = 5

// submitter holds the state the submit route keeps between requests.
type submitter struct {
	accepted *window // accepted submissions per IP (settings.SubmitsPerIPHour)
	attempts *window // every attempt per IP
	after    *afterwork
	parsing  *budget
	// inflight holds email+hash of submissions between the duplicate check
	// and their commit, so two identical uploads at once cannot both pass.
	inflight sync.Map
	// now is the clock; tests replace it.
	now func() time.Time
}

// form is the validated submission.
type form struct {
	first, last, email, discipline, course, method, color string
	material, printer                                     *core.Record
}

// submit handles POST /api/printlab/submit (SPEC §12): read and cap the body,
// validate every field and parse the model before anything touches the
// database, then create the job through the engine. Whatever fails, the temp
// file is removed and no job or stored file is left behind.
func (s *submitter) submit(e *core.RequestEvent) error {
	now := s.now()
	lab, err := settings.Load(e.App)
	if err != nil {
		return jobs.Respond(e, err)
	}
	ip := e.RealIP()
	if ok, until := s.accepted.allow(ip, lab.SubmitsPerIPHour, now); !ok {
		return jobs.Respond(e, rateLimited(lab, until, "You have sent the most requests we accept from one network in an hour."))
	}
	// The accepted counter is only kept for a job that was created.
	created := false
	defer func() {
		if !created {
			s.accepted.forget(ip)
		}
	}()
	if limit := lab.SubmitsPerIPHour * attemptFactor; limit > 0 {
		if ok, until := s.attempts.allow(ip, max(limit, 20), now); !ok {
			return jobs.Respond(e, rateLimited(lab, until, "Too many upload attempts came from your network in the last hour."))
		}
	}

	up, err := readUpload(e.Request, lab.MaxUploadBytes())
	defer up.remove()
	if err != nil {
		return jobs.Respond(e, err)
	}
	if up.tooLarge {
		return jobs.Respond(e, tooLarge(lab))
	}

	f, fieldErrs := validate(e.App, lab, up.fields)
	var held int64 // bytes of the parse budget this request holds
	var mesh *model3d.Mesh
	var stats model3d.Stats
	original := cleanName(up.name)
	switch {
	case up.path == "":
		fieldErrs["model"] = "Choose your model file (.stl, .obj or .3mf)."
	case unsafeName(up.name):
		fieldErrs["model"] = "The file name contains a folder path or invisible characters: rename the file to a plain name (letters, digits, dashes) and choose it again."
	default:
		if _, ok := model3d.FormatOf(original); !ok {
			if ext := filepath.Ext(original); ext == "" {
				fieldErrs["model"] = "This file has no type at the end of its name (like .stl): please upload an .stl, .obj or .3mf file."
			} else {
				fieldErrs["model"] = fmt.Sprintf("%q is not a file type we can print from: please upload an .stl, .obj or .3mf file.", ext)
			}
			break
		}
		lim := model3d.DefaultLimits()
		lim.MaxBytes = lab.MaxUploadBytes()
		// Held until the thumbnail is rendered (or the request fails): the mesh lives that long.
		held = s.parsing.acquire(up.size)
		defer func() {
			if held > 0 {
				s.parsing.release(held)
			}
		}()
		mesh, err = parseModel(up.path, up.size, original, lim)
		if err != nil {
			var me *model3d.Error
			if !errors.As(err, &me) {
				return jobs.Respond(e, err)
			}
			fieldErrs["model"] = me.Message
			break
		}
		// For a large model, collect the parser's garbage before the analysis
		// allocates its edge tables (halved by the low-memory analysis), and
		// those tables before the thumbnail renderer allocates, so none of them
		// stack up in the server's peak memory. Cheap: the live mesh holds no
		// pointers to trace.
		large := mesh.TriangleCount() >= 250000
		if large {
			runtime.GC()
		}
		stats = model3d.AnalyzeLowMemory(mesh)
		if large {
			runtime.GC()
		}
	}
	if len(fieldErrs) > 0 {
		return jobs.Respond(e, invalid(fieldErrs))
	}

	dupKey := strings.ToLower(f.email) + "\x00" + up.sha256
	if _, busy := s.inflight.LoadOrStore(dupKey, true); busy {
		msg := "This same file is being sent from your email address right now: wait for that upload to finish, then follow it through its email."
		return jobs.Respond(e, &jobs.Error{Status: http.StatusConflict, Code: "duplicate", Message: msg,
			Fields: map[string]string{"model": msg}})
	}
	defer s.inflight.Delete(dupKey)
	if short, status, err := duplicateOf(e.App, f.email, up.sha256); err != nil {
		return jobs.Respond(e, err)
	} else if short != "" {
		return jobs.Respond(e, duplicate(lab, short, status))
	}

	job, link, err := s.create(e.App, lab, f, up, original, stats, now)
	if err != nil {
		return jobs.Respond(e, err)
	}
	created = true
	s.after.thumbnail(e.App, job.Id, job.GetString("color"), mesh, s.parsing, held)
	held = 0
	return e.JSON(http.StatusCreated, map[string]any{
		"id": job.Id, "short_id": job.GetString("short_id"), "status_url": link,
	})
}

// create stores the job and its model through jobs.Submit. The record's id is
// chosen here so that a failure anywhere in the transaction can remove the
// record's storage folder too: PocketBase cleans up files of a failed save, and
// this is the belt to those braces.
func (s *submitter) create(app core.App, lab settings.Lab, f *form, up *upload, original string, stats model3d.Stats, now time.Time) (*core.Record, string, error) {
	col, err := app.FindCachedCollectionByNameOrId(schema.Jobs)
	if err != nil {
		return nil, "", err
	}
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(original), "."))
	file, err := filesystem.NewFileFromPath(up.path)
	if err != nil {
		return nil, "", err
	}
	file.OriginalName = original

	fits := []string{}
	printers, err := app.FindRecordsByFilter(schema.Printers, "active = true", "sort,name", 0, 0)
	if err != nil {
		return nil, "", err
	}
	for _, p := range printers {
		if model3d.FitsIn(stats, model3d.Volume{X: p.GetFloat("build_x"), Y: p.GetFloat("build_y"), Z: p.GetFloat("build_z")}) {
			fits = append(fits, p.Id)
		}
	}
	grams := model3d.EstimateGrams(stats.VolumeMM3, f.material.GetFloat("density"), lab.EstimateFill)
	statsJSON := map[string]any{
		"triangles": stats.Triangles, "size_mm": stats.SizeMM, "min_mm": stats.MinMM, "max_mm": stats.MaxMM,
		"volume_mm3": stats.VolumeMM3, "area_mm2": stats.AreaMM2, "closed": stats.Closed,
		"open_edges": stats.OpenEdges, "degenerate": stats.Degenerate, "inverted": stats.Inverted,
		"units_warning": stats.UnitsWarning, "units_advice": model3d.UnitsAdvice(stats),
		"fits": fits, "estimate_grams": math.Round(grams*10) / 10,
	}

	job := core.NewRecord(col)
	job.Id = core.GenerateDefaultRandomId()
	job.Load(map[string]any{
		"first_name": f.first, "last_name": f.last, "email": f.email, "discipline": f.discipline,
		"course": f.course, "method": f.method, "material": f.material.Id, "color": f.color,
		"printer": f.printer.Id, "ack_min_charge": true, "ack_mm": true,
		"original_name": original, "sha256": up.sha256, "model_stats": statsJSON,
		"estimate_cents": EstimateCents(grams, f.material.GetInt("cents_per_gram"), lab.MinChargeCents),
	})
	job.Set("model", file)
	out, link, err := jobs.Submit(app, job, ext, now)
	if err != nil {
		removeRecordDir(app, col.Id, job.Id)
		return nil, "", err
	}
	return out, link, nil
}

// EstimateCents is the instant estimate of SPEC §3: the estimated grams at the
// material's rate, rounded half up, never below the minimum charge.
func EstimateCents(grams float64, centsPerGram, minCharge int) int {
	c := int(math.Floor(grams*float64(centsPerGram) + 0.5))
	return max(c, minCharge)
}

// removeRecordDir deletes a job's storage folder when no job row owns it.
func removeRecordDir(app core.App, colID, id string) {
	if _, err := app.FindRecordById(schema.Jobs, id); err == nil {
		return
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		app.Logger().Error("printlab: cleanup after a failed submit", "job", id, "error", err)
		return
	}
	defer fsys.Close()
	if errs := fsys.DeletePrefix(colID + "/" + id + "/"); len(errs) > 0 {
		app.Logger().Error("printlab: cleanup after a failed submit", "job", id, "errors", errs)
	}
}

// duplicateOf returns the short id and status of an open job with the same
// file from the same email (SPEC §4), or "".
func duplicateOf(app core.App, email, sha string) (shortID string, status schema.Status, err error) {
	var row struct {
		ShortID string `db:"short_id"`
		Status  string `db:"status"`
	}
	err = app.DB().Select("short_id", "status").From(schema.Jobs).
		Where(dbx.HashExp{"sha256": sha}).
		AndWhere(dbx.NewExp("lower(email) = lower({:email})", dbx.Params{"email": email})).
		AndWhere(dbx.In("status", string(schema.StatusUploaded), string(schema.StatusPending), string(schema.StatusReadyToPrint))).
		OrderBy("created").Limit(1).One(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return row.ShortID, schema.Status(row.Status), err
}

// duplicate refuses a file the same student already sent (SPEC §4). The
// answer never carries the earlier job's private status link: whoever knows a
// student's email and has the same file would get it. It names the request,
// and while that request waits for confirmation it links (resend_url) to the
// public page that emails the student a new link; in the other open statuses
// that page could send nothing, so there is no link.
func duplicate(lab settings.Lab, short string, status schema.Status) *jobs.Error {
	msg := fmt.Sprintf("You already sent this same file as request %s, which is still open. Follow that request through the link in its email", short)
	var extra map[string]any
	if status == schema.StatusPending {
		url := jobs.ResendURL(lab.PublicURL, short)
		msg += fmt.Sprintf(" (no longer have it? Get a new link at %s)", url)
		extra = map[string]any{"resend_url": url}
	}
	msg += "; if you meant to send a changed model, save it again and upload the new file."
	return &jobs.Error{Status: http.StatusConflict, Code: "duplicate", Message: msg,
		Fields: map[string]string{"model": msg}, Extra: extra}
}

func rateLimited(lab settings.Lab, until time.Time, why string) *jobs.Error {
	return &jobs.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: fmt.Sprintf(
		"%s Please try again after %s, or ask the lab if you need to send more.", why, until.In(lab.Location()).Format("15:04"))}
}

func invalid(fields map[string]string) *jobs.Error {
	msg := "Please correct the highlighted field."
	if len(fields) > 1 {
		msg = fmt.Sprintf("Please correct the %d highlighted fields.", len(fields))
	}
	return &jobs.Error{Status: http.StatusBadRequest, Code: "invalid", Message: msg, Fields: fields}
}

// validate checks every field of the form again on the server (SPEC §5) and
// returns the form and per-field messages (empty when all is well).
func validate(app core.App, lab settings.Lab, in map[string]string) (*form, map[string]string) {
	errs := map[string]string{}
	f := &form{}
	name := func(field, label string) string {
		v := strings.TrimSpace(in[field])
		switch n := utf8.RuneCountInString(v); {
		case !utf8.ValidString(v) || hasControl(v):
			errs[field] = label + " contains characters we can't use; please type it again."
		case n == 0:
			errs[field] = "Enter your " + strings.ToLower(label) + "."
		case n > 60:
			errs[field] = label + " is too long: at most 60 characters."
		}
		return v
	}
	f.first = name("first_name", "First name")
	f.last = name("last_name", "Last name")

	f.email = strings.TrimSpace(in["email"])
	if f.email == "" {
		errs["email"] = "Enter your email address: we send your quote and updates there."
	} else if !validEmail(f.email) {
		errs["email"] = "This doesn't look like an email address (for example jane@university.edu)."
	}

	f.discipline = strings.TrimSpace(in["discipline"])
	if !slices.Contains(lab.Disciplines, f.discipline) {
		errs["discipline"] = "Choose your discipline from the list."
	}

	f.course = strings.TrimSpace(in["course"])
	switch n := utf8.RuneCountInString(f.course); {
	case strings.EqualFold(f.course, "n/a"):
		f.course = "N/A"
	case n == 0:
		errs["course"] = "Enter your class or course number, or N/A if it is not for a class."
	case n > 40 || hasControl(f.course) || !utf8.ValidString(f.course):
		errs["course"] = "Enter the course number only (at most 40 characters), for example ARCH 201, or N/A."
	}

	f.method = strings.TrimSpace(in["method"])
	if !slices.Contains(schema.Methods, f.method) {
		errs["method"] = "Choose a print method: filament or resin."
		f.method = ""
	}

	if id := strings.TrimSpace(in["material"]); id == "" {
		errs["material"] = "Choose a material."
	} else if m, err := app.FindRecordById(schema.Materials, id); err != nil || !m.GetBool("active") {
		errs["material"] = "This material is not offered any more; please choose another."
	} else if f.method != "" && m.GetString("method") != f.method {
		errs["material"] = "This material is not used for " + f.method + " prints; please choose another."
	} else {
		f.material = m
	}

	f.color = strings.TrimSpace(in["color"])
	if f.material != nil {
		var colors []string
		_ = f.material.UnmarshalJSONField("colors", &colors)
		if f.color == "" {
			errs["color"] = "Choose a colour."
		} else if !slices.Contains(colors, f.color) {
			errs["color"] = "This colour is not available for " + f.material.GetString("name") + "; please choose one from the list."
		}
	} else if f.color == "" {
		errs["color"] = "Choose a colour."
	}

	if id := strings.TrimSpace(in["printer"]); id == "" {
		errs["printer"] = "Choose a printer."
	} else if p, err := app.FindRecordById(schema.Printers, id); err != nil || !p.GetBool("active") {
		errs["printer"] = "This printer is not available any more; please choose another."
	} else if f.method != "" && p.GetString("method") != f.method {
		errs["printer"] = "This printer does not print " + f.method + "; please choose another."
	} else {
		f.printer = p
	}

	if in["ack_min_charge"] != "true" {
		errs["ack_min_charge"] = fmt.Sprintf("Please confirm that you understand the minimum charge of %s.", money(lab.MinChargeCents))
	}
	if in["ack_mm"] != "true" {
		errs["ack_mm"] = "Please confirm that your model is in millimetres."
	}
	return f, errs
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0
}

// validEmail accepts one plain address (no display name, no angle brackets),
// with a dot in the domain, at most 254 characters.
func validEmail(s string) bool {
	if len(s) > 254 || hasControl(s) || strings.ContainsAny(s, " <>,;\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	// The job's email field checks with PocketBase's rule (which refuses
	// a@[1.2.3.4] or a@-b.c that net/mail takes); an address it refuses here
	// would fail the save as a 500. 64 bytes is SMTP's limit for the local part.
	return at > 0 && at <= 64 && strings.Contains(s[at+1:], ".") && !strings.HasSuffix(s, ".") &&
		is.EmailFormat.Validate(s) == nil
}

func money(cents int) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }

func itoa(n int) string { return fmt.Sprint(n) }

// parseModel parses the temp file as the format the student's file name says.
func parseModel(path string, size int64, name string, lim model3d.Limits) (*model3d.Mesh, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return model3d.Parse(f, size, name, lim)
}
