// Package opener handles one printjob:// link from end to end: check the link, ask the
// configured server what it stands for, download and verify the file, start the slicer, and
// log the outcome. Every failure comes back as a message a person at the staff PC can act on.
package opener

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"printlab/slicer-opener/internal/config"
	"printlab/slicer-opener/internal/fetch"
	"printlab/slicer-opener/internal/launch"
	"printlab/slicer-opener/internal/link"
	"printlab/slicer-opener/internal/rotlog"
)

// MaxDuration bounds one call, download included; a stalled download fails much sooner.
const MaxDuration = 30 * time.Minute

// Opener holds what handling a link needs. Start and Now are replaceable for tests.
type Opener struct {
	Config config.Config
	Log    *rotlog.Logger
	// Start launches the slicer without waiting for it; launch.Start by default.
	Start func(slicer, file string) error
	Now   func() time.Time
}

// Open handles raw, the link exactly as the OS passed it, and returns the path of the file it
// opened.
func (o *Opener) Open(ctx context.Context, raw string) (string, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	start := now()
	o.Log.Printf("open link=%q", link.Redact(raw))
	if removed, err := Cleanup(o.Config.Workdir, o.Config.KeepDays, now()); err != nil {
		o.Log.Printf("cleanup: %v", err)
	} else if len(removed) > 0 {
		o.Log.Printf("cleanup: removed %s", strings.Join(removed, ", "))
	}

	path, err := o.open(ctx, raw)
	if err != nil {
		o.Log.Printf("failed after %s: %v", now().Sub(start).Round(time.Millisecond), err)
		return "", err
	}
	o.Log.Printf("ok after %s: %s", now().Sub(start).Round(time.Millisecond), path)
	return path, nil
}

func (o *Opener) open(ctx context.Context, raw string) (string, error) {
	l, err := link.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("This link was refused (%v). Use the \"Open in slicer\" button on the PrintLab dashboard.", err)
	}
	o.Log.Printf("link ok job=%s file=%s token=%s", l.Job, l.File, link.TokenHint(l.Token))
	if o.Config.Server == "" {
		return "", errors.New("No PrintLab server is set. Ask IT to run: slicer-opener config set server https://your-printlab-server")
	}
	client, err := fetch.New(o.Config.Server)
	if err != nil {
		return "", fmt.Errorf("The server address in the config is wrong: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, MaxDuration)
	defer cancel()

	m, err := client.Resolve(ctx, l)
	if err != nil {
		return "", explain(err)
	}
	name, ext := fetch.SafeName(m)
	o.Log.Printf("server ok short_id=%s name=%q local=%s size=%d", m.ShortID, link.Redact(m.Name), name, m.Size)
	// Check for a slicer before downloading up to 2 GB that nothing could open.
	if ext != "" {
		if _, err := o.slicerFor(ext); err != nil {
			return "", err
		}
	}
	file, err := client.Download(ctx, l.Token, m, o.Config.Workdir)
	if err != nil {
		return "", explain(err)
	}
	slicer, err := o.slicerFor(strings.TrimPrefix(filepath.Ext(file), "."))
	if err != nil {
		return "", err
	}
	startFn := o.Start
	if startFn == nil {
		startFn = launch.Start
	}
	if err := startFn(slicer, file); err != nil {
		return "", fmt.Errorf("The file was saved to %s but the slicer could not be started: %v", file, err)
	}
	o.Log.Printf("started %s", slicer)
	return file, nil
}

func (o *Opener) slicerFor(ext string) (string, error) {
	if p := o.Config.Slicers[strings.ToLower(ext)]; p != "" {
		return p, nil
	}
	return "", fmt.Errorf("No slicer is set for .%s files. Run \"slicer-opener detect\" or add a line \"slicer.%s = <path to the slicer>\" to the config.", ext, ext)
}

// explain words download errors for a person; the server's own refusals are shown as they are.
func explain(err error) error {
	var se *fetch.ServerError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("PrintLab server: %s", se.Message)
	case errors.Is(err, fetch.ErrHashMismatch):
		return errors.New("The downloaded file is not the file on the server (checksum mismatch), so it was deleted and not opened. Try again; if it happens again, tell IT.")
	}
	return fmt.Errorf("The file could not be fetched: %v", err)
}

var jobFolderRe = regexp.MustCompile(`^[A-Z0-9]{4,12}$`)

// Cleanup deletes job folders in workdir not modified for keepDays. Only folders named like a
// short id are touched, so a workdir pointed at the wrong place by mistake loses nothing else;
// symlinks are never followed.
func Cleanup(workdir string, keepDays int, now time.Time) ([]string, error) {
	if workdir == "" || keepDays < 1 {
		return nil, nil
	}
	entries, err := os.ReadDir(workdir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	limit := now.Add(-time.Duration(keepDays) * 24 * time.Hour)
	var removed []string
	for _, e := range entries {
		if !jobFolderRe.MatchString(e.Name()) || e.Type()&os.ModeSymlink != 0 || !e.IsDir() {
			continue
		}
		fi, err := e.Info()
		if err != nil || fi.ModTime().After(limit) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(workdir, e.Name())); err != nil {
			return removed, err
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}
