package integrity_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"printlab/hooks/intake"
	"printlab/hooks/integrity"
	"printlab/hooks/jobs"
	"printlab/internal/testapp"
	"printlab/schema"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// lab holds three jobs with a stored model, its recorded hash and a current
// job.json each.
func lab(t *testing.T) (*tests.TestApp, *testapp.Fixtures, []*core.Record) {
	app, fx := testapp.NewSeeded(t)
	t.Cleanup(app.Cleanup)
	col, _ := app.FindCollectionByNameOrId(schema.Jobs)
	var out []*core.Record
	for i := 0; i < 3; i++ {
		body := []byte(fmt.Sprintf("solid cube%d\nendsolid cube%d\n", i, i))
		f, _ := filesystem.NewFileFromBytes(body, "model.stl")
		j := core.NewRecord(col)
		j.Load(map[string]any{"short_id": fmt.Sprintf("INTEG%d", i), "status": "uploaded", "first_name": "Jane", "last_name": "Doe",
			"email": "jane@student.example.edu", "discipline": "Art", "course": "ART 101", "method": "filament",
			"material": fx.Material.Id, "color": "True Red", "printer": fx.Printer.Id, "model": f,
			"sha256": fmt.Sprintf("%x", sha256.Sum256(body)), "display_name": fmt.Sprintf("JaneDoe_Filament_TrueRed_INTEG%d.stl", i)})
		if err := app.Save(j); err != nil {
			t.Fatal(err)
		}
		if err := intake.WriteSidecar(app, j.Id); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	time.Sleep(400 * time.Millisecond) // the saves' own sidecar rewrites (gathered for 150 ms) are done
	return app, fx, out
}

func folder(app core.App, job *core.Record) string {
	return filepath.Join(app.DataDir(), "storage", job.BaseFilesPath())
}

func check(t *testing.T, app core.App, repair bool) integrity.Report {
	t.Helper()
	rep, err := integrity.Check(context.Background(), app, repair)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestAgreeingLabHasNoFindings(t *testing.T) {
	app, _, _ := lab(t)
	rep := check(t, app, false)
	if rep.Jobs != 3 || rep.Hashed != 3 || rep.Open() != 0 || len(rep.Findings) != 0 {
		t.Fatalf("a lab whose files agree: %+v", rep)
	}
	msg, err := integrity.Scheduled(app, time.Now())
	if err != nil || !strings.Contains(msg, "3 jobs") {
		t.Fatalf("scheduled run: %q, %v", msg, err)
	}
}

func TestFindingsAndSafeRepair(t *testing.T) {
	app, fx, js := lab(t)
	// 1: the model changed on disk.
	if err := os.WriteFile(filepath.Join(folder(app, js[0]), js[0].GetString("model")), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	// 2: its model is gone, and its job.json too.
	os.Remove(filepath.Join(folder(app, js[1]), js[1].GetString("model")))
	os.Remove(filepath.Join(folder(app, js[1]), intake.SidecarName))
	// 3: a move was made while its job.json could not be written (it is put
	// back as it was), and a stray file appeared in its folder.
	side := filepath.Join(folder(app, js[2]), intake.SidecarName)
	old, _ := os.ReadFile(side)
	g, h := 40.0, 2.0
	if _, err := jobs.Do(app, jobs.Request{JobID: js[2].Id, Action: jobs.ActionApprove, Expected: schema.StatusUploaded,
		By: jobs.Actor{Kind: jobs.ByStaff, StaffID: fx.Staff.Id, WorkstationID: fx.Workstation.Id}, Input: jobs.Input{Grams: &g, Hours: &h}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // the sidecar rewrite is gathered for 150 ms
	if err := os.WriteFile(side, old, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(folder(app, js[2]), "notes.txt"), []byte("left here"), 0o644)
	// And a folder whose job does not exist.
	col, _ := app.FindCollectionByNameOrId(schema.Jobs)
	orphan := filepath.Join(app.DataDir(), "storage", col.Id, "nosuchjob000001")
	os.MkdirAll(orphan, 0o755)
	os.WriteFile(filepath.Join(orphan, "lost.stl"), []byte("solid"), 0o644)

	rep := check(t, app, false)
	want := map[string]int{integrity.HashMismatch: 1, integrity.MissingFile: 1, integrity.StaleSidecar: 2,
		integrity.StrayFile: 1, integrity.OrphanFolder: 1}
	if fmt.Sprint(rep.Counts) != fmt.Sprint(want) || rep.Repaired != 0 {
		t.Fatalf("counts %v, want %v; findings %+v", rep.Counts, want, rep.Findings)
	}
	text := fmt.Sprint(rep.Findings)
	for _, s := range []string{"INTEG0's uploaded model has changed", "INTEG1 names its uploaded model", "INTEG1's job.json is missing",
		"INTEG2's job.json is older than the job", `"notes.txt"`, "no job nosuchjob000001"} {
		if !strings.Contains(text, s) {
			t.Errorf("no finding says %q: %s", s, text)
		}
	}

	// The scheduled run rewrites the two sidecars and reports the rest.
	msg, err := integrity.Scheduled(app, time.Now())
	if err == nil || !strings.Contains(msg, "2 sidecars rewritten") || !strings.Contains(err.Error(), "4 problem(s) need a person") {
		t.Fatalf("scheduled: %q, %v", msg, err)
	}
	rep = check(t, app, false)
	if rep.Counts[integrity.StaleSidecar] != 0 || rep.Open() != 4 {
		t.Fatalf("after repair: %+v", rep.Counts)
	}
	b, _ := os.ReadFile(side)
	if !strings.Contains(string(b), `"type": "approve"`) {
		t.Error("the rewritten job.json lacks the approve")
	}
	// Nothing was deleted: the tampered model, the stray and the orphan are still there.
	for _, p := range []string{filepath.Join(folder(app, js[0]), js[0].GetString("model")),
		filepath.Join(folder(app, js[2]), "notes.txt"), filepath.Join(orphan, "lost.stl")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the check removed %s", p)
		}
	}
}

func TestRouteIsForSuperusers(t *testing.T) {
	app, fx, js := lab(t)
	os.Remove(filepath.Join(folder(app, js[0]), intake.SidecarName))
	post := func(who *core.Record, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/printlab/integrity", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if who != nil {
			req.Header.Set("Authorization", testapp.Token(t, who))
		}
		return testapp.Do(t, app, req)
	}
	if rec := post(nil, `{}`); rec.Code != 401 {
		t.Errorf("guest: %d", rec.Code)
	}
	if rec := post(fx.Workstation, `{}`); rec.Code != 403 {
		t.Errorf("workstation: %d", rec.Code)
	}
	if rec := post(fx.Superuser, `{"repair":"yes"}`); rec.Code != 400 || !strings.Contains(rec.Body.String(), "not valid JSON") {
		t.Errorf("bad body: %d %s", rec.Code, rec.Body.String())
	}
	rec := post(fx.Superuser, `{"repair":true}`)
	var rep integrity.Report
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil || rec.Code != 200 || rep.Repaired != 1 {
		t.Fatalf("superuser repair: %d %s", rec.Code, rec.Body.String())
	}
	if _, err := os.Stat(filepath.Join(folder(app, js[0]), intake.SidecarName)); err != nil {
		t.Error("the repair did not write job.json")
	}
}
