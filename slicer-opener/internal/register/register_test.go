package register

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDesktopEntry(t *testing.T) {
	got, err := DesktopEntry("/opt/printlab/slicer-opener")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[Desktop Entry]\n", "Exec=/opt/printlab/slicer-opener open %u\n",
		"MimeType=x-scheme-handler/printjob;\n", "NoDisplay=true\n", "Type=Application\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if _, err := DesktopEntry("/opt/x\nExec=/bin/evil"); err == nil {
		t.Fatal("line break in path accepted")
	}
}

func TestDesktopExecArg(t *testing.T) {
	tests := map[string]string{
		"/usr/bin/slicer-opener":     "/usr/bin/slicer-opener",
		"/home/a b/slicer-opener":    `"/home/a b/slicer-opener"`,
		`/home/$x/"q"/slicer-opener`: `"/home/\\$x/\\"q\\"/slicer-opener"`,
		`/home/a\b/x`:                `"/home/a\\\\b/x"`,
		"/home/100%/x":               "/home/100%%/x",
	}
	for in, want := range tests {
		if got := desktopExecArg(in); got != want {
			t.Errorf("desktopExecArg(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestMimeDefaultEdits(t *testing.T) {
	const other = "[Added Associations]\ntext/plain=gedit.desktop;\n\n[Default Applications]\ntext/html=firefox.desktop\n\n[Removed Associations]\nimage/png=gimp.desktop;\n"
	got := SetMimeDefault(other, MimeType, DesktopFileName)
	want := "[Added Associations]\ntext/plain=gedit.desktop;\n\n[Default Applications]\ntext/html=firefox.desktop\n" +
		"x-scheme-handler/printjob=printjob-opener.desktop\n\n[Removed Associations]\nimage/png=gimp.desktop;\n"
	if got != want {
		t.Fatalf("SetMimeDefault:\n%s\nwant\n%s", got, want)
	}
	if again := SetMimeDefault(got, MimeType, DesktopFileName); again != got {
		t.Fatalf("SetMimeDefault not idempotent:\n%s", again)
	}
	if back := RemoveMimeDefault(got, MimeType, DesktopFileName); back != other {
		t.Fatalf("RemoveMimeDefault:\n%s\nwant\n%s", back, other)
	}
	replaced := SetMimeDefault("[Default Applications]\nx-scheme-handler/printjob=old.desktop\n", MimeType, DesktopFileName)
	if replaced != "[Default Applications]\nx-scheme-handler/printjob=printjob-opener.desktop\n" {
		t.Fatalf("replace: %q", replaced)
	}
	if got := SetMimeDefault("", MimeType, DesktopFileName); got != "[Default Applications]\nx-scheme-handler/printjob=printjob-opener.desktop\n" {
		t.Fatalf("empty: %q", got)
	}
	shared := RemoveMimeDefault("[Default Applications]\nx-scheme-handler/printjob=printjob-opener.desktop;other.desktop;\n", MimeType, DesktopFileName)
	if shared != "[Default Applications]\nx-scheme-handler/printjob=other.desktop;\n" {
		t.Fatalf("shared: %q", shared)
	}
}

// xdgHome makes temporary XDG folders and a PATH holding only the given fake tools.
func xdgHome(t *testing.T, tools map[string]string) (XDG, string) {
	t.Helper()
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, script := range tools {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	t.Setenv("HOME", filepath.Join(root, "home"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(root, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "config"))
	x, err := DefaultXDG()
	if err != nil {
		t.Fatal(err)
	}
	return x, root
}

func TestXDGInstallWithoutXdgMime(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	x, root := xdgHome(t, nil)
	if _, err := exec.LookPath("xdg-mime"); err == nil {
		t.Fatal("xdg-mime still on PATH")
	}
	if err := os.MkdirAll(x.ConfigHome, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(x.MimeappsPath(), []byte("[Default Applications]\ntext/html=firefox.desktop\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Install("/opt/printlab/slicer-opener"); err != nil {
		t.Fatal(err)
	}
	desktop, err := os.ReadFile(filepath.Join(root, "data", "applications", DesktopFileName))
	if err != nil || !strings.Contains(string(desktop), "Exec=/opt/printlab/slicer-opener open %u") {
		t.Fatalf("desktop file: %q %v", desktop, err)
	}
	mime, _ := os.ReadFile(filepath.Join(root, "config", "mimeapps.list"))
	if string(mime) != "[Default Applications]\ntext/html=firefox.desktop\nx-scheme-handler/printjob=printjob-opener.desktop\n" {
		t.Fatalf("mimeapps.list: %q", mime)
	}
	if _, err := x.Uninstall(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(x.DesktopPath()); !os.IsNotExist(err) {
		t.Fatal("desktop file left behind")
	}
	mime, _ = os.ReadFile(x.MimeappsPath())
	if string(mime) != "[Default Applications]\ntext/html=firefox.desktop\n" {
		t.Fatalf("mimeapps.list after uninstall: %q", mime)
	}
}

func TestXDGInstallWithXdgMime(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	log := filepath.Join(t.TempDir(), "calls")
	x, _ := xdgHome(t, map[string]string{
		"xdg-mime":                `echo "xdg-mime $*" >> ` + log + "\n",
		"update-desktop-database": `echo "update-desktop-database $*" >> ` + log + "\n",
	})
	if _, err := x.Install("/home/a b/slicer-opener"); err != nil {
		t.Fatal(err)
	}
	calls, _ := os.ReadFile(log)
	want := "update-desktop-database " + filepath.Join(x.DataHome, "applications") + "\n" +
		"xdg-mime default printjob-opener.desktop x-scheme-handler/printjob\n"
	if string(calls) != want {
		t.Fatalf("calls:\n%s\nwant\n%s", calls, want)
	}
	if _, err := os.Stat(x.MimeappsPath()); !os.IsNotExist(err) {
		t.Fatal("mimeapps.list written although xdg-mime worked")
	}
	desktop, _ := os.ReadFile(x.DesktopPath())
	if !strings.Contains(string(desktop), `Exec="/home/a b/slicer-opener" open %u`) {
		t.Fatalf("desktop: %s", desktop)
	}
}

func TestWindowsValues(t *testing.T) {
	exe := `C:\Users\lab\AppData\Local\PrintLab\slicer-opener.exe`
	got, err := WindowsValues(exe)
	if err != nil {
		t.Fatal(err)
	}
	want := []RegValue{
		{`Software\Classes\printjob`, "", "URL:printjob Protocol"},
		{`Software\Classes\printjob`, "URL Protocol", ""},
		{`Software\Classes\printjob\DefaultIcon`, "", `"` + exe + `",0`},
		{`Software\Classes\printjob\shell\open\command`, "", `"` + exe + `" open "%1"`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := WindowsValues(`C:\x"y\a.exe`); err == nil {
		t.Fatal("quote in path accepted")
	}
	keys := WindowsKeys()
	for i := 1; i < len(keys); i++ {
		if !strings.HasPrefix(keys[i-1], keys[i]) && strings.HasPrefix(keys[i], keys[i-1]) {
			t.Fatalf("key %s deleted before its child", keys[i-1])
		}
	}
	if keys[len(keys)-1] != ClassesKey {
		t.Fatal("root key not deleted last")
	}
}

func TestAppleScript(t *testing.T) {
	got, err := AppleScript(`/Users/lab/bin/slicer "opener"\x`)
	if err != nil {
		t.Fatal(err)
	}
	want := `do shell script quoted form of "/Users/lab/bin/slicer \"opener\"\\x" & " open " & quoted form of theURL & " >/dev/null 2>&1"`
	if !strings.Contains(got, want) || !strings.HasPrefix(got, "on open location theURL\n") {
		t.Fatalf("AppleScript:\n%s", got)
	}
}

// osacompilePlist is the shape of the Info.plist osacompile writes.
const osacompilePlist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleExecutable</key>
	<string>applet</string>
	<key>CFBundleIdentifier</key>
	<string>com.apple.ScriptEditor.id.PrintLab-Slicer-Opener</string>
	<key>CFBundleName</key>
	<string>PrintLab Slicer Opener</string>
</dict>
</plist>
`

func TestPatchInfoPlist(t *testing.T) {
	got, err := PatchInfoPlist(osacompilePlist)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<key>CFBundleIdentifier</key>\n\t<string>" + BundleID + "</string>",
		"<key>CFBundleURLSchemes</key>\n\t\t\t<array>\n\t\t\t\t<string>printjob</string>",
		"<key>LSUIElement</key>\n\t<true/>\n</dict>\n</plist>\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "com.apple.ScriptEditor") {
		t.Error("old bundle id kept")
	}
	if _, err := PatchInfoPlist(got); err == nil {
		t.Error("patched twice")
	}
	if _, err := PatchInfoPlist("bplist00..."); err == nil {
		t.Error("binary plist accepted")
	}
}

func TestMacInstallFlow(t *testing.T) {
	home := t.TempDir()
	var calls []string
	m := Mac{Home: home, Run: func(name string, args ...string) ([]byte, error) {
		calls = append(calls, name+" "+strings.Join(args, " "))
		if name == "osacompile" {
			src, _ := os.ReadFile(args[2])
			if !strings.Contains(string(src), "on open location") {
				t.Errorf("script: %s", src)
			}
			contents := filepath.Join(args[1], "Contents")
			if err := os.MkdirAll(filepath.Join(contents, "MacOS"), 0o755); err != nil {
				return nil, err
			}
			return nil, os.WriteFile(filepath.Join(contents, "Info.plist"), []byte(osacompilePlist), 0o644)
		}
		return nil, nil
	}}
	for range 2 { // a second install replaces the first
		if _, err := m.Install("/Users/lab/bin/slicer-opener"); err != nil {
			t.Fatal(err)
		}
	}
	plist, _ := os.ReadFile(filepath.Join(m.AppPath(), "Contents", "Info.plist"))
	if !strings.Contains(string(plist), "<string>printjob</string>") {
		t.Fatalf("Info.plist: %s", plist)
	}
	last := calls[len(calls)-1]
	if last != LSRegister+" -f "+m.AppPath() {
		t.Fatalf("last call %q", last)
	}
	if _, err := m.Uninstall(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.AppPath()); !os.IsNotExist(err) {
		t.Fatal("bundle left behind")
	}
	// Someone else's app of the same name is never replaced or removed.
	if err := os.MkdirAll(filepath.Join(m.AppPath(), "Contents"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Install("/x"); err == nil {
		t.Fatal("replaced a foreign bundle")
	}
	if _, err := m.Uninstall(); err == nil {
		t.Fatal("removed a foreign bundle")
	}
}
