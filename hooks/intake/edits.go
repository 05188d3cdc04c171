package intake

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/model3d"
	"printlab/schema"
)

// nameFields are the job fields its standard file name is built from (SPEC §4).
var nameFields = []string{"first_name", "last_name", "method", "color"}

// bindEdits keeps what is derived from a job's fields true when an admin
// corrects them afterwards (a misspelt name, the colour a student asked to
// change at the desk): the standard names are rebuilt in the same save, and a
// new colour re-renders the thumbnail from the stored model after the commit.
func bindEdits(app core.App, after *afterwork, parsing *budget) {
	app.OnRecordUpdate(schema.Jobs).BindFunc(func(e *core.RecordEvent) error {
		if changed(e.Record, nameFields...) {
			renameFiles(e.Record)
		}
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess(schema.Jobs).BindFunc(func(e *core.RecordEvent) error {
		if changed(e.Record, "color") && e.Record.GetString("model") != "" {
			after.recolor(e.App, e.Record, parsing)
		}
		return e.Next()
	})
}

// changed reports whether any of fields differs from the record as loaded.
func changed(r *core.Record, fields ...string) bool {
	orig := r.Original()
	for _, f := range fields {
		if r.GetString(f) != orig.GetString(f) {
			return true
		}
	}
	return false
}

// renameFiles rebuilds the job's display name and its print file's name from
// its current fields, keeping each name's extension. Stored files keep their
// storage keys: people see, download and open the files under these names.
func renameFiles(job *core.Record) {
	rename := func(field string) {
		old := job.GetString(field)
		if old == "" {
			return
		}
		job.Set(field, jobs.StandardName(job.GetString("first_name"), job.GetString("last_name"),
			job.GetString("method"), job.GetString("color"), job.GetString("short_id"),
			strings.TrimPrefix(filepath.Ext(old), ".")))
	}
	rename("display_name")
	rename("print_name")
}

// recolor re-renders the job's thumbnail in its current colour, in the
// background, from the stored upload (the original is never modified).
func (a *afterwork) recolor(app core.App, job *core.Record, parsing *budget) {
	id, color, key := job.Id, job.GetString("color"), job.BaseFilesPath()+"/"+job.GetString("model")
	a.run(func() {
		if err := rerender(app, id, color, key, parsing); err != nil {
			app.Logger().Error("printlab: thumbnail after a colour change", "job", id, "error", err)
		}
	})
}

func rerender(app core.App, jobID, color, key string, parsing *budget) error {
	tmp, size, err := StoredCopy(app, key)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	held := parsing.acquire(size)
	defer parsing.release(held)
	mesh, err := ParseStored(tmp, size, key)
	if err != nil {
		return err
	}
	return storeThumbnail(app, jobID, color, mesh)
}

// StoredCopy copies a stored file (local disk or S3) to a temp file, which the
// caller closes and removes, and returns its size.
func StoredCopy(app core.App, key string) (*os.File, int64, error) {
	fsys, err := app.NewFilesystem()
	if err != nil {
		return nil, 0, err
	}
	defer fsys.Close()
	r, err := fsys.GetReader(key)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	tmp, err := os.CreateTemp("", "printlab-model-*"+filepath.Ext(key))
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(tmp, r)
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, 0, err
	}
	return tmp, n, nil
}

// ParseStored parses a model the server stored earlier. It was parsed within
// the limits of its day when it came in, so only the size limit follows it
// (a lab may have lowered max_upload_mb since).
func ParseStored(r io.ReaderAt, size int64, name string) (*model3d.Mesh, error) {
	lim := model3d.DefaultLimits()
	lim.MaxBytes = max(lim.MaxBytes, size)
	mesh, err := model3d.Parse(r, size, name, lim)
	if err != nil {
		return nil, fmt.Errorf("the stored model no longer parses: %w", err)
	}
	return mesh, nil
}
