package model3d

import (
	"bytes"
	"io"
)

// objMaxLine caps one OBJ line; a face with thousands of corners still fits.
const objMaxLine = 1 << 20

// parseOBJ reads "v" and "f" statements. Faces are fan-triangulated,
// negative indices count back from the last vertex, and "v/vt/vn" tokens
// use only the vertex index. Statements referencing other files (mtllib)
// and everything else are ignored.
func parseOBJ(r io.ReaderAt, size int64, lim Limits) (*Mesh, error) {
	s := newTextScanner(io.NewSectionReader(r, 0, size), objMaxLine, size)
	s.line = 0 // nextLine counts lines as it returns them
	// "v x y z" and "f a b c" lines take at least ~20 bytes each.
	verts := make([]float32, 0, 3*sizeEstimate(size, 40, lim.MaxVertices))
	faces := make([]int32, 0, 3*sizeEstimate(size, 40, lim.MaxTriangles))
	var fields [][]byte
	var corner []int32
	for {
		line, ok, tooLong := s.nextLine()
		if tooLong {
			return nil, newErr(CodeLineTooLong, "Line %s of the OBJ file is longer than 1 MB: the file is damaged or is not an OBJ file.", num(s.line))
		}
		if !ok {
			break
		}
		if len(line) < 2 || (line[0] != 'v' && line[0] != 'f') || !isSpace(line[1]) {
			continue
		}
		fields = splitFields(fields[:0], line[2:])
		if line[0] == 'v' {
			if len(fields) < 3 {
				return nil, newErr(CodeBadSyntax, "Line %s of the OBJ file has a vertex with fewer than 3 coordinates: the file is damaged. Please export it again.", num(s.line))
			}
			if lim.MaxVertices > 0 && len(verts)/3 >= lim.MaxVertices {
				return nil, newErr(CodeTooManyVertices, "The model has more than %s vertices, more than we accept. Please export it with a coarser resolution or decimate it.", num(lim.MaxVertices))
			}
			verts = appendCap(verts, 3)
			for _, f := range fields[:3] {
				v, ok := parseFloat(f)
				if !ok || !finite32(v) {
					return nil, newErr(CodeBadNumber, "Line %s of the OBJ file has %s where a coordinate should be: the file is damaged. Please export it again.", num(s.line), quote(f))
				}
				verts = append(verts, float32(v))
			}
			continue
		}
		if len(fields) < 3 {
			return nil, newErr(CodeBadSyntax, "Line %s of the OBJ file has a face with fewer than 3 corners: the file is damaged. Please export it again.", num(s.line))
		}
		nv := int64(len(verts) / 3)
		corner = corner[:0]
		for _, f := range fields {
			if i := bytes.IndexByte(f, '/'); i >= 0 {
				f = f[:i]
			}
			idx, ok := parseInt(f)
			if !ok || idx == 0 {
				return nil, newErr(CodeBadIndex, "Line %s of the OBJ file has %s where a vertex number should be: the file is damaged. Please export it again.", num(s.line), quote(f))
			}
			if idx < 0 {
				idx += nv
			} else {
				idx--
			}
			// Positive indices may point at vertices defined later; they
			// are checked once all vertices are known.
			if idx < 0 || idx >= int64(lim.MaxVertices) && lim.MaxVertices > 0 || idx > 1<<31-1 {
				return nil, badOBJIndex(s.line, f, nv)
			}
			corner = append(corner, int32(idx))
		}
		if lim.MaxTriangles > 0 && len(faces)/3+len(corner)-2 > lim.MaxTriangles {
			return nil, tooManyTriangles(len(faces)/3+len(corner)-2, lim)
		}
		faces = appendCap(faces, 3*(len(corner)-2))
		for i := 1; i+1 < len(corner); i++ {
			faces = append(faces, corner[0], corner[i], corner[i+1])
		}
	}
	if s.err != nil {
		return nil, readErr(s.err)
	}
	nv := int32(len(verts) / 3)
	tris := make([]float32, len(faces)*3)
	for i, idx := range faces {
		if idx >= nv {
			return nil, newErr(CodeBadIndex, "Face %s of the OBJ file uses vertex %s, but the file only has %s vertices: the file is damaged. Please export it again.", num(i/3+1), num(int64(idx)+1), num(nv))
		}
		copy(tris[i*3:i*3+3], verts[idx*3:idx*3+3])
	}
	return &Mesh{Tris: tris}, nil
}

func badOBJIndex(line int, f []byte, nv int64) *Error {
	return newErr(CodeBadIndex, "Line %s of the OBJ file refers to vertex %s, but only %s vertices exist at that point: the file is damaged. Please export it again.", num(line), quote(f), num(nv))
}

// splitFields splits on ASCII whitespace, stopping at a '#' comment.
func splitFields(dst [][]byte, b []byte) [][]byte {
	i := 0
	for i < len(b) {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) || b[i] == '#' {
			break
		}
		j := i
		for j < len(b) && !isSpace(b[j]) {
			j++
		}
		dst = append(dst, b[i:j])
		i = j
	}
	return dst
}
