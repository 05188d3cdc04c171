package fetch

import (
	"bytes"
	"path"
	"regexp"
	"strings"

	"printlab/slicer-opener/internal/config"
)

// MaxNameLen is the longest server-given file name used as is.
const MaxNameLen = 120

var (
	// The standard name FirstLast_Method_Color_SHORTID.ext: letters and digits in parts joined by
	// single underscores, one dot, a known extension. Nothing that could be a path, a drive, a
	// stream (name:stream) or a hidden file.
	nameRe    = regexp.MustCompile(`^[A-Za-z0-9]+(_[A-Za-z0-9]+)*\.(3mf|stl|obj|gcode|bgcode|form|idea|gco|g)$`)
	shortIDRe = regexp.MustCompile(`^[A-Z0-9]{4,12}$`)
	sha256Re  = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
)

// windowsReserved reports whether base names a Windows device (CON, NUL, COM1, LPT9, …), which
// cannot be a file or folder name there whatever the extension. Checked on every OS so that the
// helper behaves the same everywhere.
func windowsReserved(base string) bool {
	switch u := strings.ToUpper(base); u {
	case "CON", "PRN", "AUX", "NUL":
		return true
	default:
		return len(u) == 4 && (strings.HasPrefix(u, "COM") || strings.HasPrefix(u, "LPT")) && u[3] >= '0' && u[3] <= '9'
	}
}

// SafeName decides the local file name for a validated answer. It is the server's name when that
// matches the strict pattern; otherwise {short_id}_{file}.{ext} with ext taken from the server's
// name when it is a known type. ext is "" when the type must be sniffed from the content.
func SafeName(m Meta) (name, ext string) {
	if len(m.Name) <= MaxNameLen && nameRe.MatchString(m.Name) {
		base, e, _ := strings.Cut(m.Name, ".")
		if !windowsReserved(base) {
			return m.Name, e
		}
	}
	// path.Ext of a hostile name ("../../evil.sh", "a/b.3mf", "x.3MF") only ever yields a
	// whitelisted extension below, never a path.
	e := strings.ToLower(strings.TrimPrefix(path.Ext(strings.ReplaceAll(m.Name, `\`, "/")), "."))
	if !config.KnownExt(e) {
		e = ""
	}
	return builtName(m, e), e
}

func builtName(m Meta, ext string) string {
	if ext == "" {
		return m.ShortID + "_" + m.File
	}
	return m.ShortID + "_" + m.File + "." + ext
}

// Sniff guesses a known extension from the first bytes of a file, for answers whose name gave
// none. It returns "" when the content is none of the types a lab prints from.
func Sniff(head []byte, size int64) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "3mf" // 3MF (and Bambu's sliced .gcode.3mf) are zip containers
	case bytes.HasPrefix(head, []byte("GCDE")):
		return "bgcode"
	case bytes.HasPrefix(head, []byte("solid")) && bytes.Contains(head, []byte("facet")):
		return "stl"
	case size >= 84 && len(head) >= 84:
		n := int64(head[80]) | int64(head[81])<<8 | int64(head[82])<<16 | int64(head[83])<<24
		if size == 84+50*n && n > 0 {
			return "stl"
		}
	}
	for _, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimSpace(line)
		switch {
		case len(line) == 0, line[0] == '#':
			continue
		case bytes.HasPrefix(line, []byte("v ")), bytes.HasPrefix(line, []byte("o ")), bytes.HasPrefix(line, []byte("mtllib ")):
			return "obj"
		case line[0] == ';', len(line) > 1 && bytes.IndexByte([]byte("GMT"), line[0]) >= 0 && '0' <= line[1] && line[1] <= '9':
			return "gcode"
		}
		return ""
	}
	return ""
}
