package model3d

import (
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// Stats is the analysis stored on a job (SPEC §4). Lengths are in mm.
type Stats struct {
	Triangles int        `json:"triangles"`
	SizeMM    [3]float64 `json:"size_mm"`
	MinMM     [3]float64 `json:"min_mm"`
	MaxMM     [3]float64 `json:"max_mm"`
	// VolumeMM3 is the enclosed volume, always positive (see Inverted).
	VolumeMM3 float64 `json:"volume_mm3"`
	AreaMM2   float64 `json:"area_mm2"`
	// Closed is true when every edge is shared by exactly two triangles,
	// the condition for the volume to mean anything to a slicer.
	Closed bool `json:"closed"`
	// OpenEdges counts edges used by one triangle or by more than two.
	OpenEdges int `json:"open_edges"`
	// Degenerate counts zero-area (needle or collapsed) triangles.
	Degenerate int `json:"degenerate"`
	// Inverted is true when the signed volume is negative: the triangles
	// are wound inside out and slicers may print it hollow or not at all.
	Inverted bool `json:"inverted"`
	// Oriented is true when every edge is traversed once in each
	// direction by the triangles sharing it (consistent winding), checked
	// with a sum of signed 64-bit edge keys (a false "true" has odds of
	// about 2⁻⁶⁴). An open mesh is never oriented. With Closed and not
	// Inverted it makes back-face culling exact.
	Oriented bool `json:"oriented"`
	// UnitsWarning is "", UnitsTooSmall, UnitsInches or UnitsTooLarge;
	// UnitsAdvice turns it into a sentence.
	UnitsWarning string `json:"units_warning,omitempty"`
}

// Units warnings (see Stats.UnitsWarning and unitsGuess for the rule).
const (
	UnitsTooSmall = "too_small"
	UnitsInches   = "inches"
	UnitsTooLarge = "too_large"
)

// UnitsAdvice returns the sentence shown to a student for a units warning,
// or "" when there is none.
func UnitsAdvice(s Stats) string {
	switch s.UnitsWarning {
	case UnitsInches:
		return "The model is very small and its sizes are round numbers of inches: it was probably designed in inches and exported without conversion. Scale it by 25.4 (2540 %) in your slicer or CAD program, or tell us the intended size."
	case UnitsTooSmall:
		return "The model is smaller than 5 mm in every direction: it was probably exported in centimetres or metres. Check its size and scale it (×10 for cm, ×1000 for m) before submitting, or tell us the intended size."
	case UnitsTooLarge:
		return "The model is more than 1 metre long, larger than any of our printers: it was probably exported in the wrong unit (e.g. micrometres or tenths of a millimetre). Check its size and scale it down, or tell us the intended size."
	}
	return ""
}

// unitsGuess applies the documented rule on the largest extent L (mm):
//
//   - L < 5 mm: nobody sends a print this small; if all three extents are
//     multiples of 1/16 inch (within 1/320 inch) it is "inches" (25.4× too
//     small), otherwise "too_small" (likely cm or m).
//   - L > 1000 mm: bigger than any makerspace printer: "too_large".
//
// Everything in between is plausible and gets no warning.
func unitsGuess(size [3]float64) string {
	l := max(size[0], size[1], size[2])
	switch {
	case l <= 0:
		return ""
	case l < 5:
		inch := true
		for _, d := range size {
			q := d * 16
			if d > 0 && (math.Abs(q-math.Round(q)) > 0.05 || math.Round(q) == 0) {
				inch = false
			}
		}
		if inch {
			return UnitsInches
		}
		return UnitsTooSmall
	case l > 1000:
		return UnitsTooLarge
	}
	return ""
}

// Volume is a printer's build volume in mm.
type Volume struct{ X, Y, Z float64 }

// FitsIn reports whether the model's bounding box fits the build volume in
// some axis-aligned orientation (any of the 6 permutations of its axes),
// since a student or staff member may lay a model on any face.
func FitsIn(s Stats, v Volume) bool {
	const eps = 1e-6
	a, b, c := s.SizeMM[0], s.SizeMM[1], s.SizeMM[2]
	for _, p := range [6][3]float64{{a, b, c}, {a, c, b}, {b, a, c}, {b, c, a}, {c, a, b}, {c, b, a}} {
		if p[0] <= v.X+eps && p[1] <= v.Y+eps && p[2] <= v.Z+eps {
			return true
		}
	}
	return false
}

// EstimateGrams estimates filament or resin use from the model volume:
// volume (mm³ → cm³) × density (g/cm³) × fill, where fill is the fraction
// of the volume actually printed (about 0.3–0.5 for typical walls and
// infill, 1 for resin or solid prints). Negative inputs count as zero.
func EstimateGrams(volumeMM3, densityGPerCM3, fill float64) float64 {
	if volumeMM3 <= 0 || densityGPerCM3 <= 0 || fill <= 0 {
		return 0
	}
	return volumeMM3 / 1000 * densityGPerCM3 * fill
}

// keyPool recycles the edge-key buffers (tens of MB at 1M triangles):
// every element used is written first, so a reused buffer needs no
// clearing.
var keyPool sync.Pool

func getKeys(n int) []uint64 {
	if p, ok := keyPool.Get().(*[]uint64); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]uint64, n)
}

func putKeys(k []uint64) { keyPool.Put(&k) }

// partial is one worker's share of the per-triangle sums.
type partial struct {
	min, max   [3]float64
	vol, area  float64
	degenerate int
	orient     uint64 // Σ ±key over directed edges; 0 when consistently wound
	// fill counts the keys written into each of the worker's buckets;
	// overflow is set when a bucket's slots ran out (see Analyze).
	fill     []int
	overflow bool
}

// Analyze measures a mesh: one parallel pass over the triangles for the
// sums, which also files every edge's 64-bit key into a bucket chosen by
// the key's top bits, then a parallel count of the uses of each key, one
// cache-resident bucket at a time. Sums use float64 accumulators
// (float32 sums drift visibly at 1M triangles).
func Analyze(m *Mesh) Stats { return analyze(m, false) }

// AnalyzeLowMemory is Analyze for a server that holds many things at once:
// from twoPassTriangles on it counts edges in two passes over half the key
// table each, halving the analysis's one big allocation (about 25 MiB at a
// million triangles, beside the 34 MiB mesh) for roughly 40 % more time.
func AnalyzeLowMemory(m *Mesh) Stats { return analyze(m, true) }

func analyze(m *Mesh, lowMemory bool) Stats {
	n := m.TriangleCount()
	s := Stats{Triangles: n}
	if n == 0 {
		return s
	}
	workers := min(runtime.GOMAXPROCS(0), 8)
	if n < 32768 {
		workers = 1
	}
	// About 8–16k edges per bucket: a 256 KB table, and few enough
	// buckets that writing into all of them stays cache friendly.
	bbits := max(0, min(12, bits.Len(uint(3*n/16384))))
	nb := 1 << bbits
	shift := uint(64 - bbits)
	per := (n + workers - 1) / workers
	// Keys are hashes, so each worker's keys spread evenly over the
	// buckets; reserve the expected share plus 8 standard deviations.
	// Only crafted input (e.g. the same triangle a million times) can
	// overflow, and then edgesSlow recounts.
	exp := 3 * per / nb
	capB := exp + 8*int(math.Sqrt(float64(exp))) + 64
	// In low-memory mode large meshes count their edges in two passes over
	// half the buckets each, hashing the vertices twice.
	passes := 1
	if lowMemory && n >= twoPassTriangles && nb >= 2 {
		passes = 2
	}
	nbp := nb / passes
	slots := getKeys(workers * nbp * capB)
	defer putKeys(slots)
	parts := make([]partial, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo, hi := w*per, min((w+1)*per, n)
			parts[w] = measure(m.Tris, slots[w*nbp*capB:(w+1)*nbp*capB], capB, lo, hi, 0, nbp, shift)
		}()
	}
	wg.Wait()
	fills := make([][]int, workers)
	for w := range workers {
		fills[w] = parts[w].fill
	}
	countPass := func() int {
		return countBuckets(nbp, workers, func(b int, segs [][]uint64) [][]uint64 {
			for w := range workers {
				base := (w*nbp + b) * capB
				segs = append(segs, slots[base:base+fills[w][b]])
			}
			return segs
		})
	}
	p := parts[0]
	overflow := p.overflow
	for _, q := range parts[1:] {
		for i := range 3 {
			p.min[i] = min(p.min[i], q.min[i])
			p.max[i] = max(p.max[i], q.max[i])
		}
		p.vol += q.vol
		p.area += q.area
		p.degenerate += q.degenerate
		p.orient += q.orient
		overflow = overflow || q.overflow
	}
	for i := range 3 {
		s.MinMM[i], s.MaxMM[i] = p.min[i], p.max[i]
		s.SizeMM[i] = p.max[i] - p.min[i]
	}
	s.VolumeMM3 = math.Abs(p.vol)
	s.Inverted = p.vol < 0
	s.AreaMM2 = p.area
	s.Degenerate = p.degenerate
	if !overflow {
		s.OpenEdges = countPass()
		for pass := 1; pass < passes && !overflow; pass++ {
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					lo, hi := w*per, min((w+1)*per, n)
					var o bool
					fills[w], o = fileKeys(m.Tris, slots[w*nbp*capB:(w+1)*nbp*capB], capB, lo, hi, pass*nbp, nbp, shift)
					if o {
						parts[w].overflow = true
					}
				}()
			}
			wg.Wait()
			for _, q := range parts {
				overflow = overflow || q.overflow
			}
			if !overflow {
				s.OpenEdges += countPass()
			}
		}
	}
	if overflow {
		s.OpenEdges = edgesSlow(m.Tris, workers, per, nb, shift)
	}
	s.Closed = s.OpenEdges == 0
	s.Oriented = p.orient == 0
	s.UnitsWarning = unitsGuess(s.SizeMM)
	return s
}

// twoPassTriangles is the size from which AnalyzeLowMemory counts edges in two passes.
const twoPassTriangles = 500000

// file3 files three edge keys whose bucket lies in [bLo, bLo+nbp) into the
// slots; it reports an overflowing bucket.
func file3(slots []uint64, fill []int, capB, bLo, nbp int, shift uint, e0, e1, e2 uint64) bool {
	overflow := false
	for _, e := range [3]uint64{e0, e1, e2} {
		b := int(e>>shift) - bLo
		if uint(b) >= uint(nbp) {
			continue
		}
		if f := fill[b]; f < capB {
			slots[b*capB+f] = e
			fill[b] = f + 1
		} else {
			overflow = true
		}
	}
	return overflow
}

// fileKeys is the later passes of a two-pass count: the edge keys of one
// range of triangles whose bucket lies in [bLo, bLo+nbp), nothing else.
func fileKeys(t []float32, slots []uint64, capB, lo, hi, bLo, nbp int, shift uint) ([]int, bool) {
	fill := make([]int, nbp)
	overflow := false
	for k := lo; k < hi; k++ {
		v := t[k*9 : k*9+9 : k*9+9]
		ha := vertexHash(v[0], v[1], v[2])
		hb := vertexHash(v[3], v[4], v[5])
		hc := vertexHash(v[6], v[7], v[8])
		overflow = file3(slots, fill, capB, bLo, nbp, shift, edgeKey(ha, hb), edgeKey(hb, hc), edgeKey(hc, ha)) || overflow
	}
	return fill, overflow
}

// measure sums one range of triangles and files their edge keys into the
// worker's bucket slots (capB per bucket).
func measure(t []float32, slots []uint64, capB, lo, hi, bLo, nbp int, shift uint) partial {
	p := partial{fill: make([]int, nbp)}
	fill := p.fill
	// Locals and plain comparisons rather than the builtin float min/max:
	// parsers never return NaN, and the NaN handling costs a lot here.
	inf := float32(math.Inf(1))
	mnx, mny, mnz := inf, inf, inf
	mxx, mxy, mxz := -inf, -inf, -inf
	var vol, area float64
	var orient uint64
	deg := 0
	overflow := false
	for k := lo; k < hi; k++ {
		v := t[k*9 : k*9+9 : k*9+9]
		for j := 0; j < 9; j += 3 {
			x, y, z := v[j], v[j+1], v[j+2]
			if x < mnx {
				mnx = x
			}
			if x > mxx {
				mxx = x
			}
			if y < mny {
				mny = y
			}
			if y > mxy {
				mxy = y
			}
			if z < mnz {
				mnz = z
			}
			if z > mxz {
				mxz = z
			}
		}
		ax, ay, az := float64(v[0]), float64(v[1]), float64(v[2])
		bx, by, bz := float64(v[3]), float64(v[4]), float64(v[5])
		cx, cy, cz := float64(v[6]), float64(v[7]), float64(v[8])
		// Signed volume of the tetrahedron (origin, a, b, c) ×6.
		vol += ax*(by*cz-bz*cy) - ay*(bx*cz-bz*cx) + az*(bx*cy-by*cx)
		ux, uy, uz := bx-ax, by-ay, bz-az
		wx, wy, wz := cx-ax, cy-ay, cz-az
		nx, ny, nz := uy*wz-uz*wy, uz*wx-ux*wz, ux*wy-uy*wx
		a2 := nx*nx + ny*ny + nz*nz
		area += math.Sqrt(a2)
		// Degenerate: area negligible against the longest edge squared
		// (catches both collapsed corners and needles).
		l2 := ux*ux + uy*uy + uz*uz
		if m2 := wx*wx + wy*wy + wz*wz; m2 > l2 {
			l2 = m2
		}
		if a2 <= 1e-18*l2*l2 {
			deg++
		}
		ha := vertexHash(v[0], v[1], v[2])
		hb := vertexHash(v[3], v[4], v[5])
		hc := vertexHash(v[6], v[7], v[8])
		e0, e1, e2 := edgeKey(ha, hb), edgeKey(hb, hc), edgeKey(hc, ha)
		// Each edge adds its key when walked one way and subtracts it the
		// other way, so consistently wound pairs cancel exactly.
		d0, d1, d2 := e0, e1, e2
		if ha > hb {
			d0 = -e0
		}
		if hb > hc {
			d1 = -e1
		}
		if hc > ha {
			d2 = -e2
		}
		orient += d0 + d1 + d2
		overflow = file3(slots, fill, capB, bLo, nbp, shift, e0, e1, e2) || overflow
	}
	p.min = [3]float64{float64(mnx), float64(mny), float64(mnz)}
	p.max = [3]float64{float64(mxx), float64(mxy), float64(mxz)}
	p.vol, p.area, p.degenerate, p.orient, p.overflow = vol/6, area/2, deg, orient, overflow
	return p
}

// vertexHash identifies a corner by its exact position (-0 equals +0).
// One multiply-xorshift round is needed: without it, mirror-image
// vertices (sign bits) produce linearly related hashes that cancel in
// edgeKey.
func vertexHash(x, y, z float32) uint64 {
	bx, by, bz := math.Float32bits(x), math.Float32bits(y), math.Float32bits(z)
	if bx == 0x80000000 {
		bx = 0
	}
	if by == 0x80000000 {
		by = 0
	}
	if bz == 0x80000000 {
		bz = 0
	}
	h := (uint64(bx)|uint64(by)<<32)*0x9E3779B97F4A7C15 + uint64(bz)*0xC2B2AE3D27D4EB4F
	h ^= h >> 32
	h *= 0xFF51AFD7ED558CCD
	return h ^ h>>29
}

// edgeKey is symmetric, so edge a-b and edge b-a get the same key. The
// integer min/max compile to conditional moves, not branches.
func edgeKey(a, b uint64) uint64 {
	lo, hi := min(a, b), max(a, b)
	h := lo*0x94D049BB133111EB ^ (hi + 0x2545F4914F6CDD1D)
	h ^= h >> 31
	h *= 0xD6E8FEB86659FD93
	h ^= h >> 32
	return h
}

// edgesSlow counts open edges when bucket slots overflowed: it writes
// all keys, histograms them, scatters them into exact-size buckets and
// counts those. Twice the work, but only crafted files get here.
func edgesSlow(t []float32, workers, per, nb int, shift uint) int {
	n := len(t) / 9
	keys := getKeys(3 * n)
	defer keyPool.Put(&keys)
	hists := make([][]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := make([]int, nb)
			for k := w * per; k < min((w+1)*per, n); k++ {
				v := t[k*9 : k*9+9 : k*9+9]
				ha := vertexHash(v[0], v[1], v[2])
				hb := vertexHash(v[3], v[4], v[5])
				hc := vertexHash(v[6], v[7], v[8])
				for j, e := range [3]uint64{edgeKey(ha, hb), edgeKey(hb, hc), edgeKey(hc, ha)} {
					keys[k*3+j] = e
					h[e>>shift]++
				}
			}
			hists[w] = h
		}()
	}
	wg.Wait()
	starts := make([]int, nb+1)
	for b := range nb {
		starts[b+1] = starts[b]
		for w := range workers {
			starts[b+1] += hists[w][b]
		}
	}
	sorted := getKeys(3 * n)
	defer keyPool.Put(&sorted)
	cur := append([]int(nil), starts[:nb]...)
	for _, e := range keys {
		b := e >> shift
		sorted[cur[b]] = e
		cur[b]++
	}
	return countBuckets(nb, workers, func(b int, segs [][]uint64) [][]uint64 {
		return append(segs, sorted[starts[b]:starts[b+1]])
	})
}

// countBuckets counts, over all buckets in parallel, the distinct keys
// not used exactly twice. keysOf appends a bucket's key segments.
func countBuckets(nb, workers int, keysOf func(b int, segs [][]uint64) [][]uint64) int {
	open := make([]int, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var table []uint64
			var segs [][]uint64
			for {
				b := int(next.Add(1) - 1)
				if b >= nb {
					return
				}
				segs = keysOf(b, segs[:0])
				total := 0
				for _, sg := range segs {
					total += len(sg)
				}
				size := 1 << bits.Len(uint(2*total))
				if cap(table) < size {
					table = make([]uint64, size)
				}
				table = table[:size]
				clear(table)
				mask := uint64(size - 1)
				// An entry is the key with its low 2 bits replaced by the
				// use count (1, 2, 3 = "3 or more"); 0 marks a free slot.
				// The index bits are independent of the bucket's top bits.
				for _, sg := range segs {
					for _, k := range sg {
						kk := k &^ 3
						i := k >> 2 & mask
						for {
							e := table[i]
							if e == 0 {
								table[i] = kk | 1
								break
							}
							if e&^3 == kk {
								if e&3 < 3 {
									table[i] = e + 1
								}
								break
							}
							i = (i + 1) & mask
						}
					}
				}
				for _, e := range table {
					if e != 0 && e&3 != 2 {
						open[w]++
					}
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, o := range open {
		total += o
	}
	return total
}
