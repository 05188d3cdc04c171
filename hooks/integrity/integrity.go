// Package integrity checks that the database and the stored files agree
// (SPEC §4): every job's files are where its row says, hold the bytes whose
// SHA-256 the row recorded, and sit beside a current job.json; no folder of
// files belongs to no job. It repairs only what is safe to repair: a missing
// or stale job.json is rewritten from the database. Files are never deleted or
// moved; a person decides what happens to them.
//
// It runs nightly (hooks/schedule), from the command line (`printlab
// integrity [--repair]`) and for a superuser through
// POST /api/printlab/integrity.
package integrity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/spf13/cobra"

	"printlab/hooks/intake"
	"printlab/schema"
)

// Kinds of findings.
const (
	MissingFile   = "missing_file"  // a job names a file that is not stored
	HashMismatch  = "hash_mismatch" // a stored upload or print file differs from its recorded SHA-256
	StaleSidecar  = "stale_sidecar" // job.json is missing, unreadable or behind the database
	OrphanFolder  = "orphan_folder" // a folder of files whose job does not exist
	StrayFile     = "stray_file"    // a file in a job's folder that the job does not name
	maxListed     = 200             // findings kept in a report; the counts stay exact
	maxMessageLen = 3               // findings named in the scheduled run's one-line message
)

// Finding is one disagreement between the database and the files.
type Finding struct {
	Kind     string `json:"kind"`
	Job      string `json:"job,omitempty"`      // the job's id (the folder name for an orphan)
	ShortID  string `json:"short_id,omitempty"` // what staff call the job
	File     string `json:"file,omitempty"`     // the storage key
	Detail   string `json:"detail"`             // a sentence for a person
	Repaired bool   `json:"repaired,omitempty"`
}

// Report is what one check found.
type Report struct {
	Jobs      int            `json:"jobs"`     // job rows checked
	Files     int            `json:"files"`    // stored files seen
	Hashed    int            `json:"hashed"`   // files whose SHA-256 was compared
	Counts    map[string]int `json:"counts"`   // findings by kind
	Repaired  int            `json:"repaired"` // findings put right
	Findings  []Finding      `json:"findings"` // the first maxListed
	Truncated bool           `json:"truncated,omitempty"`
	Took      string         `json:"took"`
}

// Open is the number of findings not repaired: what a person must look at.
func (r Report) Open() int {
	n := 0
	for _, c := range r.Counts {
		n += c
	}
	return n - r.Repaired
}

func (r *Report) add(f Finding) {
	r.Counts[f.Kind]++
	if f.Repaired {
		r.Repaired++
	}
	if len(r.Findings) < maxListed {
		r.Findings = append(r.Findings, f)
	} else {
		r.Truncated = true
	}
}

// fileFields are the job's stored files and the field holding each one's hash.
var fileFields = []struct{ field, hash string }{{"model", "sha256"}, {"print_file", "print_sha256"}, {"thumbnail", ""}}

// Check compares every job with the stored files. With repair, stale or
// missing sidecars are rewritten.
func Check(ctx context.Context, app core.App, repair bool) (Report, error) {
	began := time.Now()
	rep := Report{Counts: map[string]int{}, Findings: []Finding{}}
	col, err := app.FindCachedCollectionByNameOrId(schema.Jobs)
	if err != nil {
		return rep, err
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		return rep, err
	}
	defer fsys.Close()

	// Every stored key under the jobs collection, grouped by job folder.
	objects, err := fsys.List(col.Id + "/")
	if err != nil {
		return rep, fmt.Errorf("listing the stored files: %w", err)
	}
	folders := map[string]map[string]bool{} // job id → file names in its folder
	for _, o := range objects {
		rest := strings.TrimPrefix(o.Key, col.Id+"/")
		id, name, ok := strings.Cut(rest, "/")
		if !ok || name == "" || strings.HasPrefix(name, "thumbs_") || strings.HasSuffix(name, ".attrs") ||
			strings.HasSuffix(name, ".tmp") {
			continue // PocketBase's generated thumbs, blob attributes, a sidecar being written
		}
		if folders[id] == nil {
			folders[id] = map[string]bool{}
		}
		folders[id][name] = true
		rep.Files++
	}

	var rows []struct {
		ID          string `db:"id"`
		ShortID     string `db:"short_id"`
		Model       string `db:"model"`
		PrintFile   string `db:"print_file"`
		Thumbnail   string `db:"thumbnail"`
		SHA256      string `db:"sha256"`
		PrintSHA256 string `db:"print_sha256"`
		Pruned      bool   `db:"files_pruned"`
		Updated     string `db:"updated"`
	}
	if err := app.DB().NewQuery(`SELECT id, short_id, model, print_file, thumbnail, sha256, print_sha256,
		files_pruned, updated FROM jobs ORDER BY created`).All(&rows); err != nil {
		return rep, err
	}
	counts := map[string]int{}
	var events []struct {
		Job string `db:"job"`
		N   int    `db:"n"`
	}
	if err := app.DB().NewQuery("SELECT job, COUNT(*) AS n FROM events GROUP BY job").All(&events); err != nil {
		return rep, err
	}
	for _, e := range events {
		counts[e.Job] = e.N
	}

	for _, j := range rows {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Jobs++
		files := folders[j.ID]
		delete(folders, j.ID)
		named := map[string]bool{intake.SidecarName: true}
		values := map[string]string{"model": j.Model, "print_file": j.PrintFile, "thumbnail": j.Thumbnail,
			"sha256": j.SHA256, "print_sha256": j.PrintSHA256}
		for _, f := range fileFields {
			name := values[f.field]
			if name == "" {
				continue
			}
			named[name] = true
			key := col.Id + "/" + j.ID + "/" + name
			if !files[name] {
				rep.add(Finding{Kind: MissingFile, Job: j.ID, ShortID: j.ShortID, File: key,
					Detail: fmt.Sprintf("Job %s names its %s %q, which is not in storage.", j.ShortID, label(f.field), name)})
				continue
			}
			if want := values[f.hash]; f.hash != "" && want != "" {
				got, err := hashOf(fsys, key)
				if err != nil {
					return rep, fmt.Errorf("reading %s: %w", key, err)
				}
				rep.Hashed++
				if got != want {
					rep.add(Finding{Kind: HashMismatch, Job: j.ID, ShortID: j.ShortID, File: key,
						Detail: fmt.Sprintf("Job %s's %s has changed since it was stored (SHA-256 %s…, recorded %s…).",
							j.ShortID, label(f.field), got[:12], want[:min(12, len(want))])})
				}
			}
		}
		for name := range files {
			if !named[name] {
				rep.add(Finding{Kind: StrayFile, Job: j.ID, ShortID: j.ShortID, File: col.Id + "/" + j.ID + "/" + name,
					Detail: fmt.Sprintf("Job %s's folder holds %q, which the job does not name.", j.ShortID, name)})
			}
		}
		if why := sidecarProblem(fsys, col.Id+"/"+j.ID+"/"+intake.SidecarName, files, j.Updated, counts[j.ID]); why != "" {
			f := Finding{Kind: StaleSidecar, Job: j.ID, ShortID: j.ShortID, File: col.Id + "/" + j.ID + "/" + intake.SidecarName,
				Detail: fmt.Sprintf("Job %s's job.json %s.", j.ShortID, why)}
			if repair {
				if err := intake.WriteSidecar(app, j.ID); err != nil {
					f.Detail += " Rewriting it failed: " + err.Error()
				} else {
					f.Repaired = true
					f.Detail += " It was rewritten."
				}
			}
			rep.add(f)
		}
	}
	ids := make([]string, 0, len(folders))
	for id := range folders {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		rep.add(Finding{Kind: OrphanFolder, Job: id, File: col.Id + "/" + id + "/",
			Detail: fmt.Sprintf("The folder %s holds %d file(s) but there is no job %s.", col.Id+"/"+id, len(folders[id]), id)})
	}
	rep.Took = time.Since(began).Round(time.Millisecond).String()
	return rep, nil
}

func label(field string) string {
	switch field {
	case "model":
		return "uploaded model"
	case "print_file":
		return "print file"
	}
	return field
}

func hashOf(fsys *filesystem.System, key string) (string, error) {
	r, err := fsys.GetReader(key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sidecarProblem says what is wrong with a job's job.json, or "" when it holds
// the job as the database has it (same last update, same number of events).
func sidecarProblem(fsys *filesystem.System, key string, files map[string]bool, updated string, events int) string {
	if !files[intake.SidecarName] {
		return "is missing"
	}
	r, err := fsys.GetReader(key)
	if err != nil {
		return "cannot be read"
	}
	defer r.Close()
	var side struct {
		Job    map[string]any `json:"job"`
		Events []any          `json:"events"`
	}
	if err := json.NewDecoder(io.LimitReader(r, 64<<20)).Decode(&side); err != nil || side.Job == nil {
		return "is not valid"
	}
	if fmt.Sprint(side.Job["updated"]) != updated {
		return "is older than the job"
	}
	if len(side.Events) != events {
		return fmt.Sprintf("holds %d events where the history has %d", len(side.Events), events)
	}
	return ""
}

// Scheduled is the nightly run: it repairs what is safe and fails (so that
// the health endpoint reports it) while a person must look at something.
func Scheduled(app core.App, _ time.Time) (string, error) {
	rep, err := Check(context.Background(), app, true)
	if err != nil {
		return "", err
	}
	msg := fmt.Sprintf("%d jobs and %d files checked, %d hashed; %d sidecars rewritten", rep.Jobs, rep.Files, rep.Hashed, rep.Repaired)
	if rep.Open() == 0 {
		return msg, nil
	}
	var named []string
	for _, f := range rep.Findings {
		if !f.Repaired && len(named) < maxMessageLen {
			named = append(named, f.Detail)
		}
	}
	return msg, fmt.Errorf("%d problem(s) need a person (printlab integrity lists them all): %s",
		rep.Open(), strings.Join(named, " "))
}

// Register adds POST /api/printlab/integrity for superusers: body {"repair": bool}.
func Register(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/printlab/integrity", func(e *core.RequestEvent) error {
			var body struct {
				Repair bool `json:"repair"`
			}
			if err := json.NewDecoder(io.LimitReader(e.Request.Body, 4<<10)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
				return e.BadRequestError("The request body is not valid JSON: send {\"repair\": true} or nothing.", nil)
			}
			rep, err := Check(e.Request.Context(), e.App, body.Repair)
			if err != nil {
				return e.InternalServerError("The integrity check could not finish: "+err.Error(), nil)
			}
			return e.JSON(http.StatusOK, rep)
		}).Bind(apis.RequireSuperuserAuth())
		return se.Next()
	})
}

// RegisterCommand adds `printlab integrity [--repair] [--json]`: the check
// on demand, one line per finding; it exits with 1 while a person must look
// at something, for monitoring scripts.
func RegisterCommand(app *pocketbase.PocketBase) {
	var repair, asJSON bool
	cmd := &cobra.Command{
		Use:          "integrity",
		Short:        "Check that jobs and stored files agree (and with --repair rewrite stale job.json files)",
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := Check(cmd.Context(), app, repair)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(out, "%d jobs and %d files checked, %d hashed, in %s.\n", rep.Jobs, rep.Files, rep.Hashed, rep.Took)
				for _, f := range rep.Findings {
					fmt.Fprintf(out, "%-14s %s\n", f.Kind, f.Detail)
				}
				if rep.Truncated {
					fmt.Fprintf(out, "(only the first %d findings are listed)\n", maxListed)
				}
				if n := rep.Counts[StaleSidecar] - rep.Repaired; n > 0 && !repair {
					fmt.Fprintf(out, "Run with --repair to rewrite the %d stale job.json file(s) from the database.\n", n)
				}
			}
			if n := rep.Open(); n > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d problem(s) need a person.\n", n)
				os.Exit(1) // PocketBase's command runner exits 0 on a command's error
			}
			if !asJSON {
				fmt.Fprintln(out, "Everything agrees.")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&repair, "repair", false, "rewrite missing or stale job.json files from the database")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	app.RootCmd.AddCommand(cmd)
}
