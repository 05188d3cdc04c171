package intake_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/hooks/intake"
	"printlab/internal/testapp"
	"printlab/model3d"
	"printlab/model3d/testmesh"
	"printlab/schema"
)

// validFields is a submission that passes every rule.
func validFields(fx *testapp.Fixtures) map[string]string {
	return map[string]string{
		"first_name": "Jane", "last_name": "Doe", "email": "jane@student.example.edu",
		"discipline": "Art", "course": "ART 101", "method": "filament", "material": fx.Material.Id,
		"color": "True Red", "printer": fx.Printer.Id, "ack_min_charge": "true", "ack_mm": "true",
	}
}

// cubeSTL is a binary STL of a cube with the given edge in mm.
func cubeSTL(tb testing.TB, size float64) []byte {
	var b bytes.Buffer
	if err := model3d.WriteBinarySTL(&b, testmesh.Cube(size)); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// multipartBody builds the submit form; a nil file sends no model part.
func multipartBody(tb testing.TB, fields map[string]string, fileName string, file []byte) (*bytes.Buffer, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	if file != nil {
		h := textproto.MIMEHeader{}
		// Written by hand: CreateFormFile would escape the hostile names under test.
		h.Set("Content-Disposition", `form-data; name="model"; filename="`+strings.ReplaceAll(fileName, `"`, `\"`)+`"`)
		h.Set("Content-Type", "application/octet-stream")
		p, err := w.CreatePart(h)
		if err != nil {
			tb.Fatal(err)
		}
		p.Write(file)
	}
	w.Close()
	return &b, w.FormDataContentType()
}

// isolateTemp points the temp dir at a fresh folder, so a test can check that
// no upload was left behind.
func isolateTemp(tb testing.TB) string {
	dir := tb.TempDir()
	tb.Setenv("TMPDIR", dir)
	return dir
}

// assertNothingStored checks: no job row, no file under the jobs' storage and
// no temp file left.
func assertNothingStored(tb testing.TB, app core.App, tmp string) {
	tb.Helper()
	n, err := app.CountRecords(schema.Jobs)
	if err != nil || n != 0 {
		tb.Errorf("jobs after a refused upload: %d (%v)", n, err)
	}
	col, _ := app.FindCollectionByNameOrId(schema.Jobs)
	var files []string
	filepath.Walk(filepath.Join(app.DataDir(), "storage", col.Id), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) > 0 {
		tb.Errorf("files left in storage: %v", files)
	}
	left, _ := os.ReadDir(tmp)
	for _, f := range left {
		if strings.HasPrefix(f.Name(), "printlab-upload-") {
			tb.Errorf("temp file left: %s", f.Name())
		}
	}
}

// submitScenario posts a form built at test time (the fixtures' ids are known only then).
func submitScenario(name string, status int, contains []string, build func(fx *testapp.Fixtures) (map[string]string, string, []byte), after func(tb testing.TB, app core.App, tmp string)) *tests.ApiScenario {
	var tmp string
	s := &tests.ApiScenario{Name: name, Method: http.MethodPost, URL: "/api/printlab/submit",
		ExpectedStatus: status, ExpectedContent: contains}
	s.TestAppFactory = func(tb testing.TB) *tests.TestApp {
		tmp = isolateTemp(tb)
		app, fx := testapp.NewSeeded(tb)
		fields, fname, file := build(fx)
		body, ct := multipartBody(tb, fields, fname, file)
		s.Body = body
		s.Headers = map[string]string{"Content-Type": ct}
		return app
	}
	s.AfterTestFunc = func(tb testing.TB, app *tests.TestApp, res *http.Response) {
		if after != nil {
			after(tb, app, tmp)
		}
	}
	return s
}

func TestSubmitAccepted(t *testing.T) {
	tmp := isolateTemp(t)
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	stl := cubeSTL(t, 20)
	res := post(t, app, validFields(fx), "my cube.STL", stl)
	if res.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", res.Code, res.Body)
	}
	var out struct{ ID, ShortID, StatusURL string }
	json.Unmarshal(res.Body.Bytes(), &struct {
		ID        *string `json:"id"`
		ShortID   *string `json:"short_id"`
		StatusURL *string `json:"status_url"`
	}{&out.ID, &out.ShortID, &out.StatusURL})
	if len(out.ShortID) != 6 || !strings.Contains(out.StatusURL, "/status/#"+out.ID+".") {
		t.Fatalf("answer %s", res.Body)
	}
	job, err := app.FindRecordById(schema.Jobs, out.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := "JaneDoe_Filament_TrueRed_" + out.ShortID + ".stl"
	if job.GetString("model") != want || job.GetString("display_name") != want {
		t.Errorf("stored as %q, display %q, want %q", job.GetString("model"), job.GetString("display_name"), want)
	}
	if job.GetString("original_name") != "my cube.STL" || len(job.GetString("sha256")) != 64 {
		t.Errorf("original %q sha %q", job.GetString("original_name"), job.GetString("sha256"))
	}
	stored, err := os.ReadFile(filepath.Join(app.DataDir(), "storage", job.BaseFilesPath(), want))
	if err != nil || !bytes.Equal(stored, stl) {
		t.Errorf("the stored model is not the upload (%v)", err)
	}
	var stats struct {
		Triangles     int        `json:"triangles"`
		SizeMM        [3]float64 `json:"size_mm"`
		Fits          []string   `json:"fits"`
		EstimateGrams float64    `json:"estimate_grams"`
	}
	job.UnmarshalJSONField("model_stats", &stats)
	if stats.Triangles != 12 || stats.SizeMM[0] != 20 || len(stats.Fits) != 4 {
		t.Errorf("stats %+v", stats)
	}
	// 8 cm³ × 1.24 g/cm³ × 0.35 = 3.47 g → 35 ¢, below the 300 ¢ minimum.
	if stats.EstimateGrams != 3.5 || job.GetInt("estimate_cents") != 300 {
		t.Errorf("estimate %v g, %d ¢", stats.EstimateGrams, job.GetInt("estimate_cents"))
	}
	if n, _ := app.CountRecords(schema.Emails, dbx.HashExp{"job": job.Id, "kind": "received"}); n != 1 {
		t.Errorf("received emails: %d", n)
	}
	// After commit: the thumbnail and the sidecar.
	deadline := time.Now().Add(5 * time.Second)
	var sidecar []byte
	for time.Now().Before(deadline) {
		job, _ = app.FindRecordById(schema.Jobs, out.ID)
		sidecar, _ = os.ReadFile(filepath.Join(app.DataDir(), "storage", job.BaseFilesPath(), intake.SidecarName))
		if job.GetString("thumbnail") != "" && bytes.Contains(sidecar, []byte(job.GetString("thumbnail"))) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if job.GetString("thumbnail") == "" {
		t.Fatal("no thumbnail after 5 s")
	}
	if !bytes.Contains(sidecar, []byte(`"short_id": "`+out.ShortID)) || !bytes.Contains(sidecar, []byte(`"type": "submit"`)) {
		t.Errorf("sidecar:\n%s", sidecar)
	}
	for _, secret := range []string{"status_key_salt", "confirm_token_hash"} {
		if bytes.Contains(sidecar, []byte(secret)) {
			t.Errorf("the sidecar carries %s", secret)
		}
	}
	left, _ := os.ReadDir(tmp)
	for _, f := range left {
		if strings.HasPrefix(f.Name(), "printlab-upload-") {
			t.Errorf("temp file left after success: %s", f.Name())
		}
	}

	// The thumbnail route answers the key holder only.
	key := out.StatusURL[strings.LastIndex(out.StatusURL, ".")+1:]
	if r := get(t, app, "/api/printlab/status/"+out.ID+"/thumbnail?key="+key); r.Code != 200 || !bytes.HasPrefix(r.Body.Bytes(), []byte("\x89PNG")) {
		t.Errorf("thumbnail with key: %d", r.Code)
	}
	if r := get(t, app, "/api/printlab/status/"+out.ID+"/thumbnail?key=wrong"); r.Code != 404 {
		t.Errorf("thumbnail with a wrong key: %d", r.Code)
	}
}

// The rendered thumbnail is drawn in the colour the student chose.
func TestSubmitThumbnailInJobColour(t *testing.T) {
	isolateTemp(t)
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	fields := validFields(fx)
	fields["color"] = "Blue"
	res := post(t, app, fields, "cube.stl", cubeSTL(t, 20))
	if res.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", res.Code, res.Body)
	}
	var out struct {
		ID string `json:"id"`
	}
	json.Unmarshal(res.Body.Bytes(), &out)
	job := waitThumbnail(t, app, out.ID, "")
	r, g, b := thumbColor(t, app, job)
	if b < 2*r || b < g {
		t.Errorf("a Blue job's thumbnail is not blue: r %d g %d b %d", r, g, b)
	}

	// An admin corrects the colour and the name afterwards (the admin UI saves
	// the record): the standard names follow, and the thumbnail is drawn again
	// in the new colour from the stored upload, which stays as it was.
	before := job.GetString("thumbnail")
	upload := job.GetString("model")
	job.Set("print_name", "JaneDoe_Filament_Blue_"+job.GetString("short_id")+".gcode") // as if sliced
	if err := app.Save(job); err != nil {
		t.Fatal(err)
	}
	job.Set("color", "True Red")
	job.Set("last_name", "O'Brien-Smith")
	if err := app.Save(job); err != nil {
		t.Fatal(err)
	}
	job = waitThumbnail(t, app, out.ID, before)
	short := job.GetString("short_id")
	if got, want := job.GetString("display_name"), "JaneOBrienSmith_Filament_TrueRed_"+short+".stl"; got != want {
		t.Errorf("display name after the edit: %q, want %q", got, want)
	}
	if got, want := job.GetString("print_name"), "JaneOBrienSmith_Filament_TrueRed_"+short+".gcode"; got != want {
		t.Errorf("print file name after the edit: %q, want %q", got, want)
	}
	if job.GetString("model") != upload {
		t.Errorf("the stored upload changed: %q → %q", upload, job.GetString("model"))
	}
	if r, g, b := thumbColor(t, app, job); r < 2*b || r < 2*g {
		t.Errorf("after the change to True Red the thumbnail is not red: r %d g %d b %d", r, g, b)
	}
	if _, err := os.Stat(filepath.Join(app.DataDir(), "storage", job.BaseFilesPath(), before)); !os.IsNotExist(err) {
		t.Errorf("the old thumbnail is still stored (%v)", err)
	}
}

// waitThumbnail waits up to 5 s for the job to have a thumbnail other than not.
func waitThumbnail(tb testing.TB, app core.App, id, not string) *core.Record {
	tb.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if job, _ := app.FindRecordById(schema.Jobs, id); job != nil && job.GetString("thumbnail") != "" && job.GetString("thumbnail") != not {
			return job
		}
	}
	tb.Fatalf("no new thumbnail after 5 s (had %q)", not)
	return nil
}

// thumbColor sums the colour channels of the job's stored thumbnail.
func thumbColor(tb testing.TB, app core.App, job *core.Record) (r, g, b uint64) {
	tb.Helper()
	r, g, b, err := testmesh.PNGColorSums(filepath.Join(app.DataDir(), "storage", job.BaseFilesPath(), job.GetString("thumbnail")))
	if err != nil {
		tb.Fatal(err)
	}
	return r, g, b
}

func TestSubmitValidation(t *testing.T) {
	stl := func(tb testing.TB) []byte { return cubeSTL(tb, 20) }
	type rule struct {
		name, field, message string
		change               func(f map[string]string, fx *testapp.Fixtures)
	}
	rules := []rule{
		{"first name missing", "first_name", "Enter your first name", func(f map[string]string, _ *testapp.Fixtures) { f["first_name"] = "  " }},
		{"last name too long", "last_name", "at most 60 characters", func(f map[string]string, _ *testapp.Fixtures) { f["last_name"] = strings.Repeat("x", 61) }},
		{"control characters in a name", "first_name", "characters we can't use", func(f map[string]string, _ *testapp.Fixtures) { f["first_name"] = "Ja\x00ne" }},
		{"bidi override in a name", "last_name", "characters we can't use", func(f map[string]string, _ *testapp.Fixtures) { f["last_name"] = "Doe\u202e" }},
		{"email syntax", "email", "look like an email address", func(f map[string]string, _ *testapp.Fixtures) { f["email"] = "jane@" }},
		{"email with a display name", "email", "look like an email address", func(f map[string]string, _ *testapp.Fixtures) { f["email"] = "Jane <jane@x.edu>" }},
		{"email a mail server would refuse", "email", "look like an email address", func(f map[string]string, _ *testapp.Fixtures) {
			f["email"] = strings.Repeat("a", 65) + "@student.example.edu"
		}},
		{"discipline not offered", "discipline", "from the list", func(f map[string]string, _ *testapp.Fixtures) { f["discipline"] = "Astrology" }},
		{"course missing", "course", "or N/A", func(f map[string]string, _ *testapp.Fixtures) { f["course"] = "" }},
		{"course too long", "course", "at most 40 characters", func(f map[string]string, _ *testapp.Fixtures) { f["course"] = strings.Repeat("C", 41) }},
		{"method unknown", "method", "filament or resin", func(f map[string]string, _ *testapp.Fixtures) { f["method"] = "sls" }},
		{"material of the other method", "material", "not used for resin", func(f map[string]string, _ *testapp.Fixtures) { f["method"] = "resin" }},
		{"material unknown", "material", "not offered", func(f map[string]string, _ *testapp.Fixtures) { f["material"] = "nosuchmaterial1" }},
		{"colour not of the material", "color", "not available for PLA", func(f map[string]string, _ *testapp.Fixtures) { f["color"] = "Black" }},
		{"printer inactive", "printer", "not available any more", func(f map[string]string, fx *testapp.Fixtures) { f["printer"] = fx.InactivePrinter.Id }},
		{"minimum charge not acknowledged", "ack_min_charge", "minimum charge of $3.00", func(f map[string]string, _ *testapp.Fixtures) { delete(f, "ack_min_charge") }},
		{"millimetres not acknowledged", "ack_mm", "in millimetres", func(f map[string]string, _ *testapp.Fixtures) { f["ack_mm"] = "yes" }},
	}
	for _, r := range rules {
		s := submitScenario(r.name, 400, []string{`"code":"invalid"`, `"` + r.field + `":{"code":"invalid","message":"`, r.message},
			func(fx *testapp.Fixtures) (map[string]string, string, []byte) {
				f := validFields(fx)
				r.change(f, fx)
				return f, "cube.stl", stl(t)
			}, assertNothingStored)
		s.Test(t)
	}
	// Addresses Go's parser takes but the job's email field refuses: each a
	// 400 naming the field, not a 500 from the save.
	for _, email := range []string{"a@[1.2.3.4]", "a@-b.c", "a@b-.de", "a@123.45", "a@b.c-"} {
		s := submitScenario("email "+email, 400, []string{`"email":{"code":"invalid","message":"`, "look like an email address"},
			func(fx *testapp.Fixtures) (map[string]string, string, []byte) {
				f := validFields(fx)
				f["email"] = email
				return f, "cube.stl", stl(t)
			}, assertNothingStored)
		s.Test(t)
	}
	s := submitScenario("a file name without a type", 400, []string{`"model":{"code":"invalid","message":"This file has no type at the end of its name`},
		func(fx *testapp.Fixtures) (map[string]string, string, []byte) { return validFields(fx), "cube", stl(t) }, assertNothingStored)
	s.Test(t)
	s = submitScenario("no model file", 400, []string{`"model":{"code":"invalid","message":"Choose your model file`},
		func(fx *testapp.Fixtures) (map[string]string, string, []byte) { return validFields(fx), "", nil }, assertNothingStored)
	s.Test(t)
	s = submitScenario("N/A course is fine in any case", 201, []string{`"short_id"`},
		func(fx *testapp.Fixtures) (map[string]string, string, []byte) {
			f := validFields(fx)
			f["course"] = "n/a"
			return f, "cube.stl", stl(t)
		}, nil)
	s.Test(t)
}

func TestSubmitHostileUploads(t *testing.T) {
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0}, 600)...)
	truncated := func(tb testing.TB) []byte { b := cubeSTL(tb, 20); return b[:len(b)-30] }
	cases := []struct {
		name, file, message string
		content             func(tb testing.TB) []byte
	}{
		{"an ELF renamed .stl", "tool.stl", "not a 3D model", func(testing.TB) []byte { return elf }},
		{"a truncated STL", "cube.stl", "", truncated},
		{"a text file named .3mf", "model.3mf", "", func(testing.TB) []byte { return []byte(strings.Repeat("solid x\n", 100)) }},
		{"a zip bomb named .3mf", "bomb.3mf", "", zipBomb},
		{"an executable extension", "model.exe", "not a file type we can print from", func(tb testing.TB) []byte { return cubeSTL(tb, 20) }},
		{"a path in the name", "../../etc/cube.stl", "folder path", func(tb testing.TB) []byte { return cubeSTL(tb, 20) }},
		{"a Windows path in the name", `C:\Users\x\cube.stl`, "folder path", func(tb testing.TB) []byte { return cubeSTL(tb, 20) }},
		{"a control character in the name", "cu\x01be.stl", "could not be read", func(tb testing.TB) []byte { return cubeSTL(tb, 20) }},
		{"a bidi override in the name", "cube\u202eltS.stl", "invisible characters", func(tb testing.TB) []byte { return cubeSTL(tb, 20) }},
		{"an empty file", "cube.stl", "empty", func(testing.TB) []byte { return []byte{} }},
	}
	for _, c := range cases {
		contains := []string{`"model":{"code":"invalid","message":"`, c.message}
		if c.message == "could not be read" { // the multipart header itself is refused
			contains = contains[1:]
		}
		s := submitScenario(c.name, 400, contains, func(fx *testapp.Fixtures) (map[string]string, string, []byte) {
			return validFields(fx), c.file, c.content(t)
		}, assertNothingStored)
		s.Test(t)
	}
}

// zipBomb is a .3mf whose model part inflates 1000× (a 3MF is a zip).
func zipBomb(tb testing.TB) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, _ := z.Create("3D/3dmodel.model")
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for i := 0; i < 200; i++ {
		w.Write(chunk)
	}
	z.Close()
	return b.Bytes()
}

func TestSubmitOversizedBodyRefusedBeforeStored(t *testing.T) {
	tmp := isolateTemp(t)
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	setSetting(t, app, "max_upload_mb", 1)
	big := bytes.Repeat([]byte("x"), 2<<20)
	res := post(t, app, validFields(fx), "big.stl", big)
	if res.Code != http.StatusRequestEntityTooLarge || !strings.Contains(res.Body.String(), "larger than the 1 MB") {
		t.Errorf("status %d: %s", res.Code, res.Body)
	}
	assertNothingStored(t, app, tmp)
	// With the body over the limit by its declared length, nothing is read at all.
	body, ct := multipartBody(t, validFields(fx), "big.stl", bytes.Repeat([]byte("x"), 8<<20))
	req := newRequest(t, body, ct)
	rec := serve(t, app, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared oversize: %d %s", rec.Code, rec.Body)
	}
	assertNothingStored(t, app, tmp)
}

func TestSubmitRateLimit(t *testing.T) {
	isolateTemp(t)
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	setSetting(t, app, "submits_per_ip_hour", 2)
	bad := validFields(fx)
	bad["email"] = "nope"
	for i := 0; i < 3; i++ { // refused forms do not count against the limit
		if r := post(t, app, bad, "c.stl", cubeSTL(t, 10)); r.Code != 400 {
			t.Fatalf("bad form %d: %d", i, r.Code)
		}
	}
	for i := 0; i < 2; i++ {
		if r := post(t, app, validFields(fx), "c.stl", cubeSTL(t, float64(10+i))); r.Code != 201 {
			t.Fatalf("submission %d: %d %s", i, r.Code, r.Body)
		}
	}
	r := post(t, app, validFields(fx), "c.stl", cubeSTL(t, 30))
	if r.Code != http.StatusTooManyRequests || !strings.Contains(r.Body.String(), "try again after ") {
		t.Errorf("third: %d %s", r.Code, r.Body)
	}
}

func TestSubmitDuplicate(t *testing.T) {
	isolateTemp(t)
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	stl := cubeSTL(t, 20)
	first := post(t, app, validFields(fx), "a.stl", stl)
	if first.Code != 201 {
		t.Fatal(first.Body)
	}
	var out struct {
		ShortID string `json:"short_id"`
	}
	json.Unmarshal(first.Body.Bytes(), &out)
	f := validFields(fx)
	f["email"] = "JANE@student.example.edu" // the same person, typed differently
	dup := post(t, app, f, "renamed.stl", stl)
	if dup.Code != http.StatusConflict || !strings.Contains(dup.Body.String(), out.ShortID) {
		t.Errorf("duplicate: %d %s", dup.Code, dup.Body)
	}
	f["email"] = "someone.else@student.example.edu"
	if other := post(t, app, f, "a.stl", stl); other.Code != 201 {
		t.Errorf("same file from another student: %d", other.Code)
	}
}

// The refusal of a duplicate links to the earlier request only through the
// public resend page (SPEC §4: "refused with a link to that job"), never with
// the private status link: someone with the student's email and the same file
// must not get the student's key. The link is offered while the request waits
// for confirmation, the one status in which that page can send a new link.
func TestSubmitDuplicateOffersTheResendPage(t *testing.T) {
	isolateTemp(t)
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	setSetting(t, app, "public_url", "https://print.lab.example.edu/")
	stl := cubeSTL(t, 20)
	first := post(t, app, validFields(fx), "a.stl", stl)
	var created struct {
		ID        string `json:"id"`
		ShortID   string `json:"short_id"`
		StatusURL string `json:"status_url"`
	}
	if first.Code != 201 || json.Unmarshal(first.Body.Bytes(), &created) != nil {
		t.Fatal(first.Body)
	}
	key := created.StatusURL[strings.LastIndex(created.StatusURL, ".")+1:]
	refusal := func() (string, map[string]any) {
		t.Helper()
		dup := post(t, app, validFields(fx), "again.stl", stl)
		var out map[string]any
		if dup.Code != http.StatusConflict || json.Unmarshal(dup.Body.Bytes(), &out) != nil || out["code"] != "duplicate" {
			t.Fatalf("duplicate: %d %s", dup.Code, dup.Body)
		}
		if strings.Contains(dup.Body.String(), key) || strings.Contains(dup.Body.String(), "/status/") {
			t.Errorf("the refusal carries the private status link: %s", dup.Body)
		}
		return dup.Body.String(), out
	}

	// Waiting for review: the student follows the emailed link; no page could send another.
	if body, out := refusal(); out["resend_url"] != nil || !strings.Contains(body, created.ShortID) {
		t.Errorf("uploaded: %s", body)
	}

	job, err := app.FindRecordById(schema.Jobs, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	job.Set("status", string(schema.StatusPending))
	if err := app.Save(job); err != nil {
		t.Fatal(err)
	}
	want := "https://print.lab.example.edu/confirm/#resend-" + created.ShortID
	body, out := refusal()
	if out["resend_url"] != want || !strings.Contains(out["message"].(string), want) {
		t.Errorf("pending: resend_url %v, message %q; want %s in both", out["resend_url"], out["message"], want)
	}
	// The page behind it emails a new confirmation link to the student's own address.
	if r := postJSON(t, app, "/api/printlab/confirm/resend", `{"short_id":"`+created.ShortID+`","email":"`+validFields(fx)["email"]+`"}`); r.Code != http.StatusAccepted {
		t.Fatalf("resend: %d %s", r.Code, r.Body)
	}
	sent, err := app.FindAllRecords(schema.Emails, dbx.HashExp{"job": created.ID, "kind": "confirm"})
	if err != nil || len(sent) != 1 || sent[0].GetString("recipient") != validFields(fx)["email"] {
		t.Errorf("no new confirmation link emailed to the student after %s: %v %v", body, sent, err)
	}
}

func TestSubmitFailureAfterFileStoredLeavesNothing(t *testing.T) {
	tmp := isolateTemp(t)
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	app.OnRecordCreate(schema.Events).BindFunc(func(e *core.RecordEvent) error {
		return errors.New("injected failure after the job and its file were saved")
	})
	res := post(t, app, validFields(fx), "cube.stl", cubeSTL(t, 20))
	if res.Code != http.StatusInternalServerError || !strings.Contains(res.Body.String(), "nothing was changed") {
		t.Errorf("status %d %s", res.Code, res.Body)
	}
	assertNothingStored(t, app, tmp)
}

// --- helpers over the test app's router ---

func setSetting(tb testing.TB, app core.App, field string, v any) {
	tb.Helper()
	r, err := app.FindFirstRecordByData(schema.LabSettings, "key", schema.SettingsKey)
	if err != nil {
		tb.Fatal(err)
	}
	r.Set(field, v)
	if err := app.Save(r); err != nil {
		tb.Fatal(err)
	}
}

func newRequest(tb testing.TB, body io.Reader, ct string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, "/api/printlab/submit", body)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.RemoteAddr = "203.0.113.7:5000"
	return req
}

func post(tb testing.TB, app *tests.TestApp, fields map[string]string, name string, file []byte) *recorder {
	body, ct := multipartBody(tb, fields, name, file)
	return serve(tb, app, newRequest(tb, body, ct))
}

func get(tb testing.TB, app *tests.TestApp, url string) *recorder {
	req, _ := http.NewRequest(http.MethodGet, url, http.NoBody)
	req.RemoteAddr = "203.0.113.7:5000"
	return serve(tb, app, req)
}

func postJSON(tb testing.TB, app *tests.TestApp, url, body string) *recorder {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "203.0.113.7:5000"
	return serve(tb, app, req)
}

func TestSubmitConcurrentDuplicatesOneWins(t *testing.T) {
	isolateTemp(t)
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	stl := cubeSTL(t, 25)
	get(t, app, "/api/printlab/catalog") // build the router before the race
	codes := make(chan int, 4)
	for i := 0; i < 4; i++ {
		go func() { codes <- post(t, app, validFields(fx), "same.stl", stl).Code }()
	}
	got := map[int]int{}
	for i := 0; i < 4; i++ {
		got[<-codes]++
	}
	if got[201] != 1 || got[409] != 3 {
		t.Errorf("answers %v, want one 201 and three 409", got)
	}
}

// PocketBase cuts custom routes at 32 MB; the submit route's limit comes from
// max_upload_mb (50 MB by default), so a 40 MB body is read and judged on its
// content, not refused for its size.
func TestSubmitLiftsTheDefaultBodyLimit(t *testing.T) {
	tmp := isolateTemp(t)
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	junk := make([]byte, 40<<20)
	junk[80] = 1 // a binary STL header promising one triangle, then 40 MB more
	res := post(t, app, validFields(fx), "big.stl", junk)
	if res.Code != http.StatusBadRequest || !strings.Contains(res.Body.String(), `"model":{"code":"invalid"`) {
		t.Fatalf("status %d: %.300s", res.Code, res.Body)
	}
	assertNothingStored(t, app, tmp)
}

// A form whose body ends after a part's delimiter but without the closing
// "--" was cut off on its way (Go's reader ends it like a whole form): it is
// refused and nothing is stored. Without a boundary the answer says so in
// words, not Go's.
func TestACutOffFormIsRefused(t *testing.T) {
	s := submitScenario("cut off after a delimiter", 400, []string{"cut off before its end"},
		func(fx *testapp.Fixtures) (map[string]string, string, []byte) {
			return validFields(fx), "cube.stl", cubeSTL(t, 20)
		}, assertNothingStored)
	factory := s.TestAppFactory
	s.TestAppFactory = func(tb testing.TB) *tests.TestApp {
		app := factory(tb)
		b := s.Body.(*bytes.Buffer).Bytes()
		cut := bytes.TrimSuffix(b, []byte("--\r\n"))
		if len(cut) == len(b) {
			tb.Fatal("the form does not end with its closing delimiter")
		}
		s.Body = bytes.NewReader(append(cut, "\r\n"...))
		return app
	}
	s.Test(t)

	s = submitScenario("no boundary", 400, []string{"names no boundary"},
		func(fx *testapp.Fixtures) (map[string]string, string, []byte) {
			return validFields(fx), "cube.stl", cubeSTL(t, 20)
		}, assertNothingStored)
	factory2 := s.TestAppFactory
	s.TestAppFactory = func(tb testing.TB) *tests.TestApp {
		app := factory2(tb)
		s.Headers["Content-Type"] = "multipart/form-data"
		return app
	}
	s.Test(t)
}
