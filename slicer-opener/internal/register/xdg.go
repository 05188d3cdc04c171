package register

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DesktopEntry is the text of the .desktop file that declares the helper as the handler of
// x-scheme-handler/printjob. NoDisplay keeps it out of application menus.
func DesktopEntry(exe string) (string, error) {
	if err := checkExe(exe); err != nil {
		return "", err
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=" + AppName + "\n" +
		"Comment=Opens PrintLab print jobs in the configured slicer\n" +
		"Exec=" + desktopExecArg(exe) + " open %u\n" +
		"NoDisplay=true\n" +
		"Terminal=false\n" +
		"MimeType=" + MimeType + ";\n", nil
}

// desktopExecArg quotes one Exec argument by the Desktop Entry spec: an argument with reserved
// characters is put in double quotes with ", `, $ and \ backslash-escaped; then the whole value
// is escaped once more as a desktop-file string (\ → \\), and % is doubled so it is not a field
// code.
func desktopExecArg(s string) string {
	if strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`") {
		var b strings.Builder
		b.WriteByte('"')
		for _, r := range s {
			if strings.ContainsRune("\"`$\\", r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
		s = b.String()
	}
	return strings.NewReplacer(`\`, `\\`, "%", "%%").Replace(s)
}

// SetMimeDefault returns mimeapps.list content with desktop as the default for mime in the
// [Default Applications] group, everything else kept as it was.
func SetMimeDefault(content, mime, desktop string) string {
	lines := splitLines(content)
	start, end := findGroup(lines, "[Default Applications]")
	entry := mime + "=" + desktop
	if start < 0 {
		if len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) != "" {
			lines = append(lines, "")
		}
		lines = append(lines, "[Default Applications]", entry)
		return strings.Join(lines, "\n") + "\n"
	}
	for i := start + 1; i < end; i++ {
		if k, _, ok := strings.Cut(lines[i], "="); ok && strings.TrimSpace(k) == mime {
			lines[i] = entry
			return strings.Join(lines, "\n") + "\n"
		}
	}
	// Insert after the group's last non-blank line, so a blank separator stays before the next group.
	at := end
	for at > start+1 && strings.TrimSpace(lines[at-1]) == "" {
		at--
	}
	lines = append(lines[:at], append([]string{entry}, lines[at:]...)...)
	return strings.Join(lines, "\n") + "\n"
}

// RemoveMimeDefault drops desktop from mime's default list in [Default Applications], and the
// line when nothing else is left. Other programs' defaults are not touched.
func RemoveMimeDefault(content, mime, desktop string) string {
	lines := splitLines(content)
	start, end := findGroup(lines, "[Default Applications]")
	if start < 0 {
		return content
	}
	for i := start + 1; i < end; i++ {
		k, v, ok := strings.Cut(lines[i], "=")
		if !ok || strings.TrimSpace(k) != mime {
			continue
		}
		var keep []string
		for _, d := range strings.Split(v, ";") {
			if d = strings.TrimSpace(d); d != "" && d != desktop {
				keep = append(keep, d)
			}
		}
		if len(keep) == 0 {
			lines = append(lines[:i], lines[i+1:]...)
		} else {
			lines[i] = mime + "=" + strings.Join(keep, ";") + ";"
		}
		break
	}
	return strings.Join(lines, "\n") + "\n"
}

func splitLines(s string) []string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// findGroup returns the header line of group and the index where the group ends.
func findGroup(lines []string, group string) (start, end int) {
	start = -1
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if start < 0 && l == group {
			start = i
			continue
		}
		if start >= 0 && strings.HasPrefix(l, "[") {
			return start, i
		}
	}
	return start, len(lines)
}

// XDG registers the handler on Linux and other freedesktop systems for the current user.
type XDG struct {
	DataHome   string // $XDG_DATA_HOME, default ~/.local/share
	ConfigHome string // $XDG_CONFIG_HOME, default ~/.config
	LookPath   LookPath
	Run        Runner
}

// DefaultXDG uses the environment's XDG folders and the real PATH.
func DefaultXDG() (XDG, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return XDG{}, err
	}
	x := XDG{DataHome: os.Getenv("XDG_DATA_HOME"), ConfigHome: os.Getenv("XDG_CONFIG_HOME"),
		LookPath: exec.LookPath, Run: run}
	// The spec says relative values are invalid and must be ignored.
	if !filepath.IsAbs(x.DataHome) {
		x.DataHome = filepath.Join(home, ".local", "share")
	}
	if !filepath.IsAbs(x.ConfigHome) {
		x.ConfigHome = filepath.Join(home, ".config")
	}
	return x, nil
}

func run(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}

func (x XDG) applications() string { return filepath.Join(x.DataHome, "applications") }

// DesktopPath is where the .desktop file is written.
func (x XDG) DesktopPath() string { return filepath.Join(x.applications(), DesktopFileName) }

// MimeappsPath is the user's mimeapps.list.
func (x XDG) MimeappsPath() string { return filepath.Join(x.ConfigHome, "mimeapps.list") }

// Install writes the .desktop file and makes it the default for printjob: links, through
// xdg-mime when it is installed and by editing mimeapps.list otherwise. It returns what it did.
func (x XDG) Install(exe string) ([]string, error) {
	text, err := DesktopEntry(exe)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(x.applications(), 0o755); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(x.DesktopPath(), []byte(text), 0o644); err != nil {
		return nil, err
	}
	done := []string{"wrote " + x.DesktopPath()}
	done = append(done, x.updateDatabase()...)
	if p, err := x.LookPath("xdg-mime"); err == nil {
		out, err := x.Run(p, "default", DesktopFileName, MimeType)
		if err == nil {
			return append(done, "ran xdg-mime default "+DesktopFileName+" "+MimeType), nil
		}
		done = append(done, fmt.Sprintf("xdg-mime failed (%v: %s); editing mimeapps.list instead", err, strings.TrimSpace(string(out))))
	}
	if err := x.editMimeapps(func(s string) string { return SetMimeDefault(s, MimeType, DesktopFileName) }); err != nil {
		return done, err
	}
	return append(done, "set the default in "+x.MimeappsPath()), nil
}

// Uninstall removes the .desktop file and the mimeapps.list default, if they are ours.
func (x XDG) Uninstall() ([]string, error) {
	var done []string
	if err := os.Remove(x.DesktopPath()); err == nil {
		done = append(done, "removed "+x.DesktopPath())
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if _, err := os.Stat(x.MimeappsPath()); err == nil {
		if err := x.editMimeapps(func(s string) string { return RemoveMimeDefault(s, MimeType, DesktopFileName) }); err != nil {
			return done, err
		}
		done = append(done, "removed the default from "+x.MimeappsPath())
	}
	return append(done, x.updateDatabase()...), nil
}

// updateDatabase refreshes the mime cache of the applications folder when the tool exists;
// without it the desktop still finds the entry, only more slowly.
func (x XDG) updateDatabase() []string {
	p, err := x.LookPath("update-desktop-database")
	if err != nil {
		return nil
	}
	if out, err := x.Run(p, x.applications()); err != nil {
		return []string{fmt.Sprintf("update-desktop-database failed (ignored): %v %s", err, strings.TrimSpace(string(out)))}
	}
	return []string{"ran update-desktop-database"}
}

func (x XDG) editMimeapps(edit func(string) string) error {
	old, err := os.ReadFile(x.MimeappsPath())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(x.ConfigHome, 0o755); err != nil {
		return err
	}
	return writeFileAtomic(x.MimeappsPath(), []byte(edit(string(old))), 0o644)
}

// writeFileAtomic writes through a temp file and a rename, so a crash never leaves half a
// mimeapps.list (which would lose every other default the person set).
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
