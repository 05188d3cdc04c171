// Package fetch is the helper's side of the contract with the PrintLab server: it asks the server
// what a link stands for, then downloads and verifies the file into a per-job working folder.
//
// The only host contacted is the configured server. Every URL is built from that base, a fixed
// path, and values that passed strict patterns; nothing the server answers is used as a URL or a
// path.
package fetch

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"printlab/slicer-opener/internal/config"
	"printlab/slicer-opener/internal/link"
)

// MaxSize is the largest file the helper downloads.
const MaxSize = 2 << 30

// Meta is the server's answer to GET /api/printlab/links/{token}.
type Meta struct {
	Job     string `json:"job"`
	ShortID string `json:"short_id"`
	File    string `json:"file"`
	Name    string `json:"name"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	// URL is the server's own download path. It is not followed: the helper builds the
	// download URL itself from the configured server.
	URL string `json:"url"`
}

// ServerError is a refusal by the server, with the message meant for the person.
type ServerError struct {
	Status  int
	Message string
}

// Error is the server's message, already cleaned for display.
func (e *ServerError) Error() string { return e.Message }

// ErrHashMismatch means the downloaded bytes were not the file the server described.
var ErrHashMismatch = errors.New("the downloaded file does not match its checksum")

// UserAgent names the helper in every request, so the server's logs can tell it from a browser.
// The command sets it to include its version.
var UserAgent = "PrintLab-slicer-opener"

// Client talks to one PrintLab server.
type Client struct {
	base *url.URL
	http *http.Client
	// StallTimeout aborts a download that receives nothing for this long.
	StallTimeout time.Duration
}

// New makes a client for the server base URL (see config.ParseServer) with timeouts suited to a
// LAN or campus network, that refuses redirects to any other scheme or host.
func New(server string) (*Client, error) {
	base, err := config.ParseServer(server)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone() // keeps the system proxy settings
	tr.TLSHandshakeTimeout = 15 * time.Second
	tr.ResponseHeaderTimeout = 30 * time.Second
	c := &Client{base: base, StallTimeout: 60 * time.Second}
	c.http = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != base.Scheme || req.URL.Host != base.Host {
				return fmt.Errorf("the server redirected to %s://%s; only %s is trusted", req.URL.Scheme, req.URL.Host, base.Host)
			}
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
	return c, nil
}

// endpoint joins the base URL and path segments, each escaped as one segment.
func (c *Client) endpoint(segments ...string) string {
	u := *c.base
	p := strings.TrimRight(u.Path, "/")
	for _, s := range segments {
		p += "/" + url.PathEscape(s)
	}
	u.Path, u.RawPath = "", ""
	return u.String() + p
}

// Resolve asks the server what the link stands for (GET {server}/api/printlab/links/{token})
// and checks the answer against the link.
func (c *Client) Resolve(ctx context.Context, l link.Link) (Meta, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint("api", "printlab", "links", l.Token), nil)
	if err != nil {
		return Meta{}, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return Meta{}, fmt.Errorf("could not reach the PrintLab server at %s: %w", c.base.Host, err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, 64<<10)
	if resp.StatusCode != http.StatusOK {
		return Meta{}, serverError(resp.StatusCode, body)
	}
	var m Meta
	if err := json.NewDecoder(body).Decode(&m); err != nil {
		return Meta{}, fmt.Errorf("the server's answer could not be read: %w", err)
	}
	return m, Check(m, l)
}

// Check validates an answer against the link it was asked for.
func Check(m Meta, l link.Link) error {
	switch {
	case m.Job != l.Job:
		return errors.New("the server answered for a different job than the link")
	case m.File != l.File:
		return errors.New("the server answered for a different file than the link")
	case !shortIDRe.MatchString(m.ShortID):
		return fmt.Errorf("the server sent an invalid short id %q", clean(m.ShortID, 20))
	case windowsReserved(m.ShortID):
		return fmt.Errorf("the short id %q cannot be a folder name", m.ShortID)
	case !sha256Re.MatchString(m.SHA256):
		return errors.New("the server sent an invalid SHA-256")
	case m.Size <= 0 || m.Size > MaxSize:
		return fmt.Errorf("the server announced a size of %d bytes; files must be 1 byte to 2 GB", m.Size)
	}
	return nil
}

// serverError reads {"message": "..."} from a refusal; PocketBase's own error bodies have the
// same field.
func serverError(status int, body io.Reader) error {
	var e struct {
		Message string `json:"message"`
	}
	_ = json.NewDecoder(body).Decode(&e)
	msg := clean(e.Message, 300)
	if msg == "" {
		switch status {
		case http.StatusForbidden:
			msg = "This link is not valid. Open the job on the dashboard and try again."
		case http.StatusGone:
			msg = "This link has expired. Open the job on the dashboard and try again."
		case http.StatusNotFound:
			msg = "The PrintLab server does not know this link or file (is the server address in the config right?)."
		default:
			msg = fmt.Sprintf("The PrintLab server answered with an error (HTTP %d).", status)
		}
	}
	return &ServerError{Status: status, Message: msg}
}

// clean makes server text safe to show and log: no control or format characters (which could
// reorder text in a dialog), at most n runes.
func clean(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if n == 0 {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar {
			r = ' '
		}
		b.WriteRune(r)
		n--
	}
	return strings.TrimSpace(b.String())
}

// Download fetches GET {server}/dl/{token}/{name} into <workdir>/<short_id>/, hashing as it
// streams, and returns the final path. The file only gets its final name once size and SHA-256
// match; a mismatch leaves nothing behind.
func (c *Client) Download(ctx context.Context, token string, m Meta, workdir string) (string, error) {
	name, ext := SafeName(m)
	dir := filepath.Join(workdir, m.ShortID)
	if err := ensureDir(workdir, dir); err != nil {
		return "", err
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint("dl", token, name), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("User-Agent", UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("could not download from the PrintLab server: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", serverError(resp.StatusCode, io.LimitReader(resp.Body, 64<<10))
	}
	if resp.ContentLength >= 0 && resp.ContentLength != m.Size {
		return "", fmt.Errorf("the server sent %d bytes but announced %d", resp.ContentLength, m.Size)
	}

	tmp, err := os.CreateTemp(dir, ".download-*.part")
	if err != nil {
		return "", err
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	head := &headWriter{max: 512}
	src := &stallReader{r: io.LimitReader(resp.Body, m.Size+1), cancel: cancel, timeout: c.StallTimeout}
	defer src.stop()
	// A large buffer: 32 KiB (io.Copy's default) means some 1,600 write calls for a 50 MB model.
	n, err := io.CopyBuffer(io.MultiWriter(tmp, h, head), src, make([]byte, 1<<20))
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
			err = cause
		}
		return "", fmt.Errorf("the download was interrupted: %w", err)
	}
	if n != m.Size {
		return "", fmt.Errorf("the server sent %d bytes but announced %d", n, m.Size)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(sum), []byte(strings.ToLower(m.SHA256))) != 1 {
		return "", ErrHashMismatch
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if ext == "" {
		if ext = Sniff(head.buf, n); ext == "" {
			return "", errors.New("the server sent a file of a type the helper does not open")
		}
		name += "." + ext
	}
	final := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", fmt.Errorf("could not replace %s (is it open in a slicer? close it and try again): %w", final, err)
	}
	keep = true
	now := time.Now()
	_ = os.Chtimes(dir, now, now) // the folder's age is what cleanup looks at
	return final, nil
}

// ensureDir creates the job folder and refuses one that is a symlink or a file, so that a
// planted link cannot redirect the download elsewhere.
func ensureDir(workdir, dir string) error {
	if err := os.MkdirAll(workdir, 0o700); err != nil {
		return fmt.Errorf("could not create the working folder %s: %w", workdir, err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a plain folder", dir)
	}
	return nil
}

// headWriter keeps the first max bytes written, for Sniff.
type headWriter struct {
	buf []byte
	max int
}

// Write keeps what still fits and never fails, so it cannot stop the download.
func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.buf); room > 0 {
		w.buf = append(w.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// errStalled is the cancel cause when a download stops making progress.
var errStalled = errors.New("no data received for too long")

// stallReader cancels the request when no bytes arrive for timeout, so that a slow but moving
// 2 GB download is fine while a dead connection is not waited on forever.
type stallReader struct {
	r       io.Reader
	cancel  context.CancelCauseFunc
	timeout time.Duration
	timer   *time.Timer
}

// Read passes through and pushes the stall deadline back whenever bytes arrive.
func (s *stallReader) Read(p []byte) (int, error) {
	if s.timer == nil {
		s.timer = time.AfterFunc(s.timeout, func() { s.cancel(errStalled) })
	}
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(s.timeout)
	}
	return n, err
}

func (s *stallReader) stop() {
	if s.timer != nil {
		s.timer.Stop()
	}
}
