package model3d

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format names a model file format.
type Format string

// The model formats students may upload (SPEC §4).
const (
	FormatSTL Format = "stl"
	FormatOBJ Format = "obj"
	Format3MF Format = "3mf"
)

// FormatOf returns the model format implied by a file name's extension
// (case-insensitive) and whether it is one we accept.
func FormatOf(name string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".stl":
		return FormatSTL, true
	case ".obj":
		return FormatOBJ, true
	case ".3mf":
		return Format3MF, true
	}
	return "", false
}

// Mesh is a triangle soup in millimetres with every transform applied:
// the form analysis, rendering and re-export all work on.
type Mesh struct {
	// Tris holds 9 float32 per triangle (x, y, z of three corners), in mm.
	Tris []float32
	// Thumbnail is the raw thumbnail a 3MF package declares, or nil. It is
	// untrusted: Thumbnail() decodes and re-encodes it before use.
	Thumbnail []byte
}

// TriangleCount returns the number of triangles in the mesh.
func (m *Mesh) TriangleCount() int { return len(m.Tris) / 9 }

// ParseFile opens path and parses it with Parse.
func ParseFile(path string, lim Limits) (*Mesh, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, readErr(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, readErr(err)
	}
	return Parse(f, st.Size(), filepath.Base(path), lim)
}

// Parse reads a model of the format implied by name's extension (.stl .obj
// .3mf, case-insensitive). The content must match the extension: an
// executable, archive or other file type renamed to a model extension is
// refused with CodeWrongType. Every refusal is an *Error.
func Parse(r io.ReaderAt, size int64, name string, lim Limits) (*Mesh, error) {
	f, ok := FormatOf(name)
	if !ok {
		return nil, newErr(CodeUnsupportedFormat, "%q is not a file type we can print from: please upload an .stl, .obj or .3mf file.", filepath.Ext(name))
	}
	if size <= 0 {
		return nil, newErr(CodeEmpty, "The file is empty (0 bytes): it was probably cut off while saving or uploading. Please export it again.")
	}
	if lim.MaxBytes > 0 && size > lim.MaxBytes {
		return nil, newErr(CodeTooLarge, "The file is %s, larger than the %s we accept: please reduce the mesh resolution (fewer triangles) when exporting.", mib(size), mib(lim.MaxBytes))
	}
	var head [512]byte
	n, err := r.ReadAt(head[:], 0)
	if err != nil && err != io.EOF {
		return nil, readErr(err)
	}
	if what := sniffForeign(head[:n], f); what != "" {
		return nil, newErr(CodeWrongType, "This file is not a 3D model: its content is %s, although its name ends in .%s. Please upload the model exported from your CAD program.", what, f)
	}
	var m *Mesh
	switch f {
	case FormatSTL:
		m, err = parseSTL(r, size, lim)
	case FormatOBJ:
		m, err = parseOBJ(r, size, lim)
	case Format3MF:
		m, err = parse3MF(r, size, lim)
	}
	if err != nil {
		return nil, err
	}
	if m.TriangleCount() == 0 {
		return nil, newErr(CodeEmpty, "The file contains no triangles, so there is nothing to print. Please check that you exported the right object.")
	}
	return m, nil
}

// sniffForeign recognises well-known non-model file types from their first
// bytes and describes them, or returns "". A zip is only foreign for STL
// and OBJ; for 3MF it is the expected container.
func sniffForeign(h []byte, f Format) string {
	switch {
	case bytes.HasPrefix(h, []byte("\x7fELF")):
		return "a Linux program (ELF executable)"
	case isPE(h):
		return "a Windows program (.exe/.dll)"
	case len(h) >= 4 && (binary.BigEndian.Uint32(h) == 0xFEEDFACE || binary.BigEndian.Uint32(h) == 0xFEEDFACF ||
		binary.LittleEndian.Uint32(h) == 0xFEEDFACE || binary.LittleEndian.Uint32(h) == 0xFEEDFACF ||
		binary.BigEndian.Uint32(h) == 0xCAFEBABE):
		return "a macOS program (Mach-O executable)"
	case bytes.HasPrefix(h, []byte("#!")):
		return "a script"
	case bytes.HasPrefix(h, []byte("%PDF")):
		return "a PDF document"
	case bytes.HasPrefix(h, []byte{0x1f, 0x8b}):
		return "a gzip archive"
	case bytes.HasPrefix(h, []byte("7z\xbc\xaf\x27\x1c")):
		return "a 7-Zip archive"
	case bytes.HasPrefix(h, []byte("Rar!")):
		return "a RAR archive"
	case bytes.HasPrefix(h, []byte("PK\x03\x04")) || bytes.HasPrefix(h, []byte("PK\x05\x06")):
		if f != Format3MF {
			return "a zip archive (a 3MF project or a compressed folder? then give it the right extension or unzip it)"
		}
	}
	return ""
}

// isPE checks the DOS stub and the "PE\0\0" signature it points at, so an
// STL whose free-form header happens to start with "MZ" is not refused.
func isPE(h []byte) bool {
	if len(h) < 0x40 || h[0] != 'M' || h[1] != 'Z' {
		return false
	}
	off := binary.LittleEndian.Uint32(h[0x3c:])
	return off+4 <= uint32(len(h)) && bytes.Equal(h[off:off+4], []byte("PE\x00\x00"))
}
