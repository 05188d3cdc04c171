package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// sandbox points the user's config, cache and home folders at a temp folder, and PATH at an
// empty one so no desktop tool (notify-send, xdg-mime) is run.
func sandbox(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("uses XDG environment variables")
	}
	root := t.TempDir()
	t.Setenv("HOME", filepath.Join(root, "home"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(root, "cache"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(root, "data"))
	t.Setenv("PATH", filepath.Join(root, "empty"))
	return root
}

func runCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String() + errOut.String()
}

func TestConfigCommands(t *testing.T) {
	root := sandbox(t)
	if code, out := runCmd(t, "config", "set", "server", "https://printlab.example.edu/"); code != 0 {
		t.Fatalf("config set: %d %s", code, out)
	}
	if code, out := runCmd(t, "config", "set", "server", "ftp://x"); code == 0 {
		t.Fatalf("bad server accepted: %s", out)
	}
	code, out := runCmd(t, "config")
	if code != 0 || !strings.Contains(out, "server = https://printlab.example.edu\n") ||
		!strings.Contains(out, filepath.Join(root, "config", "PrintLab", "slicer-opener.conf")) {
		t.Fatalf("config: %d %s", code, out)
	}
	if code, out := runCmd(t, "version"); code != 0 || !strings.HasPrefix(out, "slicer-opener ") {
		t.Fatalf("version: %s", out)
	}
	if code, _ := runCmd(t, "frobnicate"); code != 2 {
		t.Fatal("unknown command accepted")
	}
}

func TestOpenRefusesExtraArguments(t *testing.T) {
	root := sandbox(t)
	link := "printjob://open?job=abc123def456ghi&file=model&t=eyJqb2IiOiJhYmMifQ.c2lnbmF0dXJlX2hlcmU"
	if code, _ := runCmd(t, "open", link, "--gpu-launcher=calc"); code != 1 {
		t.Fatal("two arguments accepted")
	}
	if code, _ := runCmd(t, "open", link+"&server=evil"); code != 1 {
		t.Fatal("hostile link accepted")
	}
	log, err := os.ReadFile(filepath.Join(root, "config", "PrintLab", "slicer-opener.log"))
	if err != nil || !strings.Contains(string(log), "open refused: 2 arguments") ||
		!strings.Contains(string(log), "unknown parameter") {
		t.Fatalf("log: %s %v", log, err)
	}
}

func TestInstallAndUninstallLinux(t *testing.T) {
	root := sandbox(t)
	code, out := runCmd(t, "install", "-server", "http://127.0.0.1:8090")
	if code != 0 {
		t.Fatalf("install: %s", out)
	}
	desktop := filepath.Join(root, "data", "applications", "printjob-opener.desktop")
	if _, err := os.Stat(desktop); err != nil {
		t.Fatalf("no desktop file: %s", out)
	}
	mime, _ := os.ReadFile(filepath.Join(root, "config", "mimeapps.list"))
	if !strings.Contains(string(mime), "x-scheme-handler/printjob=printjob-opener.desktop") {
		t.Fatalf("mimeapps.list: %s", mime)
	}
	conf, _ := os.ReadFile(filepath.Join(root, "config", "PrintLab", "slicer-opener.conf"))
	if !strings.Contains(string(conf), "server = http://127.0.0.1:8090") {
		t.Fatalf("config: %s", conf)
	}
	if code, out := runCmd(t, "uninstall"); code != 0 {
		t.Fatalf("uninstall: %s", out)
	}
	if _, err := os.Stat(desktop); !os.IsNotExist(err) {
		t.Fatal("desktop file left behind")
	}
}
