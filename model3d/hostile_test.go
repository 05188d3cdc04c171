package model3d_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"printlab/model3d"
	"printlab/model3d/testmesh"
)

// deflateBomb returns a raw deflate stream that inflates to n MiB of
// spaces, built by repeating one independently decodable 1 MiB block so
// the test never has to compress gigabytes.
func deflateBomb(t testing.TB, n int) []byte {
	var one bytes.Buffer
	fw, _ := flate.NewWriter(&one, flate.BestCompression)
	fw.Write(bytes.Repeat([]byte{' '}, 1<<20))
	fw.Flush()
	var out bytes.Buffer
	out.Grow(one.Len()*n + 16)
	for range n {
		out.Write(one.Bytes())
	}
	// A final, empty stored block ends the stream.
	out.Write([]byte{1, 0, 0, 0xff, 0xff})
	return out.Bytes()
}

// rawZip writes one deflated entry with whatever sizes the header claims.
func rawZip(t testing.TB, name string, comp []byte, declared uint64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(len(comp)), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp)
	zw.Close()
	return buf.Bytes()
}

func binarySTL(t testing.TB, n int) []byte {
	return encode(t, func(b *bytes.Buffer) error { return model3d.WriteBinarySTL(b, testmesh.Torus(30, 10, n/2, 1)) })
}

type hostile struct {
	name, file string
	data       []byte
	code       string
	lim        func(*model3d.Limits)
}

func hostileCorpus(t testing.TB) []hostile {
	stl := encode(t, func(b *bytes.Buffer) error { return model3d.WriteBinarySTL(b, testmesh.Torus(30, 10, 100, 50)) }) // 10,000 triangles
	withCount := func(n uint32) []byte {
		b := bytes.Clone(stl)
		binary.LittleEndian.PutUint32(b[80:], n)
		return b
	}
	nan := bytes.Clone(stl)
	binary.LittleEndian.PutUint32(nan[84+50*7+20:], math.Float32bits(float32(math.NaN())))
	inf := bytes.Clone(stl)
	binary.LittleEndian.PutUint32(inf[84+50*9+12:], math.Float32bits(float32(math.Inf(-1))))
	ascii := encode(t, func(b *bytes.Buffer) error { return model3d.WriteASCIISTL(b, testmesh.Cube(10), "c") })
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 600)...)
	pe := make([]byte, 600)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x80)
	copy(pe[0x80:], "PE\x00\x00")
	cube := modelXML("millimeter", cubeObject("1"), `<item objectid="1"/>`)
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` +
		`<model unit="millimeter"><resources><object id="1"><mesh><vertices><vertex x="&lol3;" y="0" z="0"/></vertices></mesh></object></resources><build/></model>`
	var deep strings.Builder
	for i := range 30 {
		deep.WriteString(`<object id="` + itoa(i+2) + `"><components><component objectid="` + itoa(i+1) + `"/></components></object>`)
	}
	var expo strings.Builder
	for i := range 16 {
		c := `<component objectid="` + itoa(i+1) + `"/>`
		expo.WriteString(`<object id="` + itoa(i+2) + `"><components>` + strings.Repeat(c, 4) + `</components></object>`)
	}
	bomb := deflateBomb(t, 2048) // ~2 MB inflating to 2 GiB
	many := make([]entry, 1001)
	for i := range many {
		many[i] = entry{name: "f" + itoa(i), body: "x"}
	}
	return []hostile{
		{"stl truncated", "a.stl", stl[:len(stl)-17], model3d.CodeTruncated, nil},
		{"stl count one too many", "a.stl", withCount(10001), model3d.CodeTruncated, nil},
		{"stl count would allocate 200 GB", "a.stl", withCount(math.MaxUint32), model3d.CodeTruncated, nil},
		{"stl count smaller than data", "a.stl", withCount(100), model3d.CodeSizeMismatch, nil},
		{"stl count zero", "a.stl", withCount(0)[:84], model3d.CodeEmpty, nil},
		{"stl too short", "a.stl", []byte("hello"), model3d.CodeTruncated, nil},
		{"empty file", "a.stl", nil, model3d.CodeEmpty, nil},
		{"stl NaN", "a.stl", nan, model3d.CodeBadNumber, nil},
		{"stl -Inf", "a.stl", inf, model3d.CodeBadNumber, nil},
		{"stl over triangle cap", "a.stl", stl, model3d.CodeTooManyTriangles, func(l *model3d.Limits) { l.MaxTriangles = 9999 }},
		{"stl over byte cap", "a.stl", stl, model3d.CodeTooLarge, func(l *model3d.Limits) { l.MaxBytes = 1000 }},
		{"ascii cut mid-facet", "a.stl", ascii[:len(ascii)/2], model3d.CodeTruncated, nil},
		{"ascii nan", "a.stl", []byte("solid x\nfacet normal 0 0 0\nouter loop\nvertex nan 0 0\nvertex 0 0 0\nvertex 0 0 0\nendloop\nendfacet\nendsolid x\n"), model3d.CodeBadNumber, nil},
		{"ascii inf", "a.stl", []byte("solid x\nfacet normal 0 0 0\nouter loop\nvertex 1e999 0 0\nvertex 0 0 0\nvertex 0 0 0\nendloop\nendfacet\nendsolid x\n"), model3d.CodeBadNumber, nil},
		{"ascii quad", "a.stl", []byte("solid x\nfacet normal 0 0 0\nouter loop\nvertex 1 0 0\nvertex 0 0 0\nvertex 0 1 0\nvertex 1 1 0\nendloop\nendfacet\nendsolid x\n"), model3d.CodeBadSyntax, nil},
		{"ascii empty solid", "a.stl", []byte("solid x\nendsolid x\n"), model3d.CodeEmpty, nil},
		{"ascii huge token", "a.stl", append([]byte("solid x\nfacet normal 0 0 0\nouter loop\nvertex "), bytes.Repeat([]byte("1"), 10000)...), model3d.CodeLineTooLong, nil},
		{"elf renamed stl", "model.stl", elf, model3d.CodeWrongType, nil},
		{"exe renamed obj", "model.obj", pe, model3d.CodeWrongType, nil},
		{"zip renamed stl", "model.STL", threeMF(t, cube), model3d.CodeWrongType, nil},
		{"elf renamed 3mf", "model.3mf", elf, model3d.CodeWrongType, nil},
		{"unknown extension", "model.step", stl, model3d.CodeUnsupportedFormat, nil},
		{"obj index out of range", "a.obj", []byte("v 0 0 0\nv 1 0 0\nf 1 2 3\n"), model3d.CodeBadIndex, nil},
		{"obj negative out of range", "a.obj", []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nf -1 -2 -4\n"), model3d.CodeBadIndex, nil},
		{"obj index zero", "a.obj", []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n"), model3d.CodeBadIndex, nil},
		{"obj huge index", "a.obj", []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 99999999999999\n"), model3d.CodeBadIndex, nil},
		{"obj bad number", "a.obj", []byte("v 0 0 x\n"), model3d.CodeBadNumber, nil},
		{"obj NaN", "a.obj", []byte("v 0 0 NaN\n"), model3d.CodeBadNumber, nil},
		{"obj no faces", "a.obj", []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\n"), model3d.CodeEmpty, nil},
		{"obj two-corner face", "a.obj", []byte("v 0 0 0\nv 1 0 0\nf 1 2\n"), model3d.CodeBadSyntax, nil},
		{"obj line over 1 MB", "a.obj", append([]byte("v 1 2 3 "), bytes.Repeat([]byte("4 "), 600000)...), model3d.CodeLineTooLong, nil},
		{"obj vertex cap", "a.obj", []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\n"), model3d.CodeTooManyVertices, func(l *model3d.Limits) { l.MaxVertices = 3 }},
		{"3mf not a zip", "a.3mf", []byte("solid cube\nendsolid\n"), model3d.CodeNotAZip, nil},
		{"3mf truncated zip", "a.3mf", threeMF(t, cube)[:300], model3d.CodeNotAZip, nil},
		{"zip bomb (declared)", "a.3mf", rawZip(t, "3D/3dmodel.model", bomb, 2<<30), model3d.CodeZipBomb, nil},
		{"zip bomb (header lies)", "a.3mf", rawZip(t, "3D/3dmodel.model", bomb, 100_000), model3d.CodeZipBomb, nil},
		{"zip bomb (header lies, prefetched)", "a.3mf", rawZip(t, "3D/3dmodel.model", bomb, 8<<20), model3d.CodeZipBomb, nil},
		{"zip bomb (ratio, counted)", "a.3mf", rawZip(t, "3D/3dmodel.model", deflateBomb(t, 64), 1<<20), model3d.CodeZipBomb, func(l *model3d.Limits) { l.MaxUncompressed = 1 << 30 }},
		{"zip name ../", "a.3mf", zipOf(t, entry{name: "../../etc/passwd", body: "x"}), model3d.CodeUnsafeName, nil},
		{"zip name absolute", "a.3mf", zipOf(t, entry{name: "/etc/passwd", body: "x"}), model3d.CodeUnsafeName, nil},
		{"zip name backslash", "a.3mf", zipOf(t, entry{name: `..\..\win.ini`, body: "x"}), model3d.CodeUnsafeName, nil},
		{"zip name NUL", "a.3mf", zipOf(t, entry{name: "3D/a\x00.model", body: "x"}), model3d.CodeUnsafeName, nil},
		{"zip name drive", "a.3mf", zipOf(t, entry{name: "C:/x", body: "x"}), model3d.CodeUnsafeName, nil},
		{"zip too many entries", "a.3mf", zipOf(t, many...), model3d.CodeTooManyEntries, nil},
		{"zip entry count forged", "a.3mf", forgeCount(threeMF(t, cube), 60000), model3d.CodeTooManyEntries, nil},
		{"billion laughs", "a.3mf", threeMF(t, laughs), model3d.CodeBadXML, nil},
		{"xml too deep", "a.3mf", threeMF(t, strings.Repeat("<a>", 100)+strings.Repeat("</a>", 100)), model3d.CodeXMLTooDeep, nil},
		{"xml unclosed", "a.3mf", threeMF(t, cube[:len(cube)-20]), model3d.CodeTruncated, nil},
		{"xml mismatched", "a.3mf", threeMF(t, `<model><resources></build></model>`), model3d.CodeBadXML, nil},
		{"xml unknown entity", "a.3mf", threeMF(t, modelXML("millimeter", `<object id="&x;"/>`, "")), model3d.CodeBadXML, nil},
		{"3mf bad unit", "a.3mf", threeMF(t, modelXML("parsec", cubeObject("1"), `<item objectid="1"/>`)), model3d.CodeUnsupportedFormat, nil},
		{"3mf bad vertex number", "a.3mf", threeMF(t, strings.Replace(cube, `x="10"`, `x="1e999"`, 1)), model3d.CodeBadNumber, nil},
		{"3mf triangle index out of range", "a.3mf", threeMF(t, strings.Replace(cube, `v3="7"`, `v3="8"`, 1)), model3d.CodeBadIndex, nil},
		{"3mf negative index", "a.3mf", threeMF(t, strings.Replace(cube, `v3="7"`, `v3="-1"`, 1)), model3d.CodeBadIndex, nil},
		{"3mf empty build", "a.3mf", threeMF(t, modelXML("millimeter", cubeObject("1"), "")), model3d.CodeEmpty, nil},
		{"3mf missing object", "a.3mf", threeMF(t, modelXML("millimeter", cubeObject("1"), `<item objectid="9"/>`)), model3d.CodeBadReference, nil},
		{"3mf missing part", "a.3mf", threeMF(t, modelXML("millimeter", `<object id="2"><components><component p:path="/3D/nope.model" objectid="1"/></components></object>`, `<item objectid="2"/>`)), model3d.CodeMissingPart, nil},
		{"3mf no model", "a.3mf", zipOf(t, entry{name: "Metadata/x.config", body: "x"}), model3d.CodeMissingPart, nil},
		{"3mf component cycle", "a.3mf", threeMF(t, modelXML("millimeter", `<object id="1"><components><component objectid="2"/></components></object><object id="2"><components><component objectid="1"/></components></object>`, `<item objectid="1"/>`)), model3d.CodeComponentCycle, nil},
		{"3mf self reference", "a.3mf", threeMF(t, modelXML("millimeter", `<object id="1"><components><component objectid="1"/></components></object>`, `<item objectid="1"/>`)), model3d.CodeComponentCycle, nil},
		{"3mf cross-part cycle", "a.3mf", threeMF(t, modelXML("millimeter", `<object id="1"><components><component p:path="/3D/b.model" objectid="1"/></components></object>`, `<item objectid="1"/>`),
			entry{name: "3D/b.model", body: modelXML("millimeter", `<object id="1"><components><component p:path="/3D/3dmodel.model" objectid="1"/></components></object>`, "")}), model3d.CodeComponentCycle, nil},
		{"3mf deep components", "a.3mf", threeMF(t, modelXML("millimeter", cubeObject("1")+deep.String(), `<item objectid="31"/>`)), model3d.CodeComponentTooDeep, nil},
		{"3mf exponential components", "a.3mf", threeMF(t, modelXML("millimeter", cubeObject("1")+expo.String(), `<item objectid="17"/>`)), model3d.CodeTooManyTriangles, nil},
		{"3mf transform overflow", "a.3mf", threeMF(t, modelXML("millimeter", cubeObject("1"), `<item objectid="1" transform="1e300 0 0 0 1 0 0 0 1 0 0 0"/>`)), model3d.CodeBadNumber, nil},
		{"3mf short transform", "a.3mf", threeMF(t, modelXML("millimeter", cubeObject("1"), `<item objectid="1" transform="1 0 0"/>`)), model3d.CodeBadNumber, nil},
	}
}

// forgeCount rewrites the entry count of a zip's end record.
func forgeCount(b []byte, n uint16) []byte {
	b = bytes.Clone(b)
	i := bytes.LastIndex(b, []byte("PK\x05\x06"))
	binary.LittleEndian.PutUint16(b[i+8:], n)
	binary.LittleEndian.PutUint16(b[i+10:], n)
	return b
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestHostileCorpus(t *testing.T) {
	for _, c := range hostileCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			lim := model3d.DefaultLimits()
			if c.lim != nil {
				c.lim(&lim)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			m, err := model3d.Parse(bytes.NewReader(c.data), int64(len(c.data)), c.file, lim)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if got := codeOf(err); got != c.code {
				t.Fatalf("code %q, want %q (err: %v, mesh: %v)", got, c.code, err, m != nil)
			}
			msg := err.Error()
			if len(msg) < 30 || !strings.HasSuffix(msg, ".") {
				t.Errorf("message not a sentence: %q", msg)
			}
			if took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
		})
	}
}

// TestZipBombBudget checks the figure promised in BENCHMARKS.md (model3d):
// the 2 MB → 2 GiB bomb is refused in well under 50 ms and 32 MB.
func TestZipBombBudget(t *testing.T) {
	for _, declared := range []uint64{2 << 30, 100_000} {
		b := rawZip(t, "3D/3dmodel.model", deflateBomb(t, 2048), declared)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := parseBytes(t, b, "bomb.3mf")
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if codeOf(err) != model3d.CodeZipBomb || took > 50*time.Millisecond || after.TotalAlloc-before.TotalAlloc > 32<<20 {
			t.Errorf("declared %d: %v in %v, %d KB allocated", declared, err, took, (after.TotalAlloc-before.TotalAlloc)>>10)
		}
		t.Logf("bomb %d bytes declared %d: refused in %v, %d KB allocated", len(b), declared, took, (after.TotalAlloc-before.TotalAlloc)>>10)
	}
}

// TestZip64EntryCount checks that the entry cap is applied from the ZIP64
// end record too, before archive/zip reads the directory.
func TestZip64EntryCount(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range 70000 {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "m/" + itoa(i), Method: zip.Store})
		w.Write([]byte{'x'})
	}
	zw.Close()
	start := time.Now()
	_, err := parseBytes(t, buf.Bytes(), "many.3mf")
	if codeOf(err) != model3d.CodeTooManyEntries || time.Since(start) > 100*time.Millisecond {
		t.Errorf("%v after %v", err, time.Since(start))
	}
}

// crossingTriangles is a small file's worth of large triangles strewn at
// random over a 200 mm box: every one covers much of the view.
func crossingTriangles(n int) *model3d.Mesh {
	r := rand.New(rand.NewPCG(1, 2))
	m := &model3d.Mesh{Tris: make([]float32, 9*n)}
	for i := range m.Tris {
		m.Tris[i] = float32(r.Float64() * 200)
	}
	return m
}

// A thumbnail's work grows with the area its triangles cover: 50,000 large
// crossing triangles (a 2.5 MB STL) kept a core busy for 11 s and a million
// for minutes, holding up shutdown. Over the budget the view is drawn smaller
// and scaled up; far over it, the preview is refused with its own code. Both
// finish in about a second of CPU.
func TestRenderWorkIsBounded(t *testing.T) {
	for _, tc := range []struct {
		n       int
		refused bool
	}{{50_000, false}, {1_000_000, true}} {
		m := crossingTriangles(tc.n)
		start := processCPU()
		img, err := model3d.Render(m, 512)
		spent := processCPU() - start
		if tc.refused {
			if codeOf(err) != model3d.CodeTooComplex || img != nil {
				t.Errorf("%d crossing triangles: %v, want too_complex", tc.n, err)
			}
		} else {
			if err != nil || img == nil || img.Bounds().Dx() != 512 {
				t.Fatalf("%d crossing triangles: %v", tc.n, err)
			}
			covered := 0
			for i := 3; i < len(img.Pix); i += 4 {
				if img.Pix[i] > 0 {
					covered++
				}
			}
			if covered < 512*512/4 {
				t.Errorf("%d crossing triangles: only %d pixels drawn", tc.n, covered)
			}
		}
		if spent > 4*time.Second {
			t.Errorf("%d crossing triangles: %v of CPU, want about a second", tc.n, spent)
		}
		t.Logf("%d crossing triangles: %v of CPU", tc.n, spent)
	}
}
