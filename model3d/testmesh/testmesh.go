// Package testmesh generates simple, exactly known meshes for tests,
// benchmarks and demo data: an axis-aligned cube and a torus, both closed
// and wound outwards.
package testmesh

import (
	"image"
	"image/png"
	"math"
	"os"

	"printlab/model3d"
)

// Cube returns a closed cube with edge length size (mm) from the origin to
// (size, size, size): 12 triangles, outward winding.
func Cube(size float64) *model3d.Mesh {
	s := float32(size)
	c := func(i int) [3]float32 {
		return [3]float32{s * float32(i&1), s * float32(i>>1&1), s * float32(i>>2&1)}
	}
	// Each face as 4 corner indices (bit 0 = x, bit 1 = y, bit 2 = z),
	// counter-clockwise seen from outside.
	faces := [6][4]int{
		{0, 2, 3, 1}, // z = 0, normal -z
		{4, 5, 7, 6}, // z = s, normal +z
		{0, 1, 5, 4}, // y = 0, normal -y
		{2, 6, 7, 3}, // y = s, normal +y
		{0, 4, 6, 2}, // x = 0, normal -x
		{1, 3, 7, 5}, // x = s, normal +x
	}
	m := &model3d.Mesh{}
	for _, f := range faces {
		for _, tri := range [2][3]int{{f[0], f[1], f[2]}, {f[0], f[2], f[3]}} {
			for _, i := range tri {
				p := c(i)
				m.Tris = append(m.Tris, p[0], p[1], p[2])
			}
		}
	}
	return m
}

// Torus returns a closed torus around the Z axis with major radius R and
// minor radius r (mm), resting on z = 0, with nu segments around Z and nv
// around the tube: 2·nu·nv triangles.
func Torus(R, r float64, nu, nv int) *model3d.Mesh {
	p := func(i, j int) [3]float32 {
		u := 2 * math.Pi * float64(i%nu) / float64(nu)
		v := 2 * math.Pi * float64(j%nv) / float64(nv)
		rho := R + r*math.Cos(v)
		return [3]float32{float32(rho * math.Cos(u)), float32(rho * math.Sin(u)), float32(r + r*math.Sin(v))}
	}
	m := &model3d.Mesh{Tris: make([]float32, 0, 18*nu*nv)}
	for i := range nu {
		for j := range nv {
			a, b, c, d := p(i, j), p(i+1, j), p(i+1, j+1), p(i, j+1)
			for _, q := range [6][3]float32{a, b, c, a, c, d} {
				m.Tris = append(m.Tris, q[0], q[1], q[2])
			}
		}
	}
	return m
}

// TorusVolume is the exact volume of the polyhedron Torus builds: each of
// the nu segments holds sin(2π/nu)·R times the area of the nv-gon cross
// section (the polygon's centroid lies at radius R).
func TorusVolume(R, r float64, nu, nv int) float64 {
	poly := float64(nv) / 2 * r * r * math.Sin(2*math.Pi/float64(nv))
	return float64(nu) * math.Sin(2*math.Pi/float64(nu)) * R * poly
}

// TorusArea is the exact surface area of the polyhedron Torus builds:
// every quad is a planar isosceles trapezoid.
func TorusArea(R, r float64, nu, nv int) float64 {
	h := math.Pi / float64(nu) // half the segment angle
	var a float64
	for j := range nv {
		v0 := 2 * math.Pi * float64(j) / float64(nv)
		v1 := 2 * math.Pi * float64(j+1) / float64(nv)
		r0, r1 := R+r*math.Cos(v0), R+r*math.Cos(v1)
		z0, z1 := r*math.Sin(v0), r*math.Sin(v1)
		par := (2*r0*math.Sin(h) + 2*r1*math.Sin(h)) / 2
		height := math.Hypot((r1-r0)*math.Cos(h), z1-z0)
		a += par * height
	}
	return a * float64(nu)
}

// ColorSums adds up an image's red, green and blue over its pixels, weighted
// by their coverage (alpha), for tests that ask which colour a render is.
func ColorSums(img image.Image) (r, g, b uint64) {
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA() // alpha-premultiplied
			r, g, b = r+uint64(cr), g+uint64(cg), b+uint64(cb)
		}
	}
	return r, g, b
}

// PNGColorSums is ColorSums of the PNG file at path.
func PNGColorSums(path string) (r, g, b uint64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return 0, 0, 0, err
	}
	r, g, b = ColorSums(img)
	return r, g, b, nil
}
