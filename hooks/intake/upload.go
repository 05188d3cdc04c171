package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"printlab/hooks/jobs"
	"printlab/hooks/settings"
	"printlab/internal/formread"
)

// formOverhead is what the submit body may carry beyond the model itself: the
// text fields and the multipart framing.
const formOverhead = 4 << 20

// maxFieldBytes caps one text field of the submit form, and maxParts the
// number of parts, so a body of junk fields cannot fill memory.
const (
	maxFieldBytes = 4 << 10
	maxParts      = 64
)

// submitBodyLimit replaces PocketBase's default 32 MB body limit on the submit
// route with one sized from the lab's max_upload_mb, read per request so an
// admin's change applies at once. It also unwraps PocketBase's rereadable body:
// that wrapper keeps a copy of everything read (up to 32 MB in memory) so a body
// can be read twice, which a 50 MB upload read once must not pay for.
func submitBodyLimit() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       apis.DefaultBodyLimitMiddlewareId,
		Priority: apis.DefaultBodyLimitMiddlewarePriority,
		Func: func(e *core.RequestEvent) error {
			lab, err := settings.Load(e.App)
			if err != nil {
				return jobs.Respond(e, err)
			}
			limit := lab.MaxUploadBytes() + formOverhead
			if e.Request.ContentLength > limit {
				return jobs.Respond(e, tooLarge(lab))
			}
			if rr, ok := e.Request.Body.(*router.RereadableReadCloser); ok {
				e.Request.Body = rr.ReadCloser
			}
			e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, limit)
			return e.Next()
		},
	}
}

func tooLarge(lab settings.Lab) *jobs.Error {
	msg := "The file is larger than the " + itoa(lab.MaxUploadMB) + " MB we accept: please reduce the mesh resolution (fewer triangles) when exporting, or ask the lab."
	return &jobs.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: msg,
		Fields: map[string]string{"model": msg}}
}

// upload is the submit form as read from the wire: the text fields and the model
// streamed into a temporary file.
type upload struct {
	fields   map[string]string
	path     string // temp file; "" when no model part was sent
	name     string // the name the student's browser sent (untrusted)
	size     int64
	sha256   string
	tooLarge bool
}

// remove deletes the temp file; safe to call more than once.
func (u *upload) remove() {
	if u.path != "" {
		os.Remove(u.path)
		u.path = ""
	}
}

// readUpload streams the multipart body: text fields are capped at
// maxFieldBytes, the model part goes to a temp file through a hard cap of
// maxBytes+1 while its SHA-256 is computed, so nothing is held whole in memory.
// The caller must call remove on the result, also on error.
func readUpload(r *http.Request, maxBytes int64) (*upload, error) {
	u := &upload{fields: map[string]string{}}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return u, badRequest("Send the form as multipart/form-data (the submit page does this for you).")
	}
	mr, whole, err := formread.Open(r)
	if err != nil {
		return u, badRequest("The form could not be read: its Content-Type names no boundary. Send it as multipart/form-data (the submit page does this for you).")
	}
	for parts := 0; ; parts++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			if !whole() {
				return u, badRequest("The form was cut off before its end (the upload was interrupted). Please send it again.")
			}
			return u, nil
		}
		if err != nil {
			return u, readError(err)
		}
		if parts >= maxParts {
			part.Close()
			return u, badRequest("The form has more parts than the submit page ever sends.")
		}
		name := part.FormName()
		switch {
		case name == "model" && part.FileName() != "" && u.path == "" && !u.tooLarge:
			u.name = rawFileName(part)
			if err := u.storeModel(part, maxBytes); err != nil {
				part.Close()
				return u, err
			}
		case name != "" && name != "model":
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				part.Close()
				return u, readError(err)
			}
			if len(b) > maxFieldBytes {
				u.fields[name] = string(b[:maxFieldBytes]) + "…" // validation refuses it as too long
			} else if _, seen := u.fields[name]; !seen {
				u.fields[name] = string(b)
			}
		}
		part.Close()
	}
}

// rawFileName is the file name exactly as sent: multipart.Part.FileName strips
// folders, which would hide a hand-made name that SPEC §4 says to refuse.
func rawFileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return p.FileName()
	}
	return params["filename"]
}

func (u *upload) storeModel(part io.Reader, maxBytes int64) error {
	f, err := os.CreateTemp("", "printlab-upload-*")
	if err != nil {
		return err
	}
	u.path = f.Name()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(part, maxBytes+1))
	cerr := f.Close()
	if err != nil {
		return readError(err)
	}
	if cerr != nil {
		return cerr
	}
	if n > maxBytes {
		// Drain nothing more: the rest of the body is refused unread.
		u.remove()
		u.tooLarge = true
		return nil
	}
	u.size = n
	u.sha256 = hex.EncodeToString(h.Sum(nil))
	return nil
}

func badRequest(msg string) *jobs.Error {
	return &jobs.Error{Status: http.StatusBadRequest, Code: "invalid", Message: msg}
}

// readError turns a failure while reading the body into what the student reads:
// the body limit (413) or a broken connection.
func readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &jobs.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Message: "The upload is larger than we accept; please reduce the file size and try again.",
			Fields:  map[string]string{"model": "The file is larger than we accept; please reduce the mesh resolution when exporting."}}
	}
	return badRequest("The upload could not be read: it was interrupted, or the form was not sent the way the submit page sends it. Please try again from the submit page.")
}

// unsafeName reports a file name that carries a folder path or invisible
// characters: browsers send a plain base name, so such a name was made by hand
// and is refused (SPEC §4).
func unsafeName(raw string) bool {
	return strings.ContainsAny(raw, "/\\") || raw == ".." || strings.HasPrefix(raw, "..") ||
		strings.IndexFunc(raw, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0
}

// cleanName is the student's file name without any path, control or
// look-alike characters, for the original_name field and messages. Browsers
// send only a base name, but a hand-made request can send anything.
func cleanName(raw string) string {
	raw = strings.ReplaceAll(raw, "\\", "/")
	raw = filepath.Base("/" + raw)
	var b strings.Builder
	for _, r := range raw {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '/' {
			continue
		}
		b.WriteRune(r)
	}
	s := strings.TrimSpace(b.String())
	s = strings.TrimLeft(s, ".")
	if len(s) > 200 {
		ext := filepath.Ext(s)
		if len(ext) > 10 {
			ext = ""
		}
		s = strings.ToValidUTF8(s[:200-len(ext)], "") + ext
	}
	if s == "" || s == "/" {
		return "model"
	}
	return s
}
