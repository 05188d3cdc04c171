package launch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
}

func TestAppExecutable(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "PrusaSlicer.app")
	writeFile(t, filepath.Join(app, "Contents", "Info.plist"),
		"<dict>\n<key>CFBundleExecutable</key>\n\t<string>PrusaSlicer</string>\n</dict>", 0o644)
	if got, err := AppExecutable(app); err != nil || got != filepath.Join(app, "Contents", "MacOS", "PrusaSlicer") {
		t.Fatalf("AppExecutable = %q, %v", got, err)
	}
	// A plist naming a path is ignored in favour of the single file in Contents/MacOS.
	odd := filepath.Join(dir, "Odd.app")
	writeFile(t, filepath.Join(odd, "Contents", "Info.plist"),
		"<key>CFBundleExecutable</key><string>../../../bin/sh</string>", 0o644)
	writeFile(t, filepath.Join(odd, "Contents", "MacOS", "Odd"), "", 0o755)
	if got, err := AppExecutable(odd); err != nil || got != filepath.Join(odd, "Contents", "MacOS", "Odd") {
		t.Fatalf("AppExecutable(odd) = %q, %v", got, err)
	}
	if _, err := AppExecutable(filepath.Join(dir, "Missing.app")); err == nil {
		t.Fatal("missing bundle accepted")
	}
}

func TestCommandOneArgument(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "Orca Slicer.app")
	writeFile(t, filepath.Join(app, "Contents", "MacOS", "OrcaSlicer"), "", 0o755)
	file := filepath.Join(dir, "7F3K2Q", `a "b" $(id).3mf`)
	cmd, err := Command(app, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmd.Args) != 2 || cmd.Args[1] != file || !strings.HasSuffix(cmd.Path, "OrcaSlicer") {
		t.Fatalf("Command = %q %q", cmd.Path, cmd.Args)
	}
	if _, err := Command(filepath.Join(dir, "nope"), file); err == nil {
		t.Fatal("missing slicer accepted")
	}
	if _, err := Command(dir, file); err == nil {
		t.Fatal("folder accepted as slicer")
	}
	bat := filepath.Join(dir, "slicer.BAT")
	writeFile(t, bat, "@echo off", 0o755)
	if _, err := Command(bat, file); err == nil {
		t.Fatal("batch file accepted as slicer")
	}
}

func TestStartDoesNotWait(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "argv")
	slicer := filepath.Join(dir, "slicer.sh")
	writeFile(t, slicer, "#!/bin/sh\nsleep 2\nprintf '%s\\n' \"$#\" \"$@\" > "+out+"\n", 0o755)
	start := time.Now()
	if err := Start(slicer, filepath.Join(dir, "x y.stl")); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("Start waited for the slicer")
	}
}
