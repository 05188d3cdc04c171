package model3d_test

import (
	"bytes"
	"errors"
	"testing"

	"printlab/model3d"
	"printlab/model3d/testmesh"
)

// fuzzLimits keeps each fuzz iteration small and fast.
func fuzzLimits() model3d.Limits {
	l := model3d.DefaultLimits()
	l.MaxBytes = 1 << 20
	l.MaxTriangles = 50_000
	l.MaxVertices = 50_000
	l.MaxUncompressed = 8 << 20
	return l
}

// checkParse is the invariant every parser must keep on any input: no
// panic, either a mesh with triangles or a typed *Error with a message,
// and a mesh that analysis and rendering can handle.
func checkParse(t *testing.T, data []byte, name string) {
	m, err := model3d.Parse(bytes.NewReader(data), int64(len(data)), name, fuzzLimits())
	if err != nil {
		var e *model3d.Error
		if !errors.As(err, &e) || e.Code == "" || e.Message == "" {
			t.Fatalf("untyped error %T %v", err, err)
		}
		if m != nil {
			t.Fatal("mesh returned with error")
		}
		return
	}
	if m.TriangleCount() == 0 || len(m.Tris)%9 != 0 {
		t.Fatalf("bad mesh: %d floats", len(m.Tris))
	}
	model3d.Analyze(m)
	if _, err := model3d.Render(m, 16); err != nil {
		t.Fatal(err)
	}
}

func FuzzSTL(f *testing.F) {
	f.Add(encode(f, func(b *bytes.Buffer) error { return model3d.WriteBinarySTL(b, testmesh.Cube(10)) }))
	f.Add(encode(f, func(b *bytes.Buffer) error { return model3d.WriteASCIISTL(b, testmesh.Cube(10), "cube") }))
	f.Add(encode(f, func(b *bytes.Buffer) error { return model3d.WriteBinarySTL(b, testmesh.Torus(10, 3, 6, 4)) }))
	f.Add([]byte("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid x\n"))
	f.Add([]byte("solid"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, data, "fuzz.stl") })
}

func FuzzOBJ(f *testing.F) {
	f.Add(encode(f, func(b *bytes.Buffer) error { return model3d.WriteOBJ(b, testmesh.Cube(10)) }))
	f.Add([]byte("mtllib x.mtl\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvn 0 0 1\nf 1/1/1 2/1/1 3/1/1 4/1/1\nf -1 -2 -3\n"))
	f.Add([]byte("v 1e3 -2.5E-2 .5\nv 0 0 0 1\nv 0 0 1 0.5 0.5 0.5\nf 1//1 2//1 3//1 # comment\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, data, "fuzz.obj") })
}

// Fuzz3MF fuzzes the package as a whole and, because random bytes rarely
// form a valid zip, also the model XML wrapped in a valid package.
func Fuzz3MF(f *testing.F) {
	f.Add([]byte(modelXML("millimeter", cubeObject("1"), `<item objectid="1" transform="1 0 0 0 1 0 0 0 1 5 5 0"/>`)))
	f.Add([]byte(modelXML("inch", cubeObject("1")+`<object id="2"><components><component objectid="1"/><component objectid="1" transform="0 1 0 -1 0 0 0 0 1 0 0 20"/></components></object>`, `<item objectid="2"/>`)))
	f.Add([]byte(modelXML("millimeter", `<object id="2"><components><component p:path="/3D/Objects/o.model" objectid="1"/></components></object>`, `<item objectid="2"/>`)))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><model/>`))
	f.Add(threeMF(f, modelXML("millimeter", cubeObject("1"), `<item objectid="1"/>`)))
	f.Add(encode(f, func(b *bytes.Buffer) error { return model3d.Write3MF(b, testmesh.Cube(3), "c") }))
	part := entry{name: "3D/Objects/o.model", body: modelXML("centimeter", cubeObject("1"), ""), store: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, "fuzz.3mf")
		if len(data) > 64<<10 {
			return
		}
		// Stored, not deflated: compressing in every iteration would
		// dominate the run time and flood the coverage with flate's.
		checkParse(t, zipOf(t, entry{name: "_rels/.rels", body: relsXML, store: true}, entry{name: "3D/3dmodel.model", body: string(data), store: true}, part), "fuzz.3mf")
	})
}

// checkSliced is ReadSliced's invariant: an estimate, ErrNoEstimate or a
// typed *Error, never a panic, and never negative figures.
func checkSliced(t *testing.T, data []byte, name string) {
	e, err := model3d.ReadSliced(bytes.NewReader(data), int64(len(data)), name)
	if err != nil {
		var me *model3d.Error
		if !errors.As(err, &me) || me.Code == "" || me.Message == "" {
			t.Fatalf("untyped error %T %v", err, err)
		}
		return
	}
	if e.Grams < 0 || e.Seconds < 0 || e.LengthMM < 0 {
		t.Fatalf("negative estimate %+v", e)
	}
}

func FuzzReadSliced(f *testing.F) {
	for _, s := range []string{prusaHead + prusaFoot, orcaHead + orcaFoot, bambuHead, curaHead + curaFoot, griffinHead, sliceInfo} {
		f.Add([]byte(s))
	}
	model := entry{name: "3D/3dmodel.model", body: slicedModel("BambuStudio-01.08.04.51"), store: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSliced(t, data, "fuzz.gcode")
		if len(data) > 64<<10 {
			return
		}
		checkSliced(t, zipOf(t, model, entry{name: "Metadata/slice_info.config", body: string(data), store: true}, entry{name: "Metadata/plate_1.gcode", body: string(data), store: true}), "fuzz.3mf")
	})
}

func FuzzBgcode(f *testing.F) {
	fileMeta := bgBlock{0, 0, []byte("Producer=PrusaSlicer 2.7.1\n")}
	print := bgBlock{4, 1, []byte("filament used [g]=3.70\nestimated printing time (normal mode)=1h 2m 3s\n")}
	f.Add(bgcodeFile(true, fileMeta, print, bgBlock{1, 3, []byte("x")}))
	f.Add(bgcodeFile(false, fileMeta, bgBlock{5, 0, []byte("png")}, print))
	f.Add(bgcodeFile(true, bgBlock{4, 2, []byte("hs")}))
	f.Fuzz(func(t *testing.T, data []byte) { checkSliced(t, data, "fuzz.bgcode") })
}
