package desk

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/intake"
	"printlab/hooks/jobs"
	"printlab/model3d"
	"printlab/schema"
)

// LinkLifetime is how long a signed download link works: long enough to start a
// slicer, short enough that a copied link is soon useless.
const LinkLifetime = 10 * time.Minute

// Which file of a job a link serves.
const (
	FileModel = "model" // the sanitized 3MF made from the student's upload
	FilePrint = "print" // the staff's sliced file, as stored
)

// RegisterLinks binds the signed-link routes (SPEC §9): a workstation asks for a
// link; the slicer helper (or a slicer's own deep link) reads its metadata and
// downloads the file with no header but the token in the path.
func RegisterLinks(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/printlab/jobs/{id}/links", createLink).Bind(apis.RequireAuth(schema.Workstations))
		meta := se.Router.GET("/api/printlab/links/{token}", linkMeta)
		dl := se.Router.GET("/dl/{token}/{name}", download)
		// Tokens sit in these paths: keep successful calls out of the request log.
		meta.Bind(apis.SkipSuccessActivityLog())
		dl.Bind(apis.SkipSuccessActivityLog())
		return se.Next()
	})
	// The sanitized copies are made again on demand: backups leave them out.
	app.OnBackupCreate().BindFunc(func(e *core.BackupEvent) error {
		e.Exclude = append(e.Exclude, CacheDirName)
		return e.Next()
	})
	// A job's sanitized copies go with its model (SPEC §4: files are deleted
	// after prune_days): when pruning empties the field, after the commit, as
	// PocketBase deletes the stored file itself.
	app.OnRecordAfterUpdateSuccess(schema.Jobs).BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("model") == "" {
			removeSanitized(e.App, e.Record.Id)
		}
		return e.Next()
	})
	app.OnRecordAfterDeleteSuccess(schema.Jobs).BindFunc(func(e *core.RecordEvent) error {
		removeSanitized(e.App, e.Record.Id)
		return e.Next()
	})
}

// CacheDirName is the data dir's folder of sanitized models for slicers.
const CacheDirName = ".printlab_cache"

// linkClaims is what a token binds: job, file, content hash and expiry.
type linkClaims struct {
	Job     string `json:"j"`
	File    string `json:"f"`
	SHA256  string `json:"h"`
	Expires int64  `json:"e"`
}

// signLink makes "payload.signature", both base64url: the alphabet the helper
// accepts ([A-Za-z0-9_.-]).
func signLink(secret []byte, c linkClaims) string {
	payload, _ := json.Marshal(c)
	p := base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("dl\x00" + p))
	return p + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:20])
}

// errLinkForged and errLinkExpired are the two refusals a person can act on.
var (
	errLinkForged  = &jobs.Error{Status: http.StatusForbidden, Code: "bad_link", Message: "This download link is not valid: it was changed or cut short. Ask the dashboard for a new one."}
	errLinkExpired = &jobs.Error{Status: http.StatusGone, Code: "expired", Message: "This download link has expired (links last 10 minutes). Click Open again on the dashboard."}
	errLinkStale   = &jobs.Error{Status: http.StatusGone, Code: "changed", Message: "The file changed since this link was made. Click Open again on the dashboard."}
)

// verifyLink checks the signature in constant time, then the expiry.
func verifyLink(secret []byte, token string, now time.Time) (linkClaims, *jobs.Error) {
	var c linkClaims
	if len(token) > 400 {
		return c, errLinkForged
	}
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return c, errLinkForged
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("dl\x00" + p))
	want := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:20])
	if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) != 1 {
		return c, errLinkForged
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return c, errLinkForged
	}
	if now.Unix() >= c.Expires {
		return c, errLinkExpired
	}
	return c, nil
}

// served is the file behind a link: where its bytes are and what it is called.
type served struct {
	name, sha string
	size      int64
	open      func() (io.ReadSeekCloser, error)
}

// resolve finds the bytes a link serves for job: for the model, the sanitized
// 3MF (made once per upload and cached in the data dir); for the print file,
// the stored file.
func resolve(app core.App, job *core.Record, file string) (*served, error) {
	switch file {
	case FileModel:
		if job.GetString("model") == "" {
			return nil, &jobs.Error{Status: http.StatusNotFound, Code: "no_file", Message: "This job's model file is gone (pruned after archiving)."}
		}
		path, sha, size, err := sanitizedModel(app, job)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(job.GetString("display_name"), filepath.Ext(job.GetString("display_name"))) + ".3mf"
		return &served{name: name, sha: sha, size: size, open: func() (io.ReadSeekCloser, error) { return os.Open(path) }}, nil
	case FilePrint:
		stored := job.GetString("print_file")
		if stored == "" {
			return nil, &jobs.Error{Status: http.StatusNotFound, Code: "no_file", Message: "This job has no print file yet: attach the sliced file first."}
		}
		fsys, err := app.NewFilesystem()
		if err != nil {
			return nil, err
		}
		key := job.BaseFilesPath() + "/" + stored
		attrs, err := fsys.Attributes(key)
		if err != nil {
			fsys.Close()
			return nil, err
		}
		fsys.Close()
		name := job.GetString("print_name")
		if name == "" {
			name = stored
		}
		return &served{name: name, sha: job.GetString("print_sha256"), size: attrs.Size, open: func() (io.ReadSeekCloser, error) {
			f, err := app.NewFilesystem()
			if err != nil {
				return nil, err
			}
			r, err := f.GetReader(key)
			if err != nil {
				f.Close()
				return nil, err
			}
			return readCloser{r, f}, nil
		}}, nil
	}
	return nil, &jobs.Error{Status: http.StatusBadRequest, Code: "invalid", Message: `file must be "model" or "print".`,
		Fields: map[string]string{"file": `must be "model" or "print"`}}
}

type readCloser struct {
	io.ReadSeekCloser
	fsys interface{ Close() error }
}

func (r readCloser) Close() error { return errors.Join(r.ReadSeekCloser.Close(), r.fsys.Close()) }

var sanitizeMu sync.Mutex // one sanitizing pass at a time: they are CPU-heavy

// sanitizedModel returns the cached sanitized 3MF for job's upload, making it
// when missing: the mesh and a title only, no slicer settings or scripts
// (CVE-2023-47268). The cache is keyed by the upload's SHA-256.
func sanitizedModel(app core.App, job *core.Record) (path, sha string, size int64, err error) {
	dir := sanitizedDir(app)
	path = filepath.Join(dir, job.Id+"-"+job.GetString("sha256")+".3mf")
	sanitizeMu.Lock()
	defer sanitizeMu.Unlock()
	if b, rerr := os.ReadFile(path); rerr == nil {
		sum := sha256.Sum256(b)
		return path, hex.EncodeToString(sum[:]), int64(len(b)), nil
	}
	tmp, n, err := intake.StoredCopy(app, job.BaseFilesPath()+"/"+job.GetString("model"))
	if err != nil {
		return "", "", 0, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	mesh, err := intake.ParseStored(tmp, n, job.GetString("model"))
	if err != nil {
		return "", "", 0, err
	}
	var buf bytes.Buffer
	if err := model3d.WriteSanitized3MF(&buf, mesh, job.GetString("display_name")); err != nil {
		return "", "", 0, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", 0, err
	}
	if err := os.WriteFile(path+".tmp", buf.Bytes(), 0o600); err != nil {
		return "", "", 0, err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return "", "", 0, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return path, hex.EncodeToString(sum[:]), int64(buf.Len()), nil
}

// sanitizedDir holds the cached copies, named <job id>-<upload SHA-256>.3mf.
func sanitizedDir(app core.App) string {
	return filepath.Join(app.DataDir(), CacheDirName, "sanitized")
}

// removeSanitized deletes every cached copy of job id's model. A failure is
// logged, not returned: the database change it follows is committed.
func removeSanitized(app core.App, jobID string) {
	sanitizeMu.Lock()
	defer sanitizeMu.Unlock()
	// Record ids are [a-z0-9], so the id is no glob pattern.
	paths, _ := filepath.Glob(filepath.Join(sanitizedDir(app), jobID+"-*.3mf"))
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			app.Logger().Error("printlab: removing a sanitized model", "job", jobID, "error", err)
		}
	}
}

// baseURL is how this workstation reached the server: slicers on the same PC
// fetch from the same address.
func baseURL(e *core.RequestEvent) string {
	scheme := "http"
	if e.Request.TLS != nil || strings.EqualFold(e.Request.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + e.Request.Host
}

func createLink(e *core.RequestEvent) error {
	var body struct {
		File  string `json:"file"`
		Staff string `json:"staff"`
	}
	if err := json.NewDecoder(io.LimitReader(e.Request.Body, 4<<10)).Decode(&body); err != nil {
		return jobs.Respond(e, &jobs.Error{Status: http.StatusBadRequest, Code: "invalid", Message: `Send {"file": "model"} or {"file": "print"}.`})
	}
	job, err := e.App.FindRecordById(schema.Jobs, e.Request.PathValue("id"))
	if err != nil {
		return jobs.Respond(e, &jobs.Error{Status: http.StatusNotFound, Code: "not_found", Message: "There is no such job."})
	}
	s, err := resolve(e.App, job, body.File)
	if err != nil {
		return jobs.Respond(e, err)
	}
	secret, err := jobs.ServerSecret(e.App)
	if err != nil {
		return jobs.Respond(e, err)
	}
	expires := time.Now().Add(LinkLifetime)
	token := signLink(secret, linkClaims{Job: job.Id, File: body.File, SHA256: s.sha, Expires: expires.Unix()})
	// Who opened which file is part of the job's history.
	details := map[string]any{"file": body.File, "name": s.name}
	if err := jobs.AddEvent(e.App, job, "file_opened", jobs.Actor{Kind: jobs.ByStaff, StaffID: validStaff(e.App, body.Staff),
		WorkstationID: e.Auth.Id}, details); err != nil {
		return jobs.Respond(e, err)
	}
	dl := baseURL(e) + "/dl/" + token + "/" + url.PathEscape(s.name)
	q := url.QueryEscape(dl)
	return e.JSON(http.StatusOK, map[string]any{
		"url": dl, "name": s.name, "sha256": s.sha, "size": s.size, "expires": expires.UTC(),
		"printjob":        "printjob://open?job=" + job.Id + "&file=" + body.File + "&t=" + token,
		"orcaslicer":      "orcaslicer://open?file=" + q,
		"bambustudio":     "bambustudio://open?file=" + q,
		"bambustudio_mac": "bambustudioopen://" + q,
	})
}

// validStaff returns id when it names an active staff member, else "" (opening
// a file changes nothing, so a missing name does not block it; it is recorded
// when given).
func validStaff(app core.App, id string) string {
	if id == "" {
		return ""
	}
	r, err := app.FindRecordById(schema.Staff, id)
	if err != nil || !r.GetBool("active") {
		return ""
	}
	return r.Id
}

// lookupLink verifies a token and finds what it serves, checking that the file
// is still the one the link was made for.
func lookupLink(e *core.RequestEvent) (*core.Record, linkClaims, *served, error) {
	secret, err := jobs.ServerSecret(e.App)
	if err != nil {
		return nil, linkClaims{}, nil, err
	}
	c, lerr := verifyLink(secret, e.Request.PathValue("token"), time.Now())
	if lerr != nil {
		return nil, c, nil, lerr
	}
	job, err := e.App.FindRecordById(schema.Jobs, c.Job)
	if err != nil {
		return nil, c, nil, errLinkStale
	}
	s, err := resolve(e.App, job, c.File)
	if err != nil {
		return nil, c, nil, err
	}
	if s.sha != c.SHA256 {
		return nil, c, nil, errLinkStale
	}
	return job, c, s, nil
}

func linkMeta(e *core.RequestEvent) error {
	job, c, s, err := lookupLink(e)
	if err != nil {
		return jobs.Respond(e, err)
	}
	return e.JSON(http.StatusOK, map[string]any{
		"job": job.Id, "short_id": job.GetString("short_id"), "file": c.File, "name": s.name,
		"sha256": s.sha, "size": s.size, "url": "/dl/" + e.Request.PathValue("token") + "/" + url.PathEscape(s.name),
	})
}

// download serves the file with no header needed; refusals are plain text so a
// slicer or a browser shows them as they are.
func download(e *core.RequestEvent) error {
	_, _, s, err := lookupLink(e)
	if err != nil {
		status, msg := http.StatusInternalServerError, "Something went wrong on the server."
		if je, ok := jobs.AsError(err); ok {
			status, msg = je.Status, je.Message
		} else {
			e.App.Logger().Error("printlab: download failed", "error", err)
		}
		return e.String(status, msg+"\n")
	}
	f, err := s.open()
	if err != nil {
		return e.String(http.StatusInternalServerError, "The file could not be read on the server.\n")
	}
	defer f.Close()
	h := e.Response.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", "attachment; filename=\""+s.name+"\"")
	h.Set("X-Content-SHA256", s.sha)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.FormatInt(s.size, 10))
	e.Response.WriteHeader(http.StatusOK)
	_, err = io.Copy(e.Response, f)
	return err
}
