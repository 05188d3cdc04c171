// Package launch starts a slicer on a downloaded file.
//
// The file is handed over as one argv element of exec.Command: no shell, no "cmd /c start", no
// command line built from strings, so nothing in a name can become an option or a command.
package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Command returns the command that opens file in slicer. A macOS .app bundle is resolved to the
// executable inside it (Contents/MacOS/<CFBundleExecutable>) and run directly, which passes the
// file as a plain argument instead of going through LaunchServices.
func Command(slicer, file string) (*exec.Cmd, error) {
	exe := slicer
	if strings.HasSuffix(strings.TrimRight(slicer, `/\`), ".app") {
		var err error
		if exe, err = AppExecutable(slicer); err != nil {
			return nil, err
		}
	}
	// Windows runs .bat and .cmd files through cmd.exe, which re-parses the arguments with its
	// own quoting rules ("BatBadBut"): that is a shell, so it is refused.
	if ext := strings.ToLower(filepath.Ext(exe)); ext == ".bat" || ext == ".cmd" {
		return nil, fmt.Errorf("the slicer %s is a batch file; set the path of the program itself", exe)
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return nil, fmt.Errorf("the slicer %s was not found (run \"slicer-opener detect\" or fix the config): %w", slicer, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("the slicer %s is a folder, not a program", exe)
	}
	cmd := exec.Command(exe, file)
	cmd.Dir = filepath.Dir(file)
	return cmd, nil
}

// Start runs the slicer and does not wait for it: the helper's work ends once the slicer runs.
func Start(slicer, file string) error {
	cmd, err := Command(slicer, file)
	if err != nil {
		return err
	}
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start %s: %w", cmd.Path, err)
	}
	return cmd.Process.Release()
}

var bundleExecRe = regexp.MustCompile(`<key>CFBundleExecutable</key>\s*<string>([^<]+)</string>`)

// AppExecutable finds the program inside a macOS .app bundle: the CFBundleExecutable named in
// Contents/Info.plist, or else the only file in Contents/MacOS.
func AppExecutable(app string) (string, error) {
	macos := filepath.Join(app, "Contents", "MacOS")
	if plist, err := os.ReadFile(filepath.Join(app, "Contents", "Info.plist")); err == nil {
		if m := bundleExecRe.FindSubmatch(plist); m != nil {
			name := strings.TrimSpace(string(m[1]))
			if name != "" && filepath.Base(name) == name && name != ".." {
				return filepath.Join(macos, name), nil
			}
		}
	}
	entries, err := os.ReadDir(macos)
	if err != nil {
		return "", fmt.Errorf("%s is not an application bundle: %w", app, err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			files = append(files, e.Name())
		}
	}
	if len(files) != 1 {
		return "", errors.New("cannot tell which program in " + macos + " to start; set the full path in the config")
	}
	return filepath.Join(macos, files[0]), nil
}
