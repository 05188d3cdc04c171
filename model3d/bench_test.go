package model3d_test

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"

	"printlab/model3d"
	"printlab/model3d/testmesh"
)

// The 1M-triangle inputs are built once per process: a 1000×500 torus,
// the same mesh the BENCHMARKS.md (model3d) figures use.
var (
	bigOnce                  sync.Once
	bigMesh                  *model3d.Mesh
	bigSTL, bigASCII, big3MF []byte
	bigOBJ                   []byte
)

func big(b *testing.B) {
	bigOnce.Do(func() {
		bigMesh = testmesh.Torus(40, 15, 1000, 500)
		bigSTL = encode(b, func(w *bytes.Buffer) error { return model3d.WriteBinarySTL(w, bigMesh) })
		bigASCII = encode(b, func(w *bytes.Buffer) error { return model3d.WriteASCIISTL(w, bigMesh, "torus") })
		big3MF = encode(b, func(w *bytes.Buffer) error { return model3d.Write3MF(w, bigMesh, "torus") })
		bigOBJ = encode(b, func(w *bytes.Buffer) error { return model3d.WriteOBJ(w, bigMesh) })
	})
}

// reportCPU adds the process CPU time per operation (all threads).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/1e6/float64(b.N), "cpu-ms/op")
}

func benchParse(b *testing.B, data []byte, name string, analyze bool) {
	lim := model3d.DefaultLimits()
	lim.MaxBytes = int64(len(data))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	defer reportCPU(b, processCPU())
	for b.Loop() {
		m, err := model3d.Parse(bytes.NewReader(data), int64(len(data)), name, lim)
		if err != nil {
			b.Fatal(err)
		}
		if analyze {
			model3d.Analyze(m)
		}
	}
}

// BenchmarkParseAnalyze1M is the headline figure: a 1,000,000-triangle
// binary STL (50 MB) parsed and analysed (target ≤ 100 ms).
func BenchmarkParseAnalyze1M(b *testing.B) { big(b); benchParse(b, bigSTL, "t.stl", true) }

// BenchmarkParseSTL1M is parsing alone.
func BenchmarkParseSTL1M(b *testing.B) { big(b); benchParse(b, bigSTL, "t.stl", false) }

// BenchmarkAnalyze1M is analysis alone.
func BenchmarkAnalyze1M(b *testing.B) {
	big(b)
	defer reportCPU(b, processCPU())
	for b.Loop() {
		model3d.Analyze(bigMesh)
	}
}

// BenchmarkRender1M renders the 1M-triangle mesh to a 512×512 PNG.
func BenchmarkRender1M(b *testing.B) {
	big(b)
	defer reportCPU(b, processCPU())
	for b.Loop() {
		if err := model3d.RenderPNG(io.Discard, bigMesh, 512); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseASCII1M parses the 1M-triangle ASCII STL (target ≤ 1.5 s).
func BenchmarkParseASCII1M(b *testing.B) { big(b); benchParse(b, bigASCII, "t.stl", true) }

// BenchmarkParse3MF1M parses the 1M-triangle 3MF (target ≤ 1.5 s).
func BenchmarkParse3MF1M(b *testing.B) { big(b); benchParse(b, big3MF, "t.3mf", true) }

// BenchmarkParseOBJ1M parses the 1M-triangle OBJ.
func BenchmarkParseOBJ1M(b *testing.B) { big(b); benchParse(b, bigOBJ, "t.obj", true) }

// BenchmarkParseAnalyze50k is a typical student upload.
func BenchmarkParseAnalyze50k(b *testing.B) {
	data := encode(b, func(w *bytes.Buffer) error { return model3d.WriteBinarySTL(w, testmesh.Torus(40, 15, 250, 100)) })
	benchParse(b, data, "t.stl", true)
}

// BenchmarkThumbnail50k renders a typical upload's 512×512 thumbnail.
func BenchmarkThumbnail50k(b *testing.B) {
	m := testmesh.Torus(40, 15, 250, 100)
	defer reportCPU(b, processCPU())
	for b.Loop() {
		model3d.Thumbnail(io.Discard, m, 512)
	}
}

// BenchmarkZipBomb refuses the 2 MB → 2 GiB bomb (target ≤ 50 ms).
func BenchmarkZipBomb(b *testing.B) {
	for _, declared := range []uint64{2 << 30, 100_000} {
		data := rawZip(b, "3D/3dmodel.model", deflateBomb(b, 2048), declared)
		b.Run(map[bool]string{true: "declared", false: "lying"}[declared > 1<<20], func(b *testing.B) {
			for b.Loop() {
				if _, err := parseBytes(b, data, "bomb.3mf"); codeOf(err) != model3d.CodeZipBomb {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadSlicedGcode reads the estimate from a 1 MB G-code file.
func BenchmarkReadSlicedGcode(b *testing.B) {
	data := []byte(prusaHead + body(40000) + prusaFoot)
	for b.Loop() {
		if _, err := model3d.ReadSliced(bytes.NewReader(data), int64(len(data)), "x.gcode"); err != nil {
			b.Fatal(err)
		}
	}
}
