// Package config reads and writes the helper's per-user settings file.
//
// The file is plain "key = value" lines so that the lab's IT person can edit it in Notepad
// without escaping Windows paths (JSON would need every backslash doubled):
//
//	# PrintLab slicer-opener
//	server = https://printlab.example.edu
//	workdir = C:\Users\lab\AppData\Local\PrintLab\slicer-opener
//	keep_days = 14
//	slicer.3mf = C:\Program Files\Prusa3D\PrusaSlicer\prusa-slicer.exe
//
// Lines starting with # are comments; unknown keys are an error, so a typo is reported rather
// than silently ignored.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// File names inside Dir().
const (
	FileName = "slicer-opener.conf"
	LogName  = "slicer-opener.log"
)

// DefaultKeepDays is how long downloaded working folders are kept.
const DefaultKeepDays = 14

// Extensions are the file types the helper will save and open, lower case, without the dot.
// The same list decides which names the server may give a file.
var Extensions = []string{"3mf", "stl", "obj", "gcode", "bgcode", "form", "idea", "gco", "g"}

// KnownExt reports whether ext (without dot, any case) is in Extensions.
func KnownExt(ext string) bool { return slices.Contains(Extensions, strings.ToLower(ext)) }

// Config is the helper's settings.
type Config struct {
	// Server is the PrintLab base URL, the only host the helper ever contacts. A link can
	// never change it.
	Server string
	// Workdir holds one folder per job (named by its short id) with the downloaded files.
	Workdir string
	// KeepDays: job folders not touched for this many days are deleted on each run.
	KeepDays int
	// Slicers maps a lower-case extension without dot to the slicer executable (or macOS .app).
	Slicers map[string]string
}

// Dir is the folder that holds the config file and the log: <user config dir>/PrintLab.
func Dir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "PrintLab"), nil
}

// DefaultWorkdir is <user cache dir>/PrintLab/slicer-opener: a cache because every file in it can
// be downloaded again, and cleaning it up is expected.
func DefaultWorkdir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "PrintLab", "slicer-opener")
}

// Default is the configuration used before a file exists.
func Default() Config {
	return Config{Workdir: DefaultWorkdir(), KeepDays: DefaultKeepDays, Slicers: map[string]string{}}
}

// Load reads the file at path. A missing file is not an error: it yields Default() and
// found=false.
func Load(path string) (c Config, found bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Default(), false, nil
	}
	if err != nil {
		return Config{}, false, err
	}
	defer f.Close()
	c, err = Parse(f)
	if err != nil {
		return Config{}, true, fmt.Errorf("%s: %w", path, err)
	}
	return c, true, nil
}

// Parse reads the key = value format. Missing keys keep their defaults.
func Parse(r io.Reader) (Config, error) {
	c := Default()
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff")) // Notepad may add a BOM
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return Config{}, fmt.Errorf("line %d: want key = value", n)
		}
		key, val = strings.TrimSpace(key), unquote(strings.TrimSpace(val))
		if err := c.set(key, val); err != nil {
			return Config{}, fmt.Errorf("line %d: %w", n, err)
		}
	}
	return c, sc.Err()
}

// unquote drops one pair of surrounding double quotes, which people paste with Windows paths
// ("Copy as path" in Explorer adds them).
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// Set changes one setting by its file key, with the same checks as the file.
func (c *Config) Set(key, val string) error { return c.set(key, val) }

func (c *Config) set(key, val string) error {
	switch {
	case key == "server":
		if val != "" {
			if _, err := ParseServer(val); err != nil {
				return err
			}
		}
		c.Server = strings.TrimRight(val, "/")
	case key == "workdir":
		if val != "" && !filepath.IsAbs(val) {
			return fmt.Errorf("workdir must be an absolute path, got %q", val)
		}
		c.Workdir = val
		if val == "" {
			c.Workdir = DefaultWorkdir()
		}
	case key == "keep_days":
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > 3650 {
			return fmt.Errorf("keep_days must be a whole number of days from 1 to 3650, got %q", val)
		}
		c.KeepDays = n
	case strings.HasPrefix(key, "slicer."):
		ext := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(key, "slicer."), "."))
		if !KnownExt(ext) {
			return fmt.Errorf("unknown file type %q in %s (known: %s)", ext, key, strings.Join(Extensions, ", "))
		}
		if val == "" {
			delete(c.Slicers, ext)
			return nil
		}
		if !filepath.IsAbs(val) {
			return fmt.Errorf("%s must be an absolute path, got %q", key, val)
		}
		c.Slicers[ext] = val
	default:
		return fmt.Errorf("unknown setting %q", key)
	}
	return nil
}

// ParseServer checks a server base URL: http or https, a host, no user info, query or fragment.
// A path prefix (https://example.edu/printlab) is allowed for servers behind a reverse proxy.
func ParseServer(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return nil, fmt.Errorf("server %q is not a URL: %w", s, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("server %q must start with https:// (or http://)", s)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("server %q has no host name", s)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("server %q must be a plain base URL without user, query or fragment", s)
	}
	return u, nil
}

// Format writes c in the file format, with comments that explain each setting.
func Format(c Config) string {
	var b strings.Builder
	b.WriteString("# PrintLab slicer-opener settings. Edit freely; lines starting with # are comments.\n")
	b.WriteString("# Run \"slicer-opener config\" to check the file, \"slicer-opener detect\" to find slicers again.\n\n")
	b.WriteString("# The PrintLab server: the only host this helper ever talks to. Links cannot change it.\n")
	fmt.Fprintf(&b, "server = %s\n\n", c.Server)
	b.WriteString("# Downloaded files go to <workdir>/<short id>/; folders untouched for keep_days are deleted.\n")
	fmt.Fprintf(&b, "workdir = %s\n", c.Workdir)
	fmt.Fprintf(&b, "keep_days = %d\n\n", c.KeepDays)
	b.WriteString("# Which program opens which file type: slicer.<extension> = full path of the program\n")
	b.WriteString("# (on macOS a .app bundle is fine). Known types: " + strings.Join(Extensions, ", ") + ".\n")
	for _, ext := range Extensions {
		if p, ok := c.Slicers[ext]; ok {
			fmt.Fprintf(&b, "slicer.%s = %s\n", ext, p)
		}
	}
	return b.String()
}

// Save writes c to path atomically (a temp file renamed over the old one), creating the folder.
func Save(path string, c Config) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".slicer-opener-*.conf")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(Format(c)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
