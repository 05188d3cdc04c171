// Package register makes the helper the current user's handler for printjob:// links, and undoes
// it.
//
// Each OS gets the same split: pure functions that produce what is written (registry values,
// .desktop text, mimeapps.list edits, AppleScript and Info.plist text), tested on every OS, and a
// thin part that writes it (install_<os>.go). The Linux and macOS writers take their folders and
// the program runner as fields, so tests run them against temp folders and fake tools.
package register

import (
	"errors"
	"strings"
)

// Names shared by all platforms.
const (
	Scheme          = "printjob"
	AppName         = "PrintLab Slicer Opener"
	BundleID        = "edu.printlab.slicer-opener"
	DesktopFileName = "printjob-opener.desktop"
	MimeType        = "x-scheme-handler/" + Scheme
)

// Runner runs an external program and returns its combined output; tests replace it.
type Runner func(name string, args ...string) ([]byte, error)

// LookPath finds a program on PATH, like exec.LookPath.
type LookPath func(name string) (string, error)

// checkExe refuses executable paths that no registration format can carry safely.
func checkExe(exe string) error {
	if exe == "" {
		return errors.New("empty program path")
	}
	if strings.ContainsAny(exe, "\x00\r\n") {
		return errors.New("the program path contains a line break or NUL")
	}
	return nil
}
