package model3d

// Limits caps what a parser will accept, so that a hostile or broken file
// costs bounded time and memory. Every cap is checked before the memory it
// guards is allocated.
type Limits struct {
	// MaxBytes is the largest file accepted, in bytes.
	MaxBytes int64
	// MaxTriangles caps the triangles of the final, flattened mesh
	// (after 3MF components and build items are expanded).
	MaxTriangles int
	// MaxVertices caps the vertices declared in OBJ and 3MF files.
	MaxVertices int
	// MaxZipEntries caps the entries of a 3MF package.
	MaxZipEntries int
	// MaxUncompressed caps the total bytes inflated from a 3MF package,
	// both as declared in the zip headers and as counted while inflating.
	MaxUncompressed int64
	// MaxRatio caps the inflated/compressed ratio of any zip entry larger
	// than ratioFloor bytes; real model XML compresses about 5–20×.
	MaxRatio float64
	// MaxXMLDepth caps element nesting in any XML part.
	MaxXMLDepth int
	// MaxComponentDepth caps 3MF component nesting (object → component →
	// object …), which also bounds the cost of deliberately deep chains.
	MaxComponentDepth int
}

// ratioFloor is the entry size below which the compression ratio is not
// checked: tiny, very regular parts (relationships, empty configs) compress
// extremely well and are harmless.
const ratioFloor = 8 << 20

// DefaultLimits returns the limits used for student uploads:
//
//   - 64 MiB per file: the upload limit is 50 MB (SPEC §4), and a
//     1,000,000-triangle binary STL is 50,000,084 bytes.
//   - 5,000,000 triangles (180 MB of float32 coordinates in memory),
//     far above what a makerspace print needs.
//   - 5,000,000 vertices for indexed formats.
//   - 1,000 zip entries: slicer project files have a few dozen.
//   - 1 GiB inflated in total: a 5M-triangle 3MF inflates to ~350 MB.
//   - ratio 100: model XML compresses 5–20×; a zip bomb compresses 1000×.
//   - XML depth 32: 3MF needs 6 levels.
//   - component depth 16: real files use 2 (assembly → part).
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:          64 << 20,
		MaxTriangles:      5_000_000,
		MaxVertices:       5_000_000,
		MaxZipEntries:     1000,
		MaxUncompressed:   1 << 30,
		MaxRatio:          100,
		MaxXMLDepth:       32,
		MaxComponentDepth: 16,
	}
}
