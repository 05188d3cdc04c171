package modelcmd_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"printlab/cmd/modelcmd"
	"printlab/model3d"
	"printlab/model3d/testmesh"
)

func writeFile(t *testing.T, dir, name string, f func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := modelcmd.Run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHumanOutputAndThumbnail(t *testing.T) {
	dir := t.TempDir()
	stl := writeFile(t, dir, "cube.stl", func(b *bytes.Buffer) error { return model3d.WriteBinarySTL(b, testmesh.Cube(20)) })
	thumb := filepath.Join(dir, "cube.png")
	code, out, errs := run(stl, "--thumb", thumb, "--size", "128", "--fits", "Mini=180x180x180", "--fits", "Tiny=10x10x10")
	if code != modelcmd.ExitOK || errs != "" {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
	for _, want := range []string{"Triangles:   12", "Size:        20.00 × 20.00 × 20.00 mm", "Volume:      8,000.0 mm³ (8.00 cm³)", "closed", "9.9 g if printed solid", "Mini (180 × 180 × 180 mm): fits", "Tiny (10 × 10 × 10 mm): does not fit", "Thumbnail:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	f, err := os.Open(thumb)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != 128 {
		t.Fatalf("thumbnail: %v", err)
	}
}

// --color draws the thumbnail in a catalog colour; without it, the default orange.
func TestThumbnailColor(t *testing.T) {
	dir := t.TempDir()
	stl := writeFile(t, dir, "cube.stl", func(b *bytes.Buffer) error { return model3d.WriteBinarySTL(b, testmesh.Cube(20)) })
	sums := func(args ...string) (r, g, b uint64) {
		t.Helper()
		thumb := filepath.Join(dir, "cube.png")
		if code, _, errs := run(append([]string{stl, "--thumb", thumb, "--size", "64"}, args...)...); code != modelcmd.ExitOK {
			t.Fatalf("code %d: %s", code, errs)
		}
		r, g, b, err := testmesh.PNGColorSums(thumb)
		if err != nil {
			t.Fatal(err)
		}
		return r, g, b
	}
	if r, g, b := sums("--color", "Blue"); b < 2*r || b < g {
		t.Errorf("--color Blue: r %d g %d b %d", r, g, b)
	}
	if r, g, b := sums(); r < 2*b || r < g {
		t.Errorf("no --color: r %d g %d b %d", r, g, b)
	}
}

func TestJSON(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "torus.3mf", func(b *bytes.Buffer) error { return model3d.Write3MF(b, testmesh.Torus(40, 15, 40, 20), "t") })
	code, out, _ := run("--json", p, "--fill", "0.5")
	if code != modelcmd.ExitOK {
		t.Fatalf("code %d: %s", code, out)
	}
	var rep modelcmd.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Format != "3mf" || rep.Stats == nil || rep.Stats.Triangles != 1600 || !rep.Stats.Closed || rep.Grams <= 0 || rep.Error != nil {
		t.Errorf("report: %+v", rep)
	}
	if !strings.Contains(out, `"volume_mm3"`) {
		t.Error("stats not in snake case")
	}
}

func TestRejected(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "virus.stl")
	os.WriteFile(p, append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 200)...), 0o644)
	code, out, errs := run(p)
	if code != modelcmd.ExitRejected || out != "" || !strings.Contains(errs, "virus.stl: This file is not a 3D model") {
		t.Errorf("code %d, out %q, err %q", code, out, errs)
	}
	code, out, _ = run(p, "--json")
	var rep modelcmd.Report
	json.Unmarshal([]byte(out), &rep)
	if code != modelcmd.ExitRejected || rep.Error == nil || rep.Error.Code != model3d.CodeWrongType {
		t.Errorf("json error: %d %s", code, out)
	}
	big := writeFile(t, dir, "big.stl", func(b *bytes.Buffer) error { return model3d.WriteASCIISTL(b, testmesh.Torus(40, 15, 200, 100), "t") })
	if code, _, errs := run(big, "--max-mb", "1"); code != modelcmd.ExitRejected || !strings.Contains(errs, "larger than") {
		t.Errorf("max-mb: %d %q", code, errs)
	}
	if code, _, _ := run(filepath.Join(dir, "missing.stl")); code != modelcmd.ExitRejected {
		t.Errorf("missing file: %d", code)
	}
}

func TestSlicedFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "job.gcode")
	os.WriteFile(p, []byte(";FLAVOR:Marlin\n;TIME:3723\n;Filament used: 1.23456m\n;Generated with Cura_SteamEngine 5.6.0\nG28\n"), 0o644)
	code, out, errs := run(p)
	if code != modelcmd.ExitOK || !strings.Contains(out, "Cura 5.6.0") || !strings.Contains(out, "1h 02m 03s") || !strings.Contains(out, "3.68 g") {
		t.Errorf("code %d out %q err %q", code, out, errs)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"a.stl", "b.stl"}, {"--size", "3", "a.stl"}, {"--fits", "big", "a.stl"}, {"--nope"}} {
		if code, _, _ := run(args...); code != modelcmd.ExitUsage {
			t.Errorf("%v: code %d", args, code)
		}
	}
	if code, _, errs := run("-h"); code != modelcmd.ExitOK || !strings.Contains(errs, "usage: printlab model") {
		t.Errorf("help: %d %q", code, errs)
	}
}
