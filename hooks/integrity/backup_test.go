package integrity_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/archive"

	"printlab/hooks"
	"printlab/hooks/demo"
	"printlab/hooks/desk"
	"printlab/hooks/integrity"
	"printlab/hooks/jobs"
	"printlab/internal/testapp"
	"printlab/schema"
)

// TestRestoredBackupHoldsEverything (SPEC §10): a backup made by PocketBase's
// own backup job, unzipped into an empty data dir as the README says, holds
// every job, event, payment and email, every stored file with its recorded
// SHA-256 and a current job.json, and the server secret, so the status links
// already emailed keep working. The slicers' cache of sanitized models is
// left out.
func TestRestoredBackupHoldsEverything(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()
	if err := demo.Seed(app, "demo-password-1234", io.Discard); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // the last sidecar rewrites are gathered for 150 ms
	secret, err := jobs.ServerSecret(app)
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(app.DataDir(), desk.CacheDirName, "sanitized")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(cache, "x.3mf"), []byte("cached"), 0o644)
	before := census(t, app)
	if before[schema.Jobs] != len(demo.Students()) || before[schema.Payments] == 0 || before[schema.Events] < 20 {
		t.Fatalf("the demo lab is smaller than expected: %v", before)
	}

	if err := app.CreateBackup(context.Background(), "nightly.zip"); err != nil {
		t.Fatal(err)
	}
	restored := t.TempDir()
	if err := archive.Extract(filepath.Join(app.DataDir(), core.LocalBackupsDirName, "nightly.zip"), restored); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(restored, desk.CacheDirName)); !os.IsNotExist(err) {
		t.Error("the backup carries the sanitized-model cache")
	}

	back, err := testapp.Open(restored)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Cleanup()
	hooks.Register(back, hooks.Options{Version: "test"})
	if after := census(t, back); len(after) != len(before) || after[schema.Jobs] != before[schema.Jobs] ||
		after[schema.Events] != before[schema.Events] || after[schema.Payments] != before[schema.Payments] ||
		after[schema.Emails] != before[schema.Emails] || after["files"] != before["files"] {
		t.Fatalf("restored %v, backed up %v", after, before)
	}
	rep, err := integrity.Check(context.Background(), back, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Open() != 0 || rep.Hashed != before[schema.Jobs] {
		t.Fatalf("the restored files disagree with the restored database: %+v", rep)
	}
	got, err := jobs.ServerSecret(back)
	if err != nil || string(got) != string(secret) {
		t.Fatal("the restored data dir has another server secret: every emailed status link would stop working")
	}
	job, err := back.FindFirstRecordByFilter(schema.Jobs, "status = 'pending'")
	if err != nil {
		t.Fatal(err)
	}
	if key := jobs.StatusKey(secret, job.Id, job.GetString("status_key_salt")); !jobs.CheckStatusKey(back, job, key) {
		t.Error("a status link from before the backup is refused after the restore")
	}
}

// census counts the rows of the history collections and the stored files.
func census(t *testing.T, app core.App) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, c := range []string{schema.Jobs, schema.Events, schema.Payments, schema.Emails} {
		n, err := app.CountRecords(c)
		if err != nil {
			t.Fatal(err)
		}
		out[c] = int(n)
	}
	filepath.WalkDir(filepath.Join(app.DataDir(), "storage"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out["files"]++
		}
		return nil
	})
	return out
}
