package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"printlab/internal/binary"
	"printlab/model3d"
	"printlab/model3d/testmesh"
)

// TestBinarySmoke runs the built binary as a lab would: serve on an empty data dir.
func TestBinarySmoke(t *testing.T) {
	s := binary.Start(t, "")

	resp, err := http.Get(s.URL + "/api/printlab/health")
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || h["status"] != "ok" || h["database"] != "ok" || h["version"] == "" {
		t.Fatalf("health: %d %v", resp.StatusCode, h)
	}

	resp, err = http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "PrintLab") {
		t.Fatalf("front page: %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("security headers missing: %v", resp.Header)
	}

	// The public catalog read works through the record API with the default data.
	resp, err = http.Get(s.URL + "/api/collections/printers/records?fields=name")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Items []struct{ Name string } }
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	var names []string
	for _, it := range list.Items {
		names = append(names, it.Name)
	}
	if !slices.Contains(names, "Prusa MK4S") {
		t.Errorf("default printers not served: %v", names)
	}
}

// BenchmarkColdStart measures start-to-first-health-200 on an empty data dir and
// the idle resident memory one second later (BENCHMARKS.md).
func BenchmarkColdStart(b *testing.B) {
	var ready []time.Duration
	var rss int64
	for i := 0; i < b.N; i++ {
		s := binary.Start(b, b.TempDir())
		ready = append(ready, s.Ready)
		time.Sleep(time.Second)
		if r, err := s.RSS(); err == nil && r > rss {
			rss = r
		}
		s.Stop()
	}
	slices.Sort(ready)
	b.ReportMetric(float64(ready[len(ready)/2].Milliseconds()), "ms-median-ready")
	b.ReportMetric(float64(ready[len(ready)-1].Milliseconds()), "ms-max-ready")
	b.ReportMetric(float64(rss)/(1<<20), "MB-idle-rss")
}

// TestModelCommand runs `printlab model` as staff would from a shell.
func TestModelCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cube.stl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := model3d.WriteBinarySTL(f, testmesh.Cube(20)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(binary.Path(t), "model", path, "--json", "--thumb", filepath.Join(dir, "t.png")).Output()
	if err != nil {
		t.Fatalf("printlab model: %v\n%s", err, out)
	}
	var got struct {
		Stats struct {
			Triangles int     `json:"triangles"`
			Volume    float64 `json:"volume_mm3"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.Stats.Triangles != 12 || got.Stats.Volume < 7999 || got.Stats.Volume > 8001 {
		t.Errorf("cube analysis: %+v\n%s", got, out)
	}
	if st, err := os.Stat(filepath.Join(dir, "t.png")); err != nil || st.Size() < 100 {
		t.Errorf("thumbnail not written: %v", err)
	}
	bad := filepath.Join(dir, "bad.stl")
	os.WriteFile(bad, []byte("\x7fELF not a model"), 0o644)
	if out, err := exec.Command(binary.Path(t), "model", bad).CombinedOutput(); err == nil || !strings.Contains(string(out), "not") {
		t.Errorf("a non-model file: err %v, output %s", err, out)
	}
}
