// Package detect finds installed slicers in their usual places and proposes which one opens
// which file type.
//
// The places are data (the candidates table) and the folders they are looked up in are passed
// in (Roots), so tests can lay out a fake Windows, macOS or Linux machine in a temp folder.
package detect

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Slicer names as shown to people.
const (
	Prusa       = "PrusaSlicer"
	PrusaViewer = "PrusaSlicer G-code viewer"
	Orca        = "OrcaSlicer"
	Bambu       = "Bambu Studio"
	Cura        = "UltiMaker Cura"
	PreForm     = "PreForm"
)

// Roots are the folders searched, per kind of place.
type Roots struct {
	GOOS string
	// ProgramFiles: Windows program folders (%ProgramFiles%, %ProgramFiles(x86)%,
	// %LocalAppData%\Programs).
	ProgramFiles []string
	// Applications: macOS application folders (/Applications, ~/Applications).
	Applications []string
	// Bin: Linux folders of commands, including flatpak's exported launchers.
	Bin []string
	// AppImages: Linux folders where people keep downloaded AppImages.
	AppImages []string
}

type rootKind int

const (
	programFiles rootKind = iota
	applications
	bin
	appImages
)

// candidate is one place a slicer may be: a glob pattern relative to each root of a kind.
type candidate struct {
	name    string
	kind    rootKind
	pattern string
}

// candidates lists where each slicer installs itself (see the team notes on slicers). Cura puts
// its version in the folder name, AppImages put it in the file name: hence the globs.
var candidates = []candidate{
	{Prusa, programFiles, `Prusa3D/PrusaSlicer/prusa-slicer.exe`},
	{PrusaViewer, programFiles, `Prusa3D/PrusaSlicer/prusa-gcodeviewer.exe`},
	{Orca, programFiles, `OrcaSlicer/orca-slicer.exe`},
	{Orca, programFiles, `OrcaSlicer/OrcaSlicer.exe`},
	{Bambu, programFiles, `Bambu Studio/bambu-studio.exe`},
	{Cura, programFiles, `UltiMaker Cura*/UltiMaker-Cura.exe`},
	{Cura, programFiles, `Ultimaker Cura*/Ultimaker-Cura.exe`},
	{Cura, programFiles, `Ultimaker Cura*/Cura.exe`},
	{PreForm, programFiles, `Formlabs/PreForm/PreForm.exe`},

	{Prusa, applications, `PrusaSlicer.app`},
	{PrusaViewer, applications, `PrusaGCodeViewer.app`},
	{Orca, applications, `OrcaSlicer.app`},
	{Bambu, applications, `BambuStudio.app`},
	{Bambu, applications, `Bambu Studio.app`},
	{Cura, applications, `UltiMaker Cura.app`},
	{Cura, applications, `Ultimaker Cura.app`},
	{PreForm, applications, `PreForm.app`},

	{Prusa, bin, `prusa-slicer`},
	{Prusa, bin, `com.prusa3d.PrusaSlicer`},
	{PrusaViewer, bin, `prusa-gcodeviewer`},
	{Orca, bin, `orca-slicer`},
	{Orca, bin, `io.github.softfever.OrcaSlicer`},
	{Orca, bin, `io.github.orcaslicer.OrcaSlicer`},
	{Bambu, bin, `bambu-studio`},
	{Bambu, bin, `com.bambulab.BambuStudio`},
	{Cura, bin, `cura`},
	{Cura, bin, `UltiMaker-Cura`},
	{Cura, bin, `com.ultimaker.cura`},
	{Prusa, appImages, `PrusaSlicer*.AppImage`},
	{Orca, appImages, `OrcaSlicer*.AppImage`},
	{Bambu, appImages, `Bambu_Studio*.AppImage`},
	{Bambu, appImages, `BambuStudio*.AppImage`},
	{Cura, appImages, `UltiMaker-Cura*.AppImage`},
	{Cura, appImages, `Ultimaker_Cura*.AppImage`},
	{Cura, appImages, `Ultimaker-Cura*.AppImage`},
}

// Found is an installed slicer.
type Found struct {
	Name string
	Path string
}

// Preferences: for each file type, the slicers in the order they are chosen. Mesh files go to
// PrusaSlicer first because the lab's default printers are Prusas; G-code goes to Prusa's
// light viewer when there is one; binary G-code is Prusa's format; .form is Formlabs'.
// .idea (Raise3D ideaMaker) is not detected: set it by hand.
var Preferences = map[string][]string{
	"3mf":    {Prusa, Orca, Bambu, Cura},
	"stl":    {Prusa, Orca, Bambu, Cura},
	"obj":    {Prusa, Orca, Bambu, Cura},
	"gcode":  {PrusaViewer, Prusa, Orca, Bambu, Cura},
	"gco":    {PrusaViewer, Prusa, Orca, Bambu, Cura},
	"g":      {PrusaViewer, Prusa, Orca, Bambu, Cura},
	"bgcode": {PrusaViewer, Prusa},
	"form":   {PreForm},
}

// DefaultRoots are the usual places on the running machine.
func DefaultRoots(goos string) Roots {
	home, _ := os.UserHomeDir()
	r := Roots{GOOS: goos}
	switch goos {
	case "windows":
		for _, env := range []string{"ProgramFiles", "ProgramFiles(x86)", "ProgramW6432"} {
			if d := os.Getenv(env); d != "" && !slices.Contains(r.ProgramFiles, d) {
				r.ProgramFiles = append(r.ProgramFiles, d)
			}
		}
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			r.ProgramFiles = append(r.ProgramFiles, filepath.Join(d, "Programs"))
		}
	case "darwin":
		r.Applications = []string{"/Applications", filepath.Join(home, "Applications")}
	default:
		r.Bin = []string{"/usr/bin", "/usr/local/bin", "/snap/bin", "/var/lib/flatpak/exports/bin",
			filepath.Join(home, ".local/share/flatpak/exports/bin"), filepath.Join(home, ".local/bin")}
		r.AppImages = []string{filepath.Join(home, "Applications"), filepath.Join(home, "AppImages"),
			filepath.Join(home, "Downloads"), filepath.Join(home, ".local/bin"), "/opt"}
	}
	return r
}

// Find returns every installed slicer found under r, one per slicer name (the newest version
// when several match), in the order of the candidates table.
func Find(r Roots) []Found {
	roots := map[rootKind][]string{
		programFiles: r.ProgramFiles, applications: r.Applications, bin: r.Bin, appImages: r.AppImages,
	}
	var out []Found
	for _, c := range candidates {
		if slices.ContainsFunc(out, func(f Found) bool { return f.Name == c.name }) {
			continue
		}
		var matches []string
		for _, root := range roots[c.kind] {
			m, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(c.pattern)))
			for _, p := range m {
				if usable(p, c.kind, r.GOOS) {
					matches = append(matches, p)
				}
			}
		}
		if len(matches) > 0 {
			slices.SortStableFunc(matches, compareVersions)
			out = append(out, Found{Name: c.name, Path: matches[len(matches)-1]})
		}
	}
	return out
}

// usable: a macOS bundle is a folder; anything else must be a file, executable outside Windows.
func usable(p string, kind rootKind, goos string) bool {
	fi, err := os.Stat(p)
	if err != nil {
		return false
	}
	if kind == applications {
		return fi.IsDir()
	}
	return fi.Mode().IsRegular() && (goos == "windows" || fi.Mode()&0o111 != 0)
}

// compareVersions orders paths so that numbers compare as numbers: "Cura 5.10" after "Cura 5.9".
func compareVersions(a, b string) int {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		if da && db {
			na, ra := leadingDigits(a)
			nb, rb := leadingDigits(b)
			ia, _ := strconv.ParseUint(na, 10, 64)
			ib, _ := strconv.ParseUint(nb, 10, 64)
			if c := cmp.Compare(ia, ib); c != 0 {
				return c
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func leadingDigits(s string) (string, string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

// Assign picks a slicer for each file type from what was found, by Preferences.
func Assign(found []Found) map[string]string {
	out := map[string]string{}
	for ext, prefs := range Preferences {
		for _, name := range prefs {
			if i := slices.IndexFunc(found, func(f Found) bool { return f.Name == name }); i >= 0 {
				out[ext] = found[i].Path
				break
			}
		}
	}
	return out
}

// Merge folds detected assignments into the configured ones: an entry the person set is kept
// while its program still exists; missing or broken entries take the detected slicer. With
// reset, detected entries replace everything. It returns the file types that changed.
func Merge(current, detected map[string]string, reset bool) []string {
	var changed []string
	for ext, p := range detected {
		old, ok := current[ext]
		if ok && !reset && exists(old) {
			continue
		}
		if old != p {
			current[ext] = p
			changed = append(changed, ext)
		}
	}
	slices.Sort(changed)
	return changed
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Describe is a one-line summary of found slicers for the terminal.
func Describe(found []Found) string {
	if len(found) == 0 {
		return "no slicers found"
	}
	var names []string
	for _, f := range found {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
