package jobs_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
)

// The first requests of a new server race to create its signing key: every
// one gets the same whole key, the one the file holds (a loser used to read
// the winner's file before the key was in it and answered "damaged").
func TestTheServerSecretIsCreatedOnceWhenRequestsRace(t *testing.T) {
	for round := range 20 {
		dir := t.TempDir()
		app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
		const n = 16
		keys := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				keys[i], errs[i] = jobs.ServerSecret(app)
			}()
		}
		wg.Wait()
		onDisk, err := os.ReadFile(filepath.Join(dir, "printlab.secret"))
		if err != nil || len(onDisk) != 32 {
			t.Fatalf("round %d: the key file: %d bytes, %v", round, len(onDisk), err)
		}
		for i := range n {
			if errs[i] != nil || !bytes.Equal(keys[i], onDisk) {
				t.Fatalf("round %d, request %d: %v; key matches the file: %v", round, i, errs[i], bytes.Equal(keys[i], onDisk))
			}
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) != 0 {
			t.Fatalf("round %d: temporary files left: %v", round, left)
		}
		if fi, _ := os.Stat(filepath.Join(dir, "printlab.secret")); fi.Mode().Perm() != 0o600 {
			t.Fatalf("round %d: the key file is %v, want -rw-------", round, fi.Mode().Perm())
		}
	}
}
