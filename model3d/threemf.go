package model3d

import (
	"bytes"
	"io"
	"math"
	"strings"
)

const (
	rel3DModel   = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"
	relThumbnail = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
	// maxThumbnailBytes caps the embedded thumbnail read into memory.
	maxThumbnailBytes = 8 << 20
	// maxSmallPart caps relationship and config parts read whole.
	maxSmallPart = 4 << 20
)

// unitScale converts a 3MF unit name to millimetres.
var unitScale = map[string]float64{
	"micron":     0.001,
	"millimeter": 1,
	"centimeter": 10,
	"inch":       25.4,
	"foot":       304.8,
	"meter":      1000,
}

// xform is a 3MF affine transform: rows m00 m01 m02 / m10 … / m30 m31 m32,
// applied as p' = p·M (row vector), the 3MF convention.
type xform [12]float64

var identity = xform{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}

// then returns the transform "apply a, then b".
func (a xform) then(b xform) xform {
	var r xform
	for i := range 3 {
		for j := range 3 {
			r[i*3+j] = a[i*3]*b[j] + a[i*3+1]*b[3+j] + a[i*3+2]*b[6+j]
		}
	}
	for j := range 3 {
		r[9+j] = a[9]*b[j] + a[10]*b[3+j] + a[11]*b[6+j] + b[9+j]
	}
	return r
}

type tmfComponent struct {
	path, id string
	xf       xform
}

type tmfObject struct {
	verts []float32
	tris  []uint32
	comps []tmfComponent
	skip  bool // type="other": not printed
}

type tmfPart struct {
	objects map[string]*tmfObject
	items   []tmfComponent
}

type tmfReader struct {
	z       *safeZip
	lim     Limits
	parts   map[string]*tmfPart
	verts   int
	tris    int
	counts  map[string]uint64 // triangles emitted per "path#id", memoised
	visit   map[string]bool   // objects on the current DFS path (cycles)
	rootKey string
}

func parse3MF(r io.ReaderAt, size int64, lim Limits) (*Mesh, error) {
	z, err := openZip(r, size, lim)
	if err != nil {
		return nil, err
	}
	rootPath, thumbPath, err := readRootRels(z, lim)
	if err != nil {
		return nil, err
	}
	t := &tmfReader{z: z, lim: lim, parts: map[string]*tmfPart{}, counts: map[string]uint64{}, visit: map[string]bool{}}
	t.rootKey = normPartName(rootPath)
	root, err := t.part(t.rootKey, true)
	if err != nil {
		return nil, err
	}
	if len(root.items) == 0 {
		return nil, newErr(CodeEmpty, "The 3MF file has no objects on its build plate, so there is nothing to print. Please check that you exported the right object.")
	}
	var total uint64
	for _, it := range root.items {
		n, err := t.count(it, 0)
		if err != nil {
			return nil, err
		}
		total += n
		if lim.MaxTriangles > 0 && total > uint64(lim.MaxTriangles) {
			return nil, tooManyTriangles(int64(min(total, math.MaxInt64)), lim)
		}
	}
	m := &Mesh{Tris: make([]float32, 0, total*9)}
	for _, it := range root.items {
		t.emit(m, it, identity)
	}
	// Finite vertices times finite transforms can still overflow float32.
	for _, v := range m.Tris {
		if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
			return nil, newErr(CodeBadNumber, "The 3MF model's transforms move it absurdly far away (coordinates overflow): the file is damaged. Please export it again.")
		}
	}
	if thumbPath != "" {
		if f := z.lookup(thumbPath); f != nil {
			// A bad thumbnail must not cost the student their upload: it is
			// optional, so any error here just means "no thumbnail".
			if b, err := z.readAll(f, maxThumbnailBytes); err == nil && bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
				m.Thumbnail = b
			}
		}
	}
	return m, nil
}

// readRootRels reads _rels/.rels and returns the root model and thumbnail
// part names. Without relationships it falls back to the conventional
// /3D/3dmodel.model, as slicers do.
func readRootRels(z *safeZip, lim Limits) (model, thumb string, err error) {
	f := z.lookup("_rels/.rels")
	if f == nil {
		if z.lookup("3D/3dmodel.model") != nil {
			return "3D/3dmodel.model", "", nil
		}
		return "", "", newErr(CodeMissingPart, "The 3MF package has no model in it (no _rels/.rels and no 3D/3dmodel.model). Please export the model again.")
	}
	rc, err := z.open(f)
	if err != nil {
		return "", "", err
	}
	defer rc.Close()
	x := newXMLScanner(io.LimitReader(rc, maxSmallPart), lim.MaxXMLDepth, int64(f.UncompressedSize64))
	for {
		k, err := x.next()
		if err != nil {
			return "", "", err
		}
		if k == xmlEOF {
			break
		}
		if k != xmlStart || string(x.local) != "Relationship" {
			continue
		}
		typ, _, err := x.attrString("Type")
		if err != nil {
			return "", "", err
		}
		target, _, err := x.attrString("Target")
		if err != nil {
			return "", "", err
		}
		switch {
		case typ == rel3DModel && model == "":
			model = target
		case strings.HasSuffix(typ, "/metadata/thumbnail") && thumb == "":
			thumb = target
		}
	}
	if model == "" {
		if z.lookup("3D/3dmodel.model") != nil {
			return "3D/3dmodel.model", thumb, nil
		}
		return "", "", newErr(CodeMissingPart, "The 3MF package does not say which part holds the model (no 3D model relationship in _rels/.rels). Please export the model again.")
	}
	if z.lookup(model) == nil {
		return "", "", newErr(CodeMissingPart, "The 3MF package says its model is in %q, but that part is missing. Please export the model again.", truncName([]byte(model)))
	}
	return model, thumb, nil
}

func normPartName(p string) string { return "/" + strings.TrimPrefix(p, "/") }

// part parses a model part once and caches it.
func (t *tmfReader) part(name string, root bool) (*tmfPart, error) {
	if p, ok := t.parts[name]; ok {
		return p, nil
	}
	f := t.z.lookup(name)
	if f == nil {
		return nil, newErr(CodeMissingPart, "The 3MF file refers to the part %q, which is missing from the package. Please export the model again.", truncName([]byte(name)))
	}
	rc, err := t.z.open(f)
	if err != nil {
		return nil, err
	}
	var r io.ReadCloser = rc
	if f.UncompressedSize64 > prefetchMin {
		// Only large parts are worth a goroutine and its 1 MB of chunks.
		r = newPrefetchReader(rc)
	}
	defer r.Close()
	p, err := t.parseModel(r, int64(f.UncompressedSize64), name, root)
	if err != nil {
		return nil, err
	}
	t.parts[name] = p
	return p, nil
}

func badNumber3MF(what string, v []byte) *Error {
	return newErr(CodeBadNumber, "The 3MF model has %s %s, which is not a valid number: the file is damaged. Please export it again.", what, quote(v))
}

func (t *tmfReader) parseModel(r io.Reader, hint int64, name string, root bool) (*tmfPart, error) {
	p := &tmfPart{objects: map[string]*tmfObject{}}
	x := newXMLScanner(r, t.lim.MaxXMLDepth, hint)
	scale := 1.0
	var obj *tmfObject
	var objID string
	inBuild := false
	for {
		k, err := x.next()
		if err != nil {
			return nil, err
		}
		if k == xmlEOF {
			break
		}
		if k == xmlEnd {
			switch string(x.local) {
			case "object":
				if obj != nil {
					if err := checkTriIndices(obj, objID); err != nil {
						return nil, err
					}
					p.objects[objID] = obj
				}
				obj = nil
			case "build":
				inBuild = false
			}
			continue
		}
		if k != xmlStart {
			continue
		}
		switch string(x.local) {
		case "vertex":
			if obj == nil {
				continue
			}
			if t.lim.MaxVertices > 0 && t.verts >= t.lim.MaxVertices {
				return nil, newErr(CodeTooManyVertices, "The 3MF model has more than %s vertices, more than we accept. Please export it with a coarser resolution or decimate it.", num(t.lim.MaxVertices))
			}
			t.verts++
			var v [3]float32
			for i, a := range [3]string{"x", "y", "z"} {
				s, _ := x.attr(a)
				f, ok := parseFloat(s)
				f *= scale
				if !ok || !finite32(f) {
					return nil, badNumber3MF("the vertex coordinate", s)
				}
				v[i] = float32(f)
			}
			obj.verts = append(appendCap(obj.verts, 3), v[0], v[1], v[2])
		case "triangle":
			if obj == nil {
				continue
			}
			if t.lim.MaxTriangles > 0 && t.tris >= t.lim.MaxTriangles {
				return nil, tooManyTriangles(t.tris+1, t.lim)
			}
			t.tris++
			for _, a := range [3]string{"v1", "v2", "v3"} {
				s, _ := x.attr(a)
				n, ok := parseInt(s)
				if !ok || n < 0 || n > math.MaxUint32 {
					return nil, newErr(CodeBadIndex, "The 3MF model has a triangle corner %s, which is not a valid vertex number: the file is damaged. Please export it again.", quote(s))
				}
				obj.tris = append(appendCap(obj.tris, 1), uint32(n))
			}
		case "model":
			if u, ok, err := x.attrString("unit"); err != nil {
				return nil, err
			} else if ok {
				s, known := unitScale[u]
				if !known {
					return nil, newErr(CodeUnsupportedFormat, "The 3MF model uses the unit %q, which is not a 3MF unit (micron, millimeter, centimeter, inch, foot, meter). Please export it again.", truncName([]byte(u)))
				}
				scale = s
			}
		case "object":
			id, _, err := x.attrString("id")
			if err != nil {
				return nil, err
			}
			typ, _, _ := x.attrString("type")
			obj, objID = &tmfObject{skip: typ == "other"}, id
			if x.selfClosing {
				p.objects[objID] = obj
				obj = nil
			}
		case "component":
			if obj == nil {
				continue
			}
			c, err := readRef(x, name, scale)
			if err != nil {
				return nil, err
			}
			obj.comps = append(obj.comps, c)
		case "build":
			inBuild = !x.selfClosing
		case "item":
			if !inBuild || !root {
				continue
			}
			c, err := readRef(x, name, scale)
			if err != nil {
				return nil, err
			}
			if v, ok := x.attr("printable"); ok && string(v) == "0" {
				continue
			}
			p.items = append(p.items, c)
		}
	}
	return p, nil
}

// readRef reads objectid, transform and the production extension's path
// of a component or build item. Translations are scaled to mm with the
// referring part's unit, like its vertices.
func readRef(x *xmlScanner, partName string, scale float64) (tmfComponent, error) {
	c := tmfComponent{path: partName, xf: identity}
	id, ok, err := x.attrString("objectid")
	if err != nil {
		return c, err
	}
	if !ok {
		return c, newErr(CodeBadReference, "The 3MF model has a component or build item without an object id: the file is damaged. Please export it again.")
	}
	c.id = id
	if p, ok, err := x.attrString("path"); err != nil {
		return c, err
	} else if ok && p != "" {
		c.path = normPartName(p)
	}
	if tr, ok := x.attr("transform"); ok {
		var fs [][]byte
		fs = splitFields(fs, tr)
		if len(fs) != 12 {
			return c, newErr(CodeBadNumber, "The 3MF model has a transform with %d numbers instead of 12: the file is damaged. Please export it again.", len(fs))
		}
		for i, f := range fs {
			v, ok := parseFloat(f)
			if !ok {
				return c, badNumber3MF("the transform value", f)
			}
			c.xf[i] = v
		}
		for i := 9; i < 12; i++ {
			c.xf[i] *= scale
		}
	}
	return c, nil
}

func checkTriIndices(o *tmfObject, id string) error {
	nv := uint32(len(o.verts) / 3)
	for _, i := range o.tris {
		if i >= nv {
			return newErr(CodeBadIndex, "Object %s of the 3MF model has a triangle using vertex %s, but the object only has %s vertices: the file is damaged. Please export it again.", quote([]byte(id)), num(i), num(nv))
		}
	}
	return nil
}

// object resolves a reference, loading the part it lives in.
func (t *tmfReader) object(c tmfComponent) (*tmfObject, error) {
	p, err := t.part(c.path, c.path == t.rootKey)
	if err != nil {
		return nil, err
	}
	o := p.objects[c.id]
	if o == nil {
		return nil, newErr(CodeBadReference, "The 3MF model refers to object %s in %q, which does not exist: the file is damaged. Please export it again.", quote([]byte(c.id)), truncName([]byte(c.path)))
	}
	return o, nil
}

// count returns how many triangles a reference expands to, checking for
// cycles and depth, memoised so shared sub-assemblies cost nothing extra.
func (t *tmfReader) count(c tmfComponent, depth int) (uint64, error) {
	if t.lim.MaxComponentDepth > 0 && depth > t.lim.MaxComponentDepth {
		return 0, newErr(CodeComponentTooDeep, "The 3MF model nests components more than %d levels deep, far more than any real model, so it was refused. Please export it again.", t.lim.MaxComponentDepth)
	}
	key := c.path + "#" + c.id
	if n, ok := t.counts[key]; ok {
		return n, nil
	}
	if t.visit[key] {
		return 0, newErr(CodeComponentCycle, "The 3MF model has an object that contains itself (a component cycle), which cannot be printed: the file is damaged. Please export it again.")
	}
	o, err := t.object(c)
	if err != nil {
		return 0, err
	}
	t.visit[key] = true
	defer delete(t.visit, key)
	var n uint64
	if !o.skip {
		n = uint64(len(o.tris) / 3)
	}
	for _, sub := range o.comps {
		k, err := t.count(sub, depth+1)
		if err != nil {
			return 0, err
		}
		n += k
		// Saturate: a deliberately exponential assembly must not wrap.
		if n > 1<<62 {
			n = 1 << 62
		}
	}
	t.counts[key] = n
	return n, nil
}

// emit appends the triangles of a reference with its accumulated
// transform applied. count has validated the whole tree beforehand.
func (t *tmfReader) emit(m *Mesh, c tmfComponent, parent xform) {
	o, _ := t.object(c)
	xf := c.xf.then(parent)
	if !o.skip {
		v := o.verts
		for _, i := range o.tris {
			x, y, z := float64(v[i*3]), float64(v[i*3+1]), float64(v[i*3+2])
			m.Tris = append(m.Tris,
				float32(x*xf[0]+y*xf[3]+z*xf[6]+xf[9]),
				float32(x*xf[1]+y*xf[4]+z*xf[7]+xf[10]),
				float32(x*xf[2]+y*xf[5]+z*xf[8]+xf[11]))
		}
	}
	for _, sub := range o.comps {
		t.emit(m, sub, xf)
	}
}
