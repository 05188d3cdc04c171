// Command meshgen writes the test models behind BENCHMARKS.md: a rippled torus
// (R 40 mm, r 15 mm) of about N triangles as binary STL, ASCII STL, OBJ or 3MF.
//
//	go run ./tools/meshgen -triangles 1000000 -format stl -o t1m.stl
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math"
	"os"

	"printlab/model3d"
	"printlab/model3d/testmesh"
)

func main() {
	n := flag.Int("triangles", 1000000, "about how many triangles")
	format := flag.String("format", "stl", "stl, ascii, obj or 3mf")
	out := flag.String("o", "", "output file (required)")
	flag.Parse()
	if *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	// 2·nu·nv triangles with nu = 2·nv.
	nv := max(3, int(math.Sqrt(float64(*n)/4)))
	m := testmesh.Torus(40, 15, 2*nv, nv)
	ripple(m)
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	switch *format {
	case "stl":
		err = model3d.WriteBinarySTL(w, m)
	case "ascii":
		err = model3d.WriteASCIISTL(w, m, "torus")
	case "obj":
		err = model3d.WriteOBJ(w, m)
	case "3mf":
		err = model3d.Write3MF(w, m, "torus")
	default:
		err = fmt.Errorf("unknown format %q", *format)
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d triangles\n", *out, m.TriangleCount())
}

// ripple pushes vertices in and out around the tube so the model is not a
// perfectly smooth torus (like the notes' test meshes); shared vertices move
// together, so the mesh stays closed.
func ripple(m *model3d.Mesh) {
	for i := 0; i+2 < len(m.Tris); i += 3 {
		x, y, z := float64(m.Tris[i]), float64(m.Tris[i+1]), float64(m.Tris[i+2])
		u := math.Atan2(y, x)
		d := 1 + 0.02*math.Sin(7*u)*math.Sin(z/3)
		m.Tris[i], m.Tris[i+1] = float32(x*d), float32(y*d)
	}
}
