package desk

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/security"

	"printlab/hooks/jobs"
	"printlab/hooks/settings"
	"printlab/internal/formread"
	"printlab/model3d"
	"printlab/schema"
)

// SlicedExts are the sliced-file types staff may attach as a job's print file
// (SPEC §4). Only G-code and sliced 3MF carry an estimate PrintLab can read; the
// others are stored as they are.
var SlicedExts = []string{".3mf", ".gcode", ".gco", ".g", ".bgcode", ".form", ".idea"}

// refusedCodes are the reader's findings that mean the file is not what its
// name says, or is hostile (a zip bomb served to a slicer later): the upload
// is refused. Other findings only mean no estimate could be read.
var refusedCodes = []string{model3d.CodeWrongType, model3d.CodeNotAZip, model3d.CodeZipBomb,
	model3d.CodeTooManyEntries, model3d.CodeUnsafeName, model3d.CodeEmpty}

// printFileBodyLimit bounds the whole multipart request before the handler sees
// it; the handler applies the lab's own, usually smaller, cap while streaming.
const printFileBodyLimit = 200 << 20

// registerFiles binds the dashboard's routes beside the actions: the print-file
// upload, the email resend and the workstation names.
func registerFiles(se *core.ServeEvent) {
	ws := apis.RequireAuth(schema.Workstations)
	se.Router.POST("/api/printlab/jobs/{id}/print-file", printFile).
		Bind(ws, apis.BodyLimit(printFileBodyLimit))
	se.Router.POST("/api/printlab/emails/{id}/resend", resendEmail).Bind(ws)
	se.Router.GET("/api/printlab/desk/names", workstationNames).Bind(ws)
}

// Estimate is the print_estimate stored on the job and answered to the
// dashboard: the slicer's numbers, or None when the file carries none.
type Estimate struct {
	Grams         float64 `json:"grams,omitempty"`
	Seconds       int     `json:"seconds,omitempty"`
	Slicer        string  `json:"slicer,omitempty"`
	SlicerVersion string  `json:"slicer_version,omitempty"`
	None          bool    `json:"none,omitempty"`
	Message       string  `json:"message,omitempty"`
}

// upload is a print file streamed to a temp file.
type upload struct {
	path, name, sha string
	size            int64
	staff, expected string
}

func (u *upload) remove() {
	if u.path != "" {
		os.Remove(u.path)
	}
}

// printFile stores a staff member's sliced file as the job's print file. The
// file is streamed to disk (never held in memory, never parsed while the
// database's writer is held) and hashed on the way; only the final record save
// runs in the transaction.
func printFile(e *core.RequestEvent) error {
	lab, err := settings.Load(e.App)
	if err != nil {
		return jobs.Respond(e, err)
	}
	limit := lab.MaxUploadBytes() * 4
	if limit <= 0 || limit > printFileBodyLimit {
		limit = printFileBodyLimit
	}
	up, err := readPrintUpload(e.Request, limit)
	defer up.remove()
	if err != nil {
		return jobs.Respond(e, err)
	}

	est := Estimate{None: true}
	f, err := os.Open(up.path)
	if err != nil {
		return jobs.Respond(e, err)
	}
	got, rerr := model3d.ReadSliced(f, up.size, up.name)
	f.Close()
	switch {
	case rerr == nil:
		est = Estimate{Grams: got.Grams, Seconds: got.Seconds, Slicer: got.Slicer, SlicerVersion: got.SlicerVersion}
	case errors.Is(rerr, model3d.ErrNoEstimate):
		est.Message = "The file carries no estimate PrintLab can read; enter grams and hours from the slicer."
	default:
		var me *model3d.Error
		if errors.As(rerr, &me) && slices.Contains(refusedCodes, me.Code) {
			return jobs.Respond(e, fileError(me.Message))
		}
		// A .form or .idea file, or a slicer's format we do not read: keep the file,
		// say there is no estimate.
		est.Message = "PrintLab could not read an estimate from this file (" + rerr.Error() + "); enter grams and hours from the slicer."
	}

	var job *core.Record
	err = e.App.RunInTransaction(func(tx core.App) error {
		j, err := tx.FindRecordById(schema.Jobs, e.Request.PathValue("id"))
		if err != nil {
			return &jobs.Error{Status: http.StatusNotFound, Code: "not_found", Message: "There is no such job; it may have been mistyped."}
		}
		// Attaching a file names its staff member, even though a claim need not.
		if _, err := jobs.ActiveStaff(tx, up.staff); err != nil {
			return err
		}
		// Answer for the job's status before borrowing the claim move, whose
		// own refusal ("cannot be claimed") would not say what is wrong.
		if st := schema.Status(j.GetString("status")); st == schema.Status(up.expected) && !slices.Contains(sliceable, st) {
			return &jobs.Error{Status: http.StatusConflict, Code: "conflict",
				Message: fmt.Sprintf("A job that is %s takes no new print file.", st.Label())}
		}
		claim := []any{j.Get("claim_workstation"), j.Get("claim_staff"), j.Get("claim_until")}
		// The engine's claim move is where the expected status (409 naming who
		// moved the job) and another workstation's claim (423) are checked;
		// borrow it, then put the claim back as it was so an upload never takes
		// or extends one.
		j, err = jobs.Do(tx, jobs.Request{JobID: j.Id, Action: jobs.ActionClaim, Expected: schema.Status(up.expected),
			By: jobs.Actor{Kind: jobs.ByStaff, StaffID: up.staff, WorkstationID: e.Auth.Id}})
		if err != nil {
			return err
		}
		if st := schema.Status(j.GetString("status")); !slices.Contains(sliceable, st) {
			return &jobs.Error{Status: http.StatusConflict, Code: "conflict",
				Message: fmt.Sprintf("A job that is %s takes no new print file.", st.Label())}
		}
		ext := strings.ToLower(filepath.Ext(up.name))
		name := jobs.StandardName(j.GetString("first_name"), j.GetString("last_name"), j.GetString("method"),
			j.GetString("color"), j.GetString("short_id"), strings.TrimPrefix(ext, "."))
		file, err := filesystem.NewFileFromPath(up.path)
		if err != nil {
			return err
		}
		// The stored name carries a random suffix so a re-upload never overwrites
		// the file a failed save would still point at; print_name is the name
		// people see and download under.
		file.Name = strings.TrimSuffix(name, ext) + "_" + strings.ToLower(security.RandomStringWithAlphabet(6, "abcdefghijkmnpqrstuvwxyz23456789")) + ext
		file.OriginalName = up.name
		j.Set("claim_workstation", claim[0])
		j.Set("claim_staff", claim[1])
		j.Set("claim_until", claim[2])
		j.Set("print_file", file)
		j.Set("print_name", name)
		j.Set("print_sha256", up.sha)
		j.Set("print_estimate", est)
		if err := tx.Save(j); err != nil {
			return err
		}
		details := map[string]any{"name": name, "original_name": up.name, "sha256": up.sha, "bytes": up.size, "estimate": est}
		job = j
		return jobs.AddEvent(tx, j, "print_file", jobs.Actor{Kind: jobs.ByStaff, StaffID: up.staff, WorkstationID: e.Auth.Id}, details)
	})
	if err != nil {
		return jobs.Respond(e, err)
	}
	return e.JSON(http.StatusOK, map[string]any{"job": job, "estimate": est})
}

// sliceable are the statuses in which a job may still get a (new) print file.
var sliceable = []schema.Status{schema.StatusUploaded, schema.StatusPending, schema.StatusReadyToPrint, schema.StatusPrinting}

func fileError(msg string) *jobs.Error {
	return &jobs.Error{Status: http.StatusBadRequest, Code: "invalid", Message: msg,
		Fields: map[string]string{"file": msg}}
}

// readPrintUpload streams the multipart body: the text fields into memory (they
// are tiny) and the one file part into a temp file, hashing it and stopping at
// limit bytes.
func readPrintUpload(r *http.Request, limit int64) (*upload, error) {
	up := &upload{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return up, fileError("Send the sliced file as multipart/form-data with a field named file.")
	}
	mr, whole, err := formread.Open(r)
	if err != nil {
		return up, fileError("The upload could not be read: its Content-Type names no boundary. Send the sliced file as multipart/form-data with a field named file.")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			if !whole() {
				return up, fileError("The upload was cut off before its end (interrupted). Try again.")
			}
			break
		}
		if err != nil {
			return up, uploadReadError(err)
		}
		switch part.FormName() {
		case "staff", "expected_status":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return up, uploadReadError(err)
			}
			if part.FormName() == "staff" {
				up.staff = strings.TrimSpace(string(b))
			} else {
				up.expected = strings.TrimSpace(string(b))
			}
		case "file":
			if up.path != "" {
				return up, fileError("Send one sliced file at a time.")
			}
			if err := up.store(part, limit); err != nil {
				return up, err
			}
		}
		part.Close()
	}
	if up.path == "" {
		return up, fileError("Choose the sliced file to upload.")
	}
	return up, nil
}

func (up *upload) store(part *multipart.Part, limit int64) error {
	name := filepath.Base(strings.ReplaceAll(part.FileName(), `\`, "/"))
	ext := strings.ToLower(filepath.Ext(name))
	if !slices.Contains(SlicedExts, ext) {
		return fileError(fmt.Sprintf("%q is not a sliced file. Attach what the slicer exported: %s.",
			name, strings.Join(SlicedExts, " ")))
	}
	tmp, err := os.CreateTemp("", "printlab-print-*"+ext)
	if err != nil {
		return err
	}
	up.path, up.name = tmp.Name(), name
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(part, limit+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return uploadReadError(err)
	}
	if n > limit {
		return &jobs.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: fmt.Sprintf(
			"The sliced file is larger than %d MB, the most PrintLab accepts.", limit>>20),
			Fields: map[string]string{"file": "is too large"}}
	}
	if n == 0 {
		return fileError("The sliced file is empty (0 bytes). Export it from the slicer again.")
	}
	up.size, up.sha = n, hex.EncodeToString(h.Sum(nil))
	return nil
}

func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &jobs.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Message: fmt.Sprintf("The upload is larger than %d MB, the most PrintLab accepts.", mbe.Limit>>20)}
	}
	return fileError("The upload was interrupted or is not a valid form (" + err.Error() + "). Try again.")
}
