package detect

import (
	"os"
	"path/filepath"
	"testing"
)

// lay creates files (mode 0755, or folders when the name ends in /) under root.
func lay(t *testing.T, root string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		full := filepath.Join(root, filepath.FromSlash(p))
		if p[len(p)-1] == '/' {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindWindows(t *testing.T) {
	pf, pf86 := t.TempDir(), t.TempDir()
	lay(t, pf, "Prusa3D/PrusaSlicer/prusa-slicer.exe", "Prusa3D/PrusaSlicer/prusa-gcodeviewer.exe",
		"UltiMaker Cura 5.9.0/UltiMaker-Cura.exe", "UltiMaker Cura 5.10.1/UltiMaker-Cura.exe",
		"Formlabs/PreForm/PreForm.exe", "Bambu Studio/")
	lay(t, pf86, "OrcaSlicer/OrcaSlicer.exe")
	found := Find(Roots{GOOS: "windows", ProgramFiles: []string{pf, pf86}})
	want := map[string]string{
		Prusa:       filepath.Join(pf, "Prusa3D/PrusaSlicer/prusa-slicer.exe"),
		PrusaViewer: filepath.Join(pf, "Prusa3D/PrusaSlicer/prusa-gcodeviewer.exe"),
		Orca:        filepath.Join(pf86, "OrcaSlicer/OrcaSlicer.exe"),
		Cura:        filepath.Join(pf, "UltiMaker Cura 5.10.1/UltiMaker-Cura.exe"),
		PreForm:     filepath.Join(pf, "Formlabs/PreForm/PreForm.exe"),
	}
	checkFound(t, found, want)
	a := Assign(found)
	if a["3mf"] != want[Prusa] || a["gcode"] != want[PrusaViewer] || a["bgcode"] != want[PrusaViewer] ||
		a["form"] != want[PreForm] {
		t.Fatalf("Assign = %v", a)
	}
	if _, ok := a["idea"]; ok {
		t.Fatal("idea assigned")
	}
}

func TestFindMac(t *testing.T) {
	apps, home := t.TempDir(), t.TempDir()
	lay(t, apps, "OrcaSlicer.app/Contents/MacOS/OrcaSlicer", "PreForm.app/")
	lay(t, home, "Bambu Studio.app/", "PrusaSlicer.app") // a file named .app is not a bundle
	found := Find(Roots{GOOS: "darwin", Applications: []string{apps, home}})
	checkFound(t, found, map[string]string{
		Orca:    filepath.Join(apps, "OrcaSlicer.app"),
		Bambu:   filepath.Join(home, "Bambu Studio.app"),
		PreForm: filepath.Join(apps, "PreForm.app"),
	})
	a := Assign(found)
	if a["stl"] != filepath.Join(apps, "OrcaSlicer.app") || a["gcode"] != filepath.Join(apps, "OrcaSlicer.app") {
		t.Fatalf("Assign = %v", a)
	}
	if _, ok := a["bgcode"]; ok {
		t.Fatal("bgcode assigned without a Prusa tool")
	}
}

func TestFindLinux(t *testing.T) {
	usr, flat, apps := t.TempDir(), t.TempDir(), t.TempDir()
	lay(t, flat, "com.bambulab.BambuStudio", "com.prusa3d.PrusaSlicer")
	lay(t, apps, "OrcaSlicer_Linux_V2.1.1.AppImage", "OrcaSlicer_Linux_V2.3.0.AppImage",
		"UltiMaker-Cura-5.8.0-linux-X64.AppImage")
	lay(t, usr, "cura/") // a folder named like a command is not one
	// A non-executable AppImage has not been made runnable yet: skipped.
	if err := os.Chmod(filepath.Join(apps, "UltiMaker-Cura-5.8.0-linux-X64.AppImage"), 0o644); err != nil {
		t.Fatal(err)
	}
	found := Find(Roots{GOOS: "linux", Bin: []string{usr, flat}, AppImages: []string{apps}})
	checkFound(t, found, map[string]string{
		Prusa: filepath.Join(flat, "com.prusa3d.PrusaSlicer"),
		Orca:  filepath.Join(apps, "OrcaSlicer_Linux_V2.3.0.AppImage"),
		Bambu: filepath.Join(flat, "com.bambulab.BambuStudio"),
	})
}

func checkFound(t *testing.T, found []Found, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, f := range found {
		got[f.Name] = f.Path
	}
	if len(got) != len(want) {
		t.Fatalf("found %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	lay(t, dir, "mine", "detected")
	mine, det := filepath.Join(dir, "mine"), filepath.Join(dir, "detected")
	cur := map[string]string{"3mf": mine, "stl": filepath.Join(dir, "uninstalled")}
	changed := Merge(cur, map[string]string{"3mf": det, "stl": det, "obj": det}, false)
	if cur["3mf"] != mine || cur["stl"] != det || cur["obj"] != det || len(changed) != 2 {
		t.Fatalf("Merge = %v, changed %v", cur, changed)
	}
	Merge(cur, map[string]string{"3mf": det}, true)
	if cur["3mf"] != det {
		t.Fatal("reset kept the old entry")
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range [][2]string{{"Cura 5.9.0", "Cura 5.10.1"}, {"a1", "a2"}, {"x", "xy"}, {"V2.1.1", "V2.3.0"}} {
		if compareVersions(c[0], c[1]) >= 0 || compareVersions(c[1], c[0]) <= 0 {
			t.Errorf("%q should sort before %q", c[0], c[1])
		}
	}
}
