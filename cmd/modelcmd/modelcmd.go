// Package modelcmd implements the "printlab model" command: it checks a 3D
// file the way an upload is checked, prints the analysis (or the message
// the student would get), optionally writes the thumbnail, and reads the
// estimate of sliced files. It holds no state, so main.go can wire Run
// into any command framework.
package modelcmd

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"printlab/model3d"
)

// Exit codes of Run.
const (
	ExitOK       = 0
	ExitRejected = 1 // the file was refused or could not be processed
	ExitUsage    = 2
)

const usage = `usage: printlab model FILE [--json] [--thumb OUT.png] [--size N] [--color NAME]
                     [--fits [NAME=]XxYxZ]... [--density G_PER_CM3] [--fill FRACTION]
                     [--max-mb N]

Checks FILE (.stl, .obj, .3mf) as an upload is checked and prints its
analysis, or the message a student would see. Sliced files (.gcode, .gco,
.g, .bgcode, sliced .3mf) also get the slicer's time and filament estimate.
`

// fitsFlag collects repeated --fits values.
type fitsFlag []printer

type printer struct {
	Name string
	V    model3d.Volume
}

// String is required by flag.Value; the default is empty.
func (f *fitsFlag) String() string { return "" }

// Set parses one [NAME=]XxYxZ value.
func (f *fitsFlag) Set(s string) error {
	name, dims, ok := strings.Cut(s, "=")
	if !ok {
		name, dims = s, s
	}
	parts := strings.Split(strings.ToLower(dims), "x")
	if len(parts) != 3 {
		return fmt.Errorf("want [NAME=]XxYxZ in mm, e.g. MK4=250x210x220")
	}
	var v [3]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || x <= 0 {
			return fmt.Errorf("bad size %q in %q", p, s)
		}
		v[i] = x
	}
	*f = append(*f, printer{Name: name, V: model3d.Volume{X: v[0], Y: v[1], Z: v[2]}})
	return nil
}

// Report is the JSON output of the command.
type Report struct {
	File        string                 `json:"file"`
	Bytes       int64                  `json:"bytes"`
	Format      string                 `json:"format,omitempty"`
	Stats       *model3d.Stats         `json:"stats,omitempty"`
	UnitsAdvice string                 `json:"units_advice,omitempty"`
	Grams       float64                `json:"grams,omitempty"`
	Fits        map[string]bool        `json:"fits,omitempty"`
	Slice       *model3d.SliceEstimate `json:"slice,omitempty"`
	Thumbnail   string                 `json:"thumbnail,omitempty"`
	Error       *model3d.Error         `json:"error,omitempty"`
}

// Run executes the command with args (the arguments after "model") and
// returns the process exit code. Flags may come before or after FILE.
func Run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("model", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	asJSON := fs.Bool("json", false, "print the report as JSON")
	thumb := fs.String("thumb", "", "write a PNG thumbnail to this file")
	size := fs.Int("size", 512, "thumbnail size in pixels")
	colorName := fs.String("color", "", `draw the thumbnail in this colour, named as in the catalog (e.g. "True Red")`)
	density := fs.Float64("density", 1.24, "material density in g/cm³ for the weight estimate")
	fill := fs.Float64("fill", 1, "fraction of the volume printed, for the weight estimate")
	maxMB := fs.Int64("max-mb", 0, "accept files up to this many MiB instead of the upload limit")
	var fits fitsFlag
	fs.Var(&fits, "fits", "a printer's build volume [NAME=]XxYxZ in mm (repeatable)")
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return ExitOK
			}
			return ExitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		fs.Usage()
		return ExitUsage
	}
	if *size < model3d.MinThumbSize || *size > model3d.MaxThumbSize {
		fmt.Fprintf(stderr, "--size must be between %d and %d\n", model3d.MinThumbSize, model3d.MaxThumbSize)
		return ExitUsage
	}
	lim := model3d.DefaultLimits()
	if *maxMB > 0 {
		lim.MaxBytes = *maxMB << 20
	}
	rep, err := check(files[0], lim, *thumb, *size, *colorName, *density, *fill, fits)
	if err != nil {
		var me *model3d.Error
		if !errors.As(err, &me) {
			me = &model3d.Error{Code: model3d.CodeReadError, Message: err.Error()}
		}
		rep.Error = me
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else if rep.Error != nil {
		fmt.Fprintf(stderr, "%s: %s\n", filepath.Base(files[0]), rep.Error.Message)
	} else {
		printHuman(stdout, rep, fits, *density, *fill)
	}
	if rep.Error != nil {
		return ExitRejected
	}
	return ExitOK
}

func check(path string, lim model3d.Limits, thumb string, size int, colorName string, density, fill float64, fits fitsFlag) (Report, error) {
	rep := Report{File: filepath.Base(path)}
	f, err := os.Open(path)
	if err != nil {
		return rep, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return rep, err
	}
	rep.Bytes = st.Size()
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".gcode", ".gco", ".g", ".bgcode":
		est, err := model3d.ReadSliced(f, st.Size(), path)
		if err != nil {
			return rep, err
		}
		rep.Slice = &est
		return rep, nil
	}
	format, _ := model3d.FormatOf(path)
	rep.Format = string(format)
	m, err := model3d.Parse(f, st.Size(), path, lim)
	if err != nil {
		return rep, err
	}
	s := model3d.Analyze(m)
	rep.Stats = &s
	rep.UnitsAdvice = model3d.UnitsAdvice(s)
	rep.Grams = model3d.EstimateGrams(s.VolumeMM3, density, fill)
	if len(fits) > 0 {
		rep.Fits = map[string]bool{}
		for _, p := range fits {
			rep.Fits[p.Name] = model3d.FitsIn(s, p.V)
		}
	}
	if format == model3d.Format3MF {
		// A sliced project carries the slicer's estimate; a plain 3MF
		// simply has none, which is not an error here.
		if est, err := model3d.ReadSliced(f, st.Size(), path); err == nil {
			rep.Slice = &est
		}
	}
	if thumb != "" {
		if err := writeThumb(thumb, m, s, size, colorName); err != nil {
			return rep, err
		}
		rep.Thumbnail = thumb
	}
	return rep, nil
}

func writeThumb(path string, m *model3d.Mesh, s model3d.Stats, size int, colorName string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	opt := model3d.RenderOptions{CullBackFaces: model3d.CanCull(s), Color: model3d.ColorFor(colorName)}
	if err := model3d.ThumbnailWith(out, m, size, opt); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func printHuman(w io.Writer, r Report, fits fitsFlag, density, fill float64) {
	row := func(k, format string, a ...any) { fmt.Fprintf(w, "%-12s %s\n", k+":", fmt.Sprintf(format, a...)) }
	kind := strings.ToUpper(r.Format)
	if kind == "" {
		kind = "sliced file"
	}
	row("File", "%s (%s, %s bytes)", r.File, kind, group(float64(r.Bytes), 0))
	if s := r.Stats; s != nil {
		row("Triangles", "%s", group(float64(s.Triangles), 0))
		row("Size", "%.2f × %.2f × %.2f mm", s.SizeMM[0], s.SizeMM[1], s.SizeMM[2])
		row("Volume", "%s mm³ (%.2f cm³)", group(s.VolumeMM3, 1), s.VolumeMM3/1000)
		row("Surface", "%s mm²", group(s.AreaMM2, 1))
		if s.Closed {
			row("Mesh", "closed (every edge shared by two triangles)")
		} else {
			row("Mesh", "OPEN: %s edges not shared by exactly two triangles; slicers may fill or drop the holes", group(float64(s.OpenEdges), 0))
		}
		if s.Degenerate > 0 {
			row("Degenerate", "%s zero-area triangles", group(float64(s.Degenerate), 0))
		}
		switch {
		case s.Inverted:
			row("Winding", "INVERTED: the triangles face inwards (inside out)")
		case s.Closed && !s.Oriented:
			row("Winding", "inconsistent: some neighbouring triangles face opposite ways")
		}
		if r.UnitsAdvice != "" {
			row("Units", "%s", r.UnitsAdvice)
		} else {
			row("Units", "size looks plausible in millimetres")
		}
		if fill >= 1 {
			row("Weight", "%.1f g if printed solid at %.2f g/cm³", r.Grams, density)
		} else {
			row("Weight", "%.1f g at %.2f g/cm³ and %.0f %% fill", r.Grams, density, fill*100)
		}
		for _, p := range fits {
			yes := "does not fit"
			if r.Fits[p.Name] {
				yes = "fits"
			}
			row("Printer", "%s (%g × %g × %g mm): %s", p.Name, p.V.X, p.V.Y, p.V.Z, yes)
		}
	}
	if e := r.Slice; e != nil {
		slicer := strings.TrimSpace(e.Slicer + " " + e.SlicerVersion)
		if slicer == "" {
			slicer = "unknown slicer"
		}
		row("Sliced by", "%s", slicer)
		row("Print time", "%s (%d s)", duration(e.Seconds), e.Seconds)
		if e.LengthMM > 0 {
			row("Filament", "%.2f g (%.2f m)", e.Grams, e.LengthMM/1000)
		} else {
			row("Filament", "%.2f g", e.Grams)
		}
	}
	if r.Thumbnail != "" {
		row("Thumbnail", "%s", r.Thumbnail)
	}
}

func duration(s int) string {
	h, m, sec := s/3600, s/60%60, s%60
	if h > 0 {
		return fmt.Sprintf("%dh %02dm %02ds", h, m, sec)
	}
	return fmt.Sprintf("%dm %02ds", m, sec)
}

// group formats a number with thousands separators and the given decimals.
func group(v float64, dec int) string {
	s := strconv.FormatFloat(v, 'f', dec, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}
