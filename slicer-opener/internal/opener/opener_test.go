package opener

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"printlab/slicer-opener/internal/config"
	"printlab/slicer-opener/internal/rotlog"
)

const (
	job   = "abc123def456ghi"
	token = "eyJqb2IiOiJhYmMifQ.c2lnbmF0dXJlX2hlcmU"
	short = "7F3K2Q"
	std   = "JaneDoe_Filament_TrueRed_7F3K2Q.3mf"
)

func linkFor(file string) string {
	return "printjob://open?job=" + job + "&file=" + file + "&t=" + token
}

// fakeServer implements the server side of the contract for one token.
type fakeServer struct {
	mu       sync.Mutex
	body     []byte // what /dl serves
	sum      []byte // what the answer claims; sha256(body) when nil
	name     string
	file     string
	status   int // non-200 answers to /api/printlab/links
	message  string
	dlPaths  []string
	apiCalls int
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.URL.Path == "/api/printlab/links/"+token:
		f.apiCalls++
		if f.status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.status)
			json.NewEncoder(w).Encode(map[string]any{"status": f.status, "message": f.message, "data": map[string]any{}})
			return
		}
		sum := f.sum
		if sum == nil {
			s := sha256.Sum256(f.body)
			sum = s[:]
		}
		file := f.file
		if file == "" {
			file = "model"
		}
		json.NewEncoder(w).Encode(map[string]any{
			"job": job, "short_id": short, "file": file, "name": f.name,
			"sha256": hex.EncodeToString(sum), "size": len(f.body),
			"url": "https://elsewhere.example/dl/" + token + "/" + f.name,
		})
	case strings.HasPrefix(r.URL.Path, "/dl/"+token+"/"):
		if !strings.HasPrefix(r.UserAgent(), "PrintLab-slicer-opener") {
			http.Error(w, "unexpected client", http.StatusBadRequest)
			return
		}
		f.dlPaths = append(f.dlPaths, r.URL.Path)
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	default:
		http.NotFound(w, r)
	}
}

// fakeSlicer writes a shell script that records its arguments, one per line after their count.
func fakeSlicer(t testing.TB) (script, record string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake slicer is a shell script")
	}
	dir := t.TempDir()
	record = filepath.Join(dir, "argv.txt")
	script = filepath.Join(dir, "fake slicer.sh")
	body := "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > '" + record + ".tmp'\nmv '" + record + ".tmp' '" + record + "'\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, record
}

func waitFile(t *testing.T, path string) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil {
			return string(b)
		}
	}
	t.Fatalf("%s never appeared", path)
	return ""
}

func setup(t *testing.T, fs *fakeServer) (*Opener, string, string) {
	t.Helper()
	return setupBench(t, fs)
}

// setupBench builds an Opener against fs whose every file type opens in the fake slicer.
func setupBench(t testing.TB, fs *fakeServer) (*Opener, string, string) {
	t.Helper()
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	slicer, record := fakeSlicer(t)
	work := filepath.Join(t.TempDir(), "work")
	cfg := config.Default()
	cfg.Server, cfg.Workdir = srv.URL, work
	for _, ext := range config.Extensions {
		cfg.Slicers[ext] = slicer
	}
	o := &Opener{Config: cfg, Log: rotlog.Open(filepath.Join(t.TempDir(), "log", "slicer-opener.log"))}
	return o, record, work
}

func TestOpenEndToEnd(t *testing.T) {
	body := []byte("PK\x03\x04 pretend this is a sanitized 3mf")
	fs := &fakeServer{body: body, name: std}
	o, record, work := setup(t, fs)
	// An older copy with the same name is replaced.
	if err := os.MkdirAll(filepath.Join(work, short), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, short, std), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := o.Open(context.Background(), linkFor("model"))
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(work, short, std)
	if got != want {
		t.Fatalf("opened %q, want %q", got, want)
	}
	if argv := waitFile(t, record); argv != "1\n"+want+"\n" {
		t.Fatalf("slicer argv = %q, want exactly one argument %q", argv, want)
	}
	if b, _ := os.ReadFile(want); string(b) != string(body) {
		t.Fatalf("saved %q", b)
	}
	if fs.dlPaths[0] != "/dl/"+token+"/"+std {
		t.Fatalf("download path %q", fs.dlPaths[0])
	}
	entries, _ := os.ReadDir(filepath.Join(work, short))
	if len(entries) != 1 {
		t.Fatalf("job folder holds %v", entries)
	}
	log, _ := os.ReadFile(o.Log.Path())
	if strings.Contains(string(log), token) || !strings.Contains(string(log), token[:6]) {
		t.Fatalf("log leaks or lacks the token hint:\n%s", log)
	}
	if !strings.Contains(string(log), "ok after") {
		t.Fatalf("log lacks the outcome:\n%s", log)
	}
}

func TestOpenTamperedFile(t *testing.T) {
	fs := &fakeServer{body: []byte("solid evil\nfacet\n"), name: "x.stl"}
	good := sha256.Sum256([]byte("solid good\nfacet\n"))
	fs.sum = good[:]
	o, record, work := setup(t, fs)
	_, err := o.Open(context.Background(), linkFor("model"))
	if err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("tampered file: %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := os.Stat(record); !os.IsNotExist(err) {
		t.Fatal("slicer started on a tampered file")
	}
	entries, _ := os.ReadDir(filepath.Join(work, short))
	if len(entries) != 0 {
		t.Fatalf("tampered file left behind: %v", entries)
	}
}

func TestOpenHostileNames(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"../../evil.sh", "solid x\nfacet normal 0 0 1\n", short + "_model.stl"},
		{"a/b.3mf", "PK\x03\x04...", short + "_model.3mf"},
		{`..\..\AppData\evil.3mf`, "PK\x03\x04...", short + "_model.3mf"},
		{"/etc/cron.d/x.gcode", "; PrusaSlicer\nG28\n", short + "_model.gcode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := &fakeServer{body: []byte(tt.body), name: tt.name}
			o, record, work := setup(t, fs)
			got, err := o.Open(context.Background(), linkFor("model"))
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(work, short, tt.want)
			if got != want {
				t.Fatalf("saved as %q, want %q", got, want)
			}
			if argv := waitFile(t, record); argv != "1\n"+want+"\n" {
				t.Fatalf("argv %q", argv)
			}
			if strings.Contains(fs.dlPaths[0], "..") || strings.Count(fs.dlPaths[0], "/") != 3 {
				t.Fatalf("download path %q", fs.dlPaths[0])
			}
		})
	}
	// Content the helper does not recognise under a name without a known type is not opened.
	fs := &fakeServer{body: []byte("#!/bin/sh\nrm -rf ~\n"), name: "../../evil.sh"}
	o, _, _ := setup(t, fs)
	if _, err := o.Open(context.Background(), linkFor("model")); err == nil {
		t.Fatal("opened a shell script")
	}
}

func TestOpenServerRefusals(t *testing.T) {
	fs := &fakeServer{status: http.StatusGone, message: "This link has expired. Open the job again on the dashboard."}
	o, record, _ := setup(t, fs)
	_, err := o.Open(context.Background(), linkFor("model"))
	if err == nil || err.Error() != "PrintLab server: This link has expired. Open the job again on the dashboard." {
		t.Fatalf("410: %v", err)
	}
	fs.status, fs.message = http.StatusForbidden, "Bad\nsignature\x1b[31m"
	_, err = o.Open(context.Background(), linkFor("model"))
	if err == nil || err.Error() != "PrintLab server: Bad signature [31m" {
		t.Fatalf("403: %q", err)
	}
	fs.status, fs.message = http.StatusForbidden, ""
	if _, err = o.Open(context.Background(), linkFor("model")); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Fatalf("403 without message: %v", err)
	}
	if _, err := os.Stat(record); !os.IsNotExist(err) {
		t.Fatal("slicer started")
	}
}

func TestOpenRefusesBeforeContactingServer(t *testing.T) {
	fs := &fakeServer{body: []byte("x"), name: "x.stl"}
	o, _, _ := setup(t, fs)
	for _, raw := range []string{"printjob://open?job=" + job + "&file=model&t=" + token + "&server=evil",
		"https://evil.example/x.3mf", ""} {
		if _, err := o.Open(context.Background(), raw); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("%q: %v", raw, err)
		}
	}
	// The answer must be about the job and file in the link.
	fs.file = "print"
	if _, err := o.Open(context.Background(), linkFor("model")); err == nil || !strings.Contains(err.Error(), "different file") {
		t.Fatalf("mismatched file: %v", err)
	}
	if fs.apiCalls != 1 || len(fs.dlPaths) != 0 {
		t.Fatalf("server calls: api %d, dl %d", fs.apiCalls, len(fs.dlPaths))
	}
}

func TestOpenNoSlicerNoDownload(t *testing.T) {
	fs := &fakeServer{body: []byte("x"), name: "x.form"}
	o, _, _ := setup(t, fs)
	delete(o.Config.Slicers, "form")
	if _, err := o.Open(context.Background(), linkFor("model")); err == nil || !strings.Contains(err.Error(), "slicer.form") {
		t.Fatalf("missing slicer: %v", err)
	}
	if len(fs.dlPaths) != 0 {
		t.Fatal("downloaded a file nothing can open")
	}
}

func TestCleanup(t *testing.T) {
	work := t.TempDir()
	now := time.Now()
	old := now.Add(-15 * 24 * time.Hour)
	for _, d := range []string{"OLD123", "NEW123", "not-a-job", "lower1"} {
		if err := os.Mkdir(filepath.Join(work, d), 0o700); err != nil {
			t.Fatal(err)
		}
		if d != "NEW123" {
			os.Chtimes(filepath.Join(work, d), old, old)
		}
	}
	target := t.TempDir()
	os.WriteFile(filepath.Join(target, "precious"), []byte("x"), 0o600)
	os.Symlink(target, filepath.Join(work, "LINK12"))
	os.Chtimes(target, old, old)
	removed, err := Cleanup(work, 14, now)
	if err != nil || len(removed) != 1 || removed[0] != "OLD123" {
		t.Fatalf("Cleanup = %v, %v", removed, err)
	}
	for _, keep := range []string{"NEW123", "not-a-job", "lower1", "LINK12"} {
		if _, err := os.Lstat(filepath.Join(work, keep)); err != nil {
			t.Errorf("%s removed", keep)
		}
	}
	if _, err := os.Stat(filepath.Join(target, "precious")); err != nil {
		t.Fatal("followed a symlink")
	}
}
