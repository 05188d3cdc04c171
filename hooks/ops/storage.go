package ops

import (
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase/core"
)

// MinFreeBytes is the free space on the data dir's disk below which the health
// answer turns "degraded": a few dozen large uploads' worth, and room for a
// backup to be written.
var MinFreeBytes uint64 = 1 << 30

// storageHealth is the "storage" part of the health answer (SPEC §10): whether
// the files folder takes a write and how much room its disk has left. With S3
// the bucket is not probed on every health call; PocketBase reports S3 errors
// where files are read and written.
func storageHealth(app core.App) (string, any, bool) {
	if app.Settings().S3.Enabled {
		return "storage", map[string]any{"ok": true, "s3": true}, true
	}
	dir := filepath.Join(app.DataDir(), "storage")
	out := map[string]any{"ok": true, "writable": true}
	if err := probe(dir); err != nil {
		out["ok"], out["writable"] = false, false
		out["error"] = err.Error()
	}
	if free, total, err := diskSpace(app.DataDir()); err == nil {
		out["free_bytes"], out["total_bytes"] = free, total
		if free < MinFreeBytes {
			out["ok"] = false
			out["warning"] = "The data disk is nearly full: uploads, emails and backups will start failing. Free some space or move pb_data to a larger disk."
		}
	}
	return "storage", out, out["ok"] == true
}

// probe writes and removes a small file in dir.
func probe(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".health-*")
	if err != nil {
		return err
	}
	name := f.Name()
	_, werr := f.Write([]byte("ok"))
	cerr := f.Close()
	rerr := os.Remove(name)
	for _, err := range []error{werr, cerr, rerr} {
		if err != nil {
			return err
		}
	}
	return nil
}
