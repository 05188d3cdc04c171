package register

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// macOS delivers a URL to its handler as an Apple Event, not in argv, so a plain Go binary never
// sees it. The bundle is therefore a small AppleScript applet, compiled at install time by
// osacompile (shipped with every macOS), whose "open location" handler calls the Go binary with
// the link as one quoted argument.

// AppleScript is the applet's source. The program path is an AppleScript string literal and
// both it and the link pass through "quoted form of", so the shell that do shell script uses
// sees each as one literal word. Output goes to /dev/null so the applet does not wait on a pipe
// held open by the slicer.
func AppleScript(exe string) (string, error) {
	if err := checkExe(exe); err != nil {
		return "", err
	}
	return "on open location theURL\n" +
		"\tdo shell script quoted form of " + appleScriptString(exe) +
		" & \" open \" & quoted form of theURL & \" >/dev/null 2>&1\"\n" +
		"end open location\n\n" +
		"on run\n" +
		"\tdisplay dialog " + appleScriptString(AppName+" opens printjob:// links from the PrintLab dashboard in your slicer. There is nothing to do here.") +
		" buttons {\"OK\"} default button 1 with title " + appleScriptString(AppName) + "\n" +
		"end run\n", nil
}

// appleScriptString is s as an AppleScript string literal.
func appleScriptString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

var bundleIDRe = regexp.MustCompile(`(<key>CFBundleIdentifier</key>\s*<string>)[^<]*(</string>)`)

// PatchInfoPlist adds the URL scheme, our bundle id and LSUIElement (no Dock icon) to the XML
// Info.plist that osacompile wrote.
func PatchInfoPlist(plist string) (string, error) {
	if strings.Contains(plist, "<key>CFBundleURLTypes</key>") {
		return "", errors.New("Info.plist already declares URL types")
	}
	end := strings.LastIndex(plist, "</dict>")
	if end < 0 || !strings.Contains(plist[end:], "</plist>") {
		return "", errors.New("Info.plist is not an XML property list")
	}
	add := "\t<key>CFBundleURLTypes</key>\n" +
		"\t<array>\n" +
		"\t\t<dict>\n" +
		"\t\t\t<key>CFBundleURLName</key>\n" +
		"\t\t\t<string>" + BundleID + "</string>\n" +
		"\t\t\t<key>CFBundleURLSchemes</key>\n" +
		"\t\t\t<array>\n" +
		"\t\t\t\t<string>" + Scheme + "</string>\n" +
		"\t\t\t</array>\n" +
		"\t\t</dict>\n" +
		"\t</array>\n"
	if !strings.Contains(plist, "<key>LSUIElement</key>") {
		add += "\t<key>LSUIElement</key>\n\t<true/>\n"
	}
	if bundleIDRe.MatchString(plist) {
		plist = bundleIDRe.ReplaceAllString(plist, "${1}"+BundleID+"${2}")
		end = strings.LastIndex(plist, "</dict>")
	} else {
		add += "\t<key>CFBundleIdentifier</key>\n\t<string>" + BundleID + "</string>\n"
	}
	return plist[:end] + add + plist[end:], nil
}

// LSRegister is LaunchServices' registration tool, which is not on PATH.
const LSRegister = "/System/Library/Frameworks/CoreServices.framework/Frameworks/LaunchServices.framework/Support/lsregister"

// Mac registers the handler on macOS for the current user by building an applet bundle in
// ~/Applications.
type Mac struct {
	Home string
	Run  Runner
}

// AppPath is where the bundle goes.
func (m Mac) AppPath() string { return filepath.Join(m.Home, "Applications", AppName+".app") }

// ours reports whether the bundle at AppPath was made by us, so that Install and Uninstall never
// delete someone else's app that happens to have the same name.
func (m Mac) ours() (exists, ours bool) {
	if _, err := os.Stat(m.AppPath()); err != nil {
		return false, false
	}
	b, err := os.ReadFile(filepath.Join(m.AppPath(), "Contents", "Info.plist"))
	return true, err == nil && strings.Contains(string(b), "<string>"+BundleID+"</string>")
}

// Install compiles the applet, patches its Info.plist, signs it ad hoc (the edit breaks the
// signature osacompile made, and Apple silicon refuses unsigned code) and registers it.
func (m Mac) Install(exe string) ([]string, error) {
	script, err := AppleScript(exe)
	if err != nil {
		return nil, err
	}
	app := m.AppPath()
	if exists, ours := m.ours(); exists && !ours {
		return nil, fmt.Errorf("%s exists and was not made by slicer-opener; move it away first", app)
	} else if exists {
		if err := os.RemoveAll(app); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(app), 0o755); err != nil {
		return nil, err
	}
	src, err := os.CreateTemp("", "slicer-opener-*.applescript")
	if err != nil {
		return nil, err
	}
	defer os.Remove(src.Name())
	if _, err := src.WriteString(script); err != nil {
		src.Close()
		return nil, err
	}
	src.Close()
	if out, err := m.Run("osacompile", "-o", app, src.Name()); err != nil {
		return nil, fmt.Errorf("osacompile failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	done := []string{"compiled " + app}
	plistPath := filepath.Join(app, "Contents", "Info.plist")
	_, _ = m.Run("plutil", "-convert", "xml1", plistPath) // in case it was written in binary form
	plist, err := os.ReadFile(plistPath)
	if err != nil {
		return done, err
	}
	patched, err := PatchInfoPlist(string(plist))
	if err != nil {
		return done, err
	}
	if err := os.WriteFile(plistPath, []byte(patched), 0o644); err != nil {
		return done, err
	}
	done = append(done, "declared the "+Scheme+": scheme in "+plistPath)
	if out, err := m.Run("codesign", "--force", "--sign", "-", app); err != nil {
		done = append(done, fmt.Sprintf("codesign failed (the app may not start on Apple silicon): %v %s", err, strings.TrimSpace(string(out))))
	} else {
		done = append(done, "signed it ad hoc")
	}
	if out, err := m.Run(LSRegister, "-f", app); err != nil {
		return done, fmt.Errorf("lsregister failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return append(done, "registered it with LaunchServices"), nil
}

// Uninstall unregisters and deletes the bundle, if it is ours.
func (m Mac) Uninstall() ([]string, error) {
	exists, ours := m.ours()
	if !exists {
		return []string{"nothing to remove at " + m.AppPath()}, nil
	}
	if !ours {
		return nil, fmt.Errorf("%s was not made by slicer-opener; not removing it", m.AppPath())
	}
	_, _ = m.Run(LSRegister, "-u", m.AppPath())
	if err := os.RemoveAll(m.AppPath()); err != nil {
		return nil, err
	}
	return []string{"unregistered and removed " + m.AppPath()}, nil
}
