package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"printlab/hooks/demo"
	"printlab/internal/binary"
)

// TestSlicerHelperEndToEnd runs the real server and the real slicer-opener: a
// workstation asks for a link, the helper downloads the sanitized model through
// it, checks its hash and starts a fake slicer with exactly one argument.
func TestSlicerHelperEndToEnd(t *testing.T) {
	tmp := t.TempDir()
	helper := filepath.Join(tmp, "slicer-opener")
	build := exec.Command("go", "build", "-o", helper, ".")
	build.Dir = "slicer-opener"
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building slicer-opener: %v\n%s", err, out)
	}

	data := filepath.Join(tmp, "pb_data")
	if out, err := exec.Command(binary.Path(t), "demo", "--dir="+data, "--password=e2e-password-1").CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	srv := binary.Start(t, data)
	token := loginWorkstation(t, srv.URL, demo.Workstation, "e2e-password-1")
	jobID, shortID := firstJob(t, srv.URL, token)

	// The staff PC: a config naming the server and a fake slicer that records its argv.
	home := filepath.Join(tmp, "home")
	record := filepath.Join(tmp, "argv.txt")
	slicer := filepath.Join(tmp, "fake-slicer.sh")
	os.WriteFile(slicer, []byte("#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > "+record+"\n"), 0o755)
	conf := filepath.Join(home, ".config", "PrintLab", "slicer-opener.conf")
	os.MkdirAll(filepath.Dir(conf), 0o700)
	work := filepath.Join(home, "work")
	os.WriteFile(conf, []byte("server = "+srv.URL+"\nworkdir = "+work+"\nkeep_days = 14\nslicer.3mf = "+slicer+"\n"), 0o600)
	env := append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "DISPLAY=", "DBUS_SESSION_BUS_ADDRESS=")

	link := askLinkFor(t, srv.URL, token, jobID)
	open := exec.Command(helper, "open", link["printjob"].(string))
	open.Env = env
	if out, err := open.CombinedOutput(); err != nil {
		t.Fatalf("slicer-opener open: %v\n%s", err, out)
	}
	var argv []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(record); err == nil && len(b) > 0 {
			argv = strings.Split(strings.TrimSpace(string(b)), "\n")
			break
		}
	}
	want := filepath.Join(work, shortID, link["name"].(string))
	if len(argv) != 2 || argv[0] != "1" || argv[1] != want {
		t.Fatalf("the slicer got %q, want exactly one argument %q", argv, want)
	}
	b, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != link["sha256"] {
		t.Fatal("the downloaded file is not the one the link was made for")
	}

	// A file that changed behind the link: refused, and no slicer starts.
	os.Remove(record)
	link = askLinkFor(t, srv.URL, token, jobID)
	cache, _ := filepath.Glob(filepath.Join(data, ".printlab_cache", "sanitized", jobID+"-*.3mf"))
	if len(cache) != 1 {
		t.Fatalf("sanitized cache: %v", cache)
	}
	os.WriteFile(cache[0], []byte("PK tampered"), 0o600)
	open = exec.Command(helper, "open", link["printjob"].(string))
	open.Env = env
	out, err := open.CombinedOutput()
	if err == nil {
		t.Fatalf("the helper accepted a changed file:\n%s", out)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := os.Stat(record); err == nil {
		t.Fatal("a slicer was started for a changed file")
	}
}

func loginWorkstation(t *testing.T, base, user, pass string) string {
	t.Helper()
	body := `{"identity":"` + user + `","password":"` + pass + `"}`
	r, err := http.Post(base+"/api/collections/workstations/auth-with-password", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var out struct{ Token string }
	json.NewDecoder(r.Body).Decode(&out)
	if out.Token == "" {
		t.Fatalf("workstation login: %d", r.StatusCode)
	}
	return out.Token
}

func firstJob(t *testing.T, base, token string) (string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/collections/jobs/records?filter=(status%3D'uploaded')&perPage=1", nil)
	req.Header.Set("Authorization", token)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var out struct {
		Items []struct {
			ID      string `json:"id"`
			ShortID string `json:"short_id"`
		}
	}
	json.NewDecoder(r.Body).Decode(&out)
	if len(out.Items) == 0 {
		t.Fatal("no demo job")
	}
	return out.Items[0].ID, out.Items[0].ShortID
}

func askLinkFor(t *testing.T, base, token, jobID string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/printlab/jobs/"+jobID+"/links", strings.NewReader(`{"file":"model"}`))
	req.Header.Set("Authorization", token)
	req.Header.Set("Content-Type", "application/json")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var out map[string]any
	json.NewDecoder(r.Body).Decode(&out)
	if r.StatusCode != 200 {
		t.Fatalf("links: %d %v", r.StatusCode, out)
	}
	return out
}
