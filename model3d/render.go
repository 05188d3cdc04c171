package model3d

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/disintegration/imaging"
)

// Thumbnail sizes accepted by RenderPNG and Thumbnail.
const (
	MinThumbSize = 16
	MaxThumbSize = 2048
)

// maxEmbeddedPixels caps the decoded size of a 3MF's own thumbnail, so a
// tiny PNG declaring 100k×100k pixels cannot exhaust memory.
const maxEmbeddedPixels = 4096 * 4096

// The camera is a true isometric view from the front-right, above, with
// +Z up (the build-plate convention): right, up and towards-camera axes.
var (
	camR = [3]float64{1 / math.Sqrt2, 1 / math.Sqrt2, 0}
	camU = [3]float64{-1 / math.Sqrt(6), 1 / math.Sqrt(6), 2 / math.Sqrt(6)}
	camC = [3]float64{1 / math.Sqrt(3), -1 / math.Sqrt(3), 1 / math.Sqrt(3)}
	// Key light from the upper left, a weak fill from the right, so the
	// three visible sides of a box get three clearly different tones.
	lightKey  = viewDir(-0.5, 0.6, 0.6)
	lightFill = viewDir(0.6, -0.2, 0.5)
)

func viewDir(r, u, c float64) [3]float64 {
	var d [3]float64
	for i := range 3 {
		d[i] = r*camR[i] + u*camU[i] + c*camC[i]
	}
	l := math.Sqrt(d[0]*d[0] + d[1]*d[1] + d[2]*d[2])
	return [3]float64{d[0] / l, d[1] / l, d[2] / l}
}

// bandRows is the height, in supersampled rows, of the horizontal bands
// triangles are binned into; each worker rasterizes whole bands, so no
// locking is needed on the z-buffer.
const bandRows = 16

// RenderPNG renders the mesh shaded, in an isometric view that fits the
// model, with a transparent background, as a size×size PNG.
func RenderPNG(w io.Writer, m *Mesh, size int) error {
	img, err := RenderWith(m, size, RenderOptions{})
	if err != nil {
		return err
	}
	return encodePNG(w, img)
}

func encodePNG(w io.Writer, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}

func badThumbSize(size int) *Error {
	return newErr(CodeBadSyntax, "The thumbnail size %d is out of range (%d to %d pixels).", size, MinThumbSize, MaxThumbSize)
}

// Render is RenderPNG without the encoding: a z-buffered, flat-shaded
// (Lambert + ambient, two-sided) rasterization at 2×2 supersampling,
// box-filtered down so silhouettes are anti-aliased.
func Render(m *Mesh, size int) (*image.NRGBA, error) {
	return RenderWith(m, size, RenderOptions{})
}

// RenderOptions tunes RenderWith.
type RenderOptions struct {
	// CullBackFaces skips triangles facing away from the camera, roughly
	// halving the work. It is exact only for closed, consistently and
	// outward wound meshes (see CanCull); elsewhere it leaves holes.
	CullBackFaces bool
	// Color is the model's colour in full light. The zero value means
	// DefaultColor; otherwise alpha is ignored. ColorFor gives it from a
	// colour name.
	Color color.NRGBA
}

// CanCull reports whether back-face culling is exact for a mesh with
// these statistics: from outside a closed, outward-wound surface, every
// back face is hidden behind a front face.
func CanCull(s Stats) bool { return s.Closed && s.Oriented && !s.Inverted }

// RenderWith is Render with options.
//
// The work of drawing grows with the screen area the triangles cover, not
// with their number: a file of a million large, crossing triangles is small
// but would keep every core busy for minutes. Before drawing, the area is
// summed; over renderBudget samples the view is drawn smaller and scaled up
// (a blurrier picture of the same view), and when even the smallest would be
// over, it is refused with CodeTooComplex.
func RenderWith(m *Mesh, size int, opt RenderOptions) (*image.NRGBA, error) {
	if size < MinThumbSize || size > MaxThumbSize {
		return nil, badThumbSize(size)
	}
	img, cost, err := renderAt(m, size, opt, renderBudget)
	if err != nil || img != nil {
		return img, err
	}
	// Large triangles cost in proportion to the image's area: draw at the
	// size that fits the budget, with a margin for the per-triangle cost.
	small := int(float64(size) * math.Sqrt(renderBudget/cost) * 0.9)
	if small < minFallbackSize {
		return nil, errTooComplex
	}
	img, _, err = renderAt(m, small, opt, renderBudget)
	if err != nil {
		return nil, err
	}
	if img == nil {
		return nil, errTooComplex
	}
	return imaging.Resize(img, size, size, imaging.Linear), nil
}

// renderBudget is how many supersamples a render may test, summed over the
// triangles' clipped bounding boxes: about a second of one core. A printable
// model at the thumbnail's size needs a few million.
const renderBudget = 400e6

// minFallbackSize is the smallest view drawn and scaled up to the thumbnail.
const minFallbackSize = 48

var errTooComplex = &Error{Code: CodeTooComplex, Message: "The model is too complex to draw a preview of; " +
	"the lab will look at it in the slicer."}

// renderAt draws m at size unless its triangles would test more than budget
// samples; then it returns no image and the count.
func renderAt(m *Mesh, size int, opt RenderOptions, budget float64) (*image.NRGBA, float64, error) {
	S := 2 * size
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	n := m.TriangleCount()
	if n == 0 {
		return img, 0, nil
	}
	t := m.Tris
	workers := min(runtime.GOMAXPROCS(0), 8)
	if n < 20000 {
		workers = 1
	}
	per := (n + workers - 1) / workers
	var wg sync.WaitGroup
	// Fit: project every corner, take the 2D extent, fill 92 % of the image.
	ext2d := make([][4]float64, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := [4]float64{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
			for i := w * per * 3; i < min((w+1)*per, n)*3; i++ {
				x, y, z := float64(t[i*3]), float64(t[i*3+1]), float64(t[i*3+2])
				sx := x*camR[0] + y*camR[1]
				sy := x*camU[0] + y*camU[1] + z*camU[2]
				e[0], e[1] = min(e[0], sx), max(e[1], sx)
				e[2], e[3] = min(e[2], sy), max(e[3], sy)
			}
			ext2d[w] = e
		}()
	}
	wg.Wait()
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, e := range ext2d {
		minX, maxX, minY, maxY = min(minX, e[0]), max(maxX, e[1]), min(minY, e[2]), max(maxY, e[3])
	}
	ext := max(maxX-minX, maxY-minY)
	if !(ext > 0) || math.IsInf(ext, 0) {
		ext = 1
	}
	k := 0.92 * float64(S) / ext
	cx, cy := (minX+maxX)/2, (minY+maxY)/2
	// Screen transform: X = (p·R - cx)·k + S/2, Y = (cy - p·U)·k + S/2.
	cam := camera{
		rx: float32(camR[0] * k), ry: float32(camR[1] * k), r0: float32(float64(S)/2 - cx*k),
		ux: float32(-camU[0] * k), uy: float32(-camU[1] * k), uz: float32(-camU[2] * k), u0: float32(float64(S)/2 + cy*k),
		cx: float32(camC[0]), cy: float32(camC[1]), cz: float32(camC[2]),
	}
	nBands := (S + bandRows - 1) / bandRows
	band := func(y float32) int { return min(max(int(y)/bandRows, 0), nBands-1) }
	// Bin triangles by band with a counting sort: the first pass records
	// each triangle's band range, the second scatters indices.
	// Each triangle's clipped bounding box is what rasterTri will test:
	// summed, it is the render's cost.
	counts := make([][]uint32, workers)
	costs := make([]float64, workers)
	spans := make([][2]uint16, n)
	clip := func(lo, hi float32) float64 {
		return float64(min(max(int(hi), -1), S-1) - min(max(int(lo), 0), S) + 1)
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]uint32, nBands)
			cost := 0.0
			for i := w * per; i < min((w+1)*per, n); i++ {
				v := t[i*9 : i*9+9 : i*9+9]
				y0, y1, y2 := cam.y(v[0], v[1], v[2]), cam.y(v[3], v[4], v[5]), cam.y(v[6], v[7], v[8])
				b0, b1 := band(min(y0, y1, y2)), band(max(y0, y1, y2))
				spans[i] = [2]uint16{uint16(b0), uint16(b1)}
				for b := b0; b <= b1; b++ {
					c[b]++
				}
				x0, x1, x2 := cam.x(v[0], v[1]), cam.x(v[3], v[4]), cam.x(v[6], v[7])
				if h, wd := clip(min(y0, y1, y2), max(y0, y1, y2)), clip(min(x0, x1, x2), max(x0, x1, x2)); h > 0 && wd > 0 {
					cost += h * wd
				}
				cost++
			}
			counts[w], costs[w] = c, cost
		}()
	}
	wg.Wait()
	cost := 0.0
	for _, c := range costs {
		cost += c
	}
	if cost > budget {
		return nil, cost, nil
	}
	starts := make([]int, nBands+1)
	cursor := make([][]int, workers)
	off := 0
	for b := range nBands {
		starts[b] = off
		for w := range workers {
			if cursor[w] == nil {
				cursor[w] = make([]int, nBands)
			}
			cursor[w][b] = off
			off += int(counts[w][b])
		}
	}
	starts[nBands] = off
	bins := make([]uint32, off)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cur := cursor[w]
			for i := w * per; i < min((w+1)*per, n); i++ {
				sp := spans[i]
				for b := int(sp[0]); b <= int(sp[1]); b++ {
					bins[cur[b]] = uint32(i)
					cur[b]++
				}
			}
		}()
	}
	wg.Wait()
	// shade holds one byte per supersample: 0 = background, else light.
	shade := make([]uint8, S*S)
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			zbuf := make([]float32, S*bandRows)
			for {
				b := int(next.Add(1) - 1)
				if b >= nBands {
					return
				}
				y0b := b * bandRows
				y1b := min(y0b+bandRows, S)
				for i := range zbuf {
					zbuf[i] = float32(math.Inf(-1))
				}
				out := shade[y0b*S : y1b*S]
				for _, ti := range bins[starts[b]:starts[b+1]] {
					v := t[ti*9 : ti*9+9 : ti*9+9]
					rasterTri(v, &cam, zbuf, out, S, y0b, y1b, opt.CullBackFaces)
				}
			}
		}()
	}
	wg.Wait()
	base := opt.Color
	if base == (color.NRGBA{}) {
		base = DefaultColor
	}
	// Box-filter 2×2 supersamples: coverage becomes alpha, colour is the
	// mean of the covered samples (so edges don't darken).
	var lut [256][3]uint32
	for s := 1; s < 256; s++ {
		for c, v := range [3]uint8{base.R, base.G, base.B} {
			lut[s][c] = uint32(math.Min(255, float64(v)*float64(s)/255))
		}
	}
	pix := img.Pix
	for y := range size {
		r0 := shade[(2*y)*S:]
		r1 := shade[(2*y+1)*S:]
		row := pix[y*img.Stride:]
		for x := range size {
			var r, g, bl, cov uint32
			for _, s := range [4]uint8{r0[2*x], r0[2*x+1], r1[2*x], r1[2*x+1]} {
				if s != 0 {
					c := &lut[s]
					r, g, bl = r+c[0], g+c[1], bl+c[2]
					cov++
				}
			}
			if cov == 0 {
				continue
			}
			o := row[x*4 : x*4+4 : x*4+4]
			o[0], o[1], o[2] = uint8(r/cov), uint8(g/cov), uint8(bl/cov)
			o[3] = uint8(cov * 255 / 4)
		}
	}
	return img, cost, nil
}

// camera projects model coordinates to supersampled screen x, y and a
// depth that grows towards the viewer.
type camera struct {
	rx, ry, r0     float32
	ux, uy, uz, u0 float32
	cx, cy, cz     float32
}

func (c *camera) y(x, y, z float32) float32 { return x*c.ux + y*c.uy + z*c.uz + c.u0 }

func (c *camera) x(x, y float32) float32 { return x*c.rx + y*c.ry + c.r0 }

func (c *camera) proj(x, y, z float32) (sx, sy, sz float32) {
	return x*c.rx + y*c.ry + c.r0, x*c.ux + y*c.uy + z*c.uz + c.u0, x*c.cx + y*c.cy + z*c.cz
}

// rasterTri draws one triangle into a band's z-buffer and shade rows.
// Samples are at pixel centres; the triangle's orientation on screen is
// normalized so that inside-out meshes render too (two-sided lighting).
func rasterTri(v []float32, c *camera, zbuf []float32, out []uint8, S, y0b, y1b int, cull bool) {
	x0, y0, z0 := c.proj(v[0], v[1], v[2])
	x1, y1, z1 := c.proj(v[3], v[4], v[5])
	x2, y2, z2 := c.proj(v[6], v[7], v[8])
	area := (x1-x0)*(y2-y0) - (x2-x0)*(y1-y0)
	if area == 0 || area != area {
		return
	}
	// With y pointing down the screen, outward-wound faces turned away
	// from the camera come out with a positive area.
	if cull && area > 0 {
		return
	}
	if area < 0 {
		x1, y1, z1, x2, y2, z2 = x2, y2, z2, x1, y1, z1
		area = -area
	}
	minX := max(int(min(x0, x1, x2)), 0)
	maxX := min(int(max(x0, x1, x2)), S-1)
	minY := max(int(min(y0, y1, y2)), y0b)
	maxY := min(int(max(y0, y1, y2)), y1b-1)
	if minX > maxX || minY > maxY {
		return
	}
	inv := 1 / area
	var light uint8
	// Edge functions at the first sample, stepped incrementally.
	px, py := float32(minX)+0.5, float32(minY)+0.5
	e0dx, e0dy := y1-y2, x2-x1 // edge v1→v2, weight of v0
	e1dx, e1dy := y2-y0, x0-x2 // edge v2→v0, weight of v1
	e2dx, e2dy := y0-y1, x1-x0 // edge v0→v1, weight of v2
	w0r := (x2-x1)*(py-y1) - (y2-y1)*(px-x1)
	w1r := (x0-x2)*(py-y2) - (y0-y2)*(px-x2)
	w2r := (x1-x0)*(py-y0) - (y1-y0)*(px-x0)
	for y := minY; y <= maxY; y++ {
		w0, w1, w2 := w0r, w1r, w2r
		row := (y - y0b) * S
		for x := minX; x <= maxX; x++ {
			if w0 >= 0 && w1 >= 0 && w2 >= 0 {
				z := (w0*z0 + w1*z1 + w2*z2) * inv
				if z > zbuf[row+x] {
					if light == 0 {
						light = shadeOf(v)
					}
					zbuf[row+x] = z
					out[row+x] = light
				}
			}
			w0 += e0dx
			w1 += e1dx
			w2 += e2dx
		}
		w0r += e0dy
		w1r += e1dy
		w2r += e2dy
	}
}

// shadeOf lights a face: ambient + key + fill with the normal turned
// towards the camera. The result is 1..255 (0 means background).
func shadeOf(v []float32) uint8 {
	ux, uy, uz := float64(v[3]-v[0]), float64(v[4]-v[1]), float64(v[5]-v[2])
	wx, wy, wz := float64(v[6]-v[0]), float64(v[7]-v[1]), float64(v[8]-v[2])
	nx, ny, nz := uy*wz-uz*wy, uz*wx-ux*wz, ux*wy-uy*wx
	l := math.Sqrt(nx*nx + ny*ny + nz*nz)
	if l == 0 {
		return 77 // ambient only
	}
	nx, ny, nz = nx/l, ny/l, nz/l
	if nx*camC[0]+ny*camC[1]+nz*camC[2] < 0 {
		nx, ny, nz = -nx, -ny, -nz
	}
	k := max(0, nx*lightKey[0]+ny*lightKey[1]+nz*lightKey[2])
	f := max(0, nx*lightFill[0]+ny*lightFill[1]+nz*lightFill[2])
	i := min(1, 0.3+0.62*k+0.18*f)
	return 1 + uint8(i*254)
}

// Thumbnail writes the 3MF's own thumbnail when it has a valid one
// (decoded with a pixel cap, fitted into size×size on a transparent
// background and re-encoded, never passed through as raw bytes), else the
// rendered view from RenderPNG.
func Thumbnail(w io.Writer, m *Mesh, size int) error {
	return ThumbnailWith(w, m, size, RenderOptions{})
}

// ThumbnailFor is Thumbnail for a mesh already analysed (s = Analyze(m)):
// it renders with back-face culling when CanCull(s), which is about
// twice as fast and gives the same picture.
func ThumbnailFor(w io.Writer, m *Mesh, s Stats, size int) error {
	return ThumbnailWith(w, m, size, RenderOptions{CullBackFaces: CanCull(s)})
}

// ThumbnailWith is Thumbnail with options for the rendered view (a 3MF's
// own thumbnail is used as it is, whatever the options).
func ThumbnailWith(w io.Writer, m *Mesh, size int, opt RenderOptions) error {
	if size < MinThumbSize || size > MaxThumbSize {
		return badThumbSize(size)
	}
	if img := decodeEmbedded(m.Thumbnail); img != nil {
		fit := imaging.Fit(img, size, size, imaging.Lanczos)
		canvas := imaging.New(size, size, color.NRGBA{})
		b := fit.Bounds()
		canvas = imaging.Paste(canvas, fit, image.Pt((size-b.Dx())/2, (size-b.Dy())/2))
		return encodePNG(w, canvas)
	}
	img, err := RenderWith(m, size, opt)
	if err != nil {
		return err
	}
	return encodePNG(w, img)
}

func decodeEmbedded(b []byte) image.Image {
	if len(b) == 0 {
		return nil
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxEmbeddedPixels {
		return nil
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	return img
}
