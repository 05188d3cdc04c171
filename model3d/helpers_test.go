package model3d_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"printlab/model3d"
)

// entry is one file of a zip built by zipOf.
type entry struct {
	name, body string
	store      bool
}

func zipOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		m := zip.Deflate
		if e.store {
			m = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	ctXML   = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/></Types>`
	relsXML = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Target="/3D/3dmodel.model" Id="rel0" Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/></Relationships>`
)

// cubeObject is a 10 mm cube object in 3MF XML (in the file's unit).
func cubeObject(id string) string {
	return `<object id="` + id + `" type="model"><mesh><vertices>
<vertex x="0" y="0" z="0"/><vertex x="10" y="0" z="0"/><vertex x="0" y="10" z="0"/><vertex x="10" y="10" z="0"/>
<vertex x="0" y="0" z="10"/><vertex x="10" y="0" z="10"/><vertex x="0" y="10" z="10"/><vertex x="10" y="10" z="10"/>
</vertices><triangles>
<triangle v1="0" v2="2" v3="3"/><triangle v1="0" v2="3" v3="1"/>
<triangle v1="4" v2="5" v3="7"/><triangle v1="4" v2="7" v3="6"/>
<triangle v1="0" v2="1" v3="5"/><triangle v1="0" v2="5" v3="4"/>
<triangle v1="2" v2="6" v3="7"/><triangle v1="2" v2="7" v3="3"/>
<triangle v1="0" v2="4" v3="6"/><triangle v1="0" v2="6" v3="2"/>
<triangle v1="1" v2="3" v3="7"/><triangle v1="1" v2="7" v3="5"/>
</triangles></mesh></object>`
}

func modelXML(unit, resources, build string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<model unit="` + unit + `" xml:lang="en-US" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02" xmlns:p="http://schemas.microsoft.com/3dmanufacturing/production/2015/06">
<resources>` + resources + `</resources><build>` + build + `</build></model>`
}

func threeMF(t testing.TB, model string, extra ...entry) []byte {
	es := append([]entry{{name: "[Content_Types].xml", body: ctXML}, {name: "_rels/.rels", body: relsXML}, {name: "3D/3dmodel.model", body: model}}, extra...)
	return zipOf(t, es...)
}

func parseBytes(t testing.TB, b []byte, name string) (*model3d.Mesh, error) {
	t.Helper()
	lim := model3d.DefaultLimits()
	return model3d.Parse(bytes.NewReader(b), int64(len(b)), name, lim)
}

func mustParse(t testing.TB, b []byte, name string) *model3d.Mesh {
	t.Helper()
	m, err := parseBytes(t, b, name)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return m
}

func codeOf(err error) string {
	var e *model3d.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "untyped:" + err.Error()
}

func near(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))+1e-9
}

func encode(t testing.TB, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func lower(s string) string { return strings.ToLower(s) }

func zipReader(b []byte) (*zip.Reader, error) {
	return zip.NewReader(bytes.NewReader(b), int64(len(b)))
}

func readEntry(t testing.TB, zr *zip.Reader, name string) []byte {
	t.Helper()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			var b bytes.Buffer
			b.ReadFrom(rc)
			return b.Bytes()
		}
	}
	t.Fatalf("no entry %s", name)
	return nil
}
