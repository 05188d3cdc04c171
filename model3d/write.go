package model3d

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// WriteBinarySTL writes the mesh as a binary STL with computed normals.
func WriteBinarySTL(w io.Writer, m *Mesh) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var hdr [84]byte
	copy(hdr[:], "binary STL written by PrintLab")
	binary.LittleEndian.PutUint32(hdr[80:], uint32(m.TriangleCount()))
	bw.Write(hdr[:])
	var rec [50]byte
	for i := range m.TriangleCount() {
		v := m.Tris[i*9 : i*9+9]
		n := faceNormal(v)
		for j := range 3 {
			binary.LittleEndian.PutUint32(rec[j*4:], math.Float32bits(n[j]))
		}
		for j := range 9 {
			binary.LittleEndian.PutUint32(rec[12+j*4:], math.Float32bits(v[j]))
		}
		bw.Write(rec[:])
	}
	return bw.Flush()
}

// WriteASCIISTL writes the mesh as an ASCII STL (shortest exact float32
// decimal for every coordinate, so a round trip is lossless).
func WriteASCIISTL(w io.Writer, m *Mesh, name string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	name = safeText(name, 80)
	bw.WriteString("solid " + name + "\n")
	var b []byte
	for i := range m.TriangleCount() {
		v := m.Tris[i*9 : i*9+9]
		n := faceNormal(v)
		b = append(b[:0], "  facet normal "...)
		b = appendVec(b, n[:])
		b = append(b, "\n    outer loop\n"...)
		for j := range 3 {
			b = append(b, "      vertex "...)
			b = appendVec(b, v[j*3:j*3+3])
			b = append(b, '\n')
		}
		b = append(b, "    endloop\n  endfacet\n"...)
		bw.Write(b)
	}
	bw.WriteString("endsolid " + name + "\n")
	return bw.Flush()
}

// WriteOBJ writes the mesh as an OBJ with shared (welded) vertices.
func WriteOBJ(w io.Writer, m *Mesh) error {
	verts, idx := weld(m)
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("# written by PrintLab\n")
	var b []byte
	for i := 0; i < len(verts); i += 3 {
		b = append(b[:0], "v "...)
		b = appendVec(b, verts[i:i+3])
		b = append(b, '\n')
		bw.Write(b)
	}
	for i := 0; i < len(idx); i += 3 {
		b = append(b[:0], 'f', ' ')
		b = strconv.AppendUint(b, uint64(idx[i])+1, 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(idx[i+1])+1, 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(idx[i+2])+1, 10)
		b = append(b, '\n')
		bw.Write(b)
	}
	return bw.Flush()
}

// Write3MF writes the mesh as a minimal, valid 3MF package (same as
// WriteSanitized3MF with the given title).
func Write3MF(w io.Writer, m *Mesh, title string) error {
	return WriteSanitized3MF(w, m, title)
}

// WriteSanitized3MF writes the clean 3MF handed to slicers (SPEC §9): the
// OPC parts [Content_Types].xml, _rels/.rels and 3D/3dmodel.model in
// millimetres with one object holding the flattened mesh (vertices welded
// so slicers see a connected surface), and only harmless metadata (Title
// and Application "PrintLab"). Nothing else from the upload survives: no
// slicer configuration (Metadata/*.config, *.ini), no scripts, no
// post-processing commands (CVE-2023-47268), no thumbnails.
func WriteSanitized3MF(w io.Writer, m *Mesh, title string) error {
	zw := zip.NewWriter(w)
	put := func(name, body string) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, body)
		return err
	}
	if err := put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/></Types>
`); err != nil {
		return err
	}
	if err := put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Target="/3D/3dmodel.model" Id="rel0" Type="`+rel3DModel+`"/></Relationships>
`); err != nil {
		return err
	}
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "3D/3dmodel.model", Method: zip.Deflate})
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	var t strings.Builder
	xml.EscapeText(&t, []byte(safeText(title, 200)))
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<model unit="millimeter" xml:lang="en-US" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">
 <metadata name="Title">` + t.String() + `</metadata>
 <metadata name="Application">PrintLab</metadata>
 <resources>
  <object id="1" type="model">
   <mesh>
    <vertices>
`)
	verts, idx := weld(m)
	var b []byte
	for i := 0; i < len(verts); i += 3 {
		b = append(b[:0], `     <vertex x="`...)
		b = strconv.AppendFloat(b, float64(verts[i]), 'g', -1, 32)
		b = append(b, `" y="`...)
		b = strconv.AppendFloat(b, float64(verts[i+1]), 'g', -1, 32)
		b = append(b, `" z="`...)
		b = strconv.AppendFloat(b, float64(verts[i+2]), 'g', -1, 32)
		b = append(b, "\"/>\n"...)
		bw.Write(b)
	}
	bw.WriteString("    </vertices>\n    <triangles>\n")
	for i := 0; i < len(idx); i += 3 {
		b = append(b[:0], `     <triangle v1="`...)
		b = strconv.AppendUint(b, uint64(idx[i]), 10)
		b = append(b, `" v2="`...)
		b = strconv.AppendUint(b, uint64(idx[i+1]), 10)
		b = append(b, `" v3="`...)
		b = strconv.AppendUint(b, uint64(idx[i+2]), 10)
		b = append(b, "\"/>\n"...)
		bw.Write(b)
	}
	bw.WriteString(`    </triangles>
   </mesh>
  </object>
 </resources>
 <build>
  <item objectid="1"/>
 </build>
</model>
`)
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// safeText keeps printable characters only and caps the length, so a
// title cannot smuggle control characters or huge strings into metadata.
func safeText(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= n {
			break
		}
		if unicode.IsPrint(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func appendVec(b []byte, v []float32) []byte {
	for i, f := range v {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendFloat(b, float64(f), 'g', -1, 32)
	}
	return b
}

func faceNormal(v []float32) [3]float32 {
	ux, uy, uz := float64(v[3]-v[0]), float64(v[4]-v[1]), float64(v[5]-v[2])
	wx, wy, wz := float64(v[6]-v[0]), float64(v[7]-v[1]), float64(v[8]-v[2])
	nx, ny, nz := uy*wz-uz*wy, uz*wx-ux*wz, ux*wy-uy*wx
	l := math.Sqrt(nx*nx + ny*ny + nz*nz)
	if l == 0 {
		return [3]float32{}
	}
	return [3]float32{float32(nx / l), float32(ny / l), float32(nz / l)}
}

// weld merges corners at exactly the same position into shared vertices.
func weld(m *Mesh) (verts []float32, idx []uint32) {
	n := len(m.Tris) / 3
	ids := make(map[[3]uint32]uint32, n/2)
	idx = make([]uint32, n)
	verts = make([]float32, 0, n)
	for i := range n {
		v := m.Tris[i*3 : i*3+3]
		k := [3]uint32{math.Float32bits(v[0]), math.Float32bits(v[1]), math.Float32bits(v[2])}
		for j := range k {
			if k[j] == 0x80000000 {
				k[j] = 0
			}
		}
		id, ok := ids[k]
		if !ok {
			id = uint32(len(verts) / 3)
			ids[k] = id
			verts = append(verts, v[0], v[1], v[2])
		}
		idx[i] = id
	}
	return verts, idx
}
