package model3d_test

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"testing"

	"printlab/model3d"
	"printlab/model3d/testmesh"
)

// specColors are the default colour names of SPEC §11, PLA then resin.
var specColors = []string{"True Red", "True Orange", "Light Orange", "True Yellow", "Dark Yellow",
	"Lime Green", "Green", "Forest Green", "Blue", "Electric Blue", "Midnight Purple", "Light Purple",
	"Clear", "True White", "Gray", "True Black", "Brown", "Copper", "Bronze", "True Silver", "True Gold",
	"Glow in the Dark", "Color Changing", "Black", "White"}

// labColors are names a lab might add, read by their words.
var labColors = []string{"Dark Red", "Navy Blue", "Grey", "pink", "teal", "Light Blue", "Pastel Pink",
	"Dark Black", "Light White", "Translucent Red", "Glow in the Dark Blue", "Silk Gold", "Deep Navy",
	"Olive Green", "Rose Gold", "Matte Charcoal", "Transparent", "Rainbow Silk"}

func luma(c color.NRGBA) int { return 299*int(c.R) + 587*int(c.G) + 114*int(c.B) }

func TestColorFor(t *testing.T) {
	red, blue := model3d.ColorFor("True Red"), model3d.ColorFor("Blue")
	tests := []struct {
		name string
		ok   func(c color.NRGBA) bool
	}{
		{"True Red", func(c color.NRGBA) bool { return c.R > 3*c.G && c.R > 3*c.B }},
		{"Blue", func(c color.NRGBA) bool { return c.B > 2*c.R && c.B > c.G }},
		{"Green", func(c color.NRGBA) bool { return c.G > 2*c.R && c.G > 2*c.B }},
		{"True Yellow", func(c color.NRGBA) bool { return c.R > 3*c.B && c.G > 3*c.B }},
		{"Clear", func(c color.NRGBA) bool { return c.B > c.R && c.R > 150 }},
		{"Glow in the Dark", func(c color.NRGBA) bool { return c.G > c.R && c.G > c.B && c.B > 120 }},
		{"Color Changing", func(c color.NRGBA) bool { return c.B > c.G && c.R > c.G }},
		{"True Black", func(c color.NRGBA) bool { return c.R < 100 && c.R >= 80 && c.R == c.G }},
		{"True White", func(c color.NRGBA) bool { return c.R > 200 && c.R < 240 && c.R == c.G && c.G == c.B }},
		// Case and spacing do not matter.
		{"TRUE RED", func(c color.NRGBA) bool { return c == red }},
		{"  true   red ", func(c color.NRGBA) bool { return c == red }},
		{"blue", func(c color.NRGBA) bool { return c == blue }},
		// Resin's plain names are the same colours as PLA's.
		{"Black", func(c color.NRGBA) bool { return c == model3d.ColorFor("True Black") }},
		{"White", func(c color.NRGBA) bool { return c == model3d.ColorFor("True White") }},
		// Lab-added names, by their words.
		{"Dark Red", func(c color.NRGBA) bool { return c.R > 3*c.G && luma(c) < luma(red) }},
		{"Navy Blue", func(c color.NRGBA) bool { return c.B > 2*c.R && luma(c) < luma(blue) }},
		{"Light Blue", func(c color.NRGBA) bool { return c.B > c.R && luma(c) > luma(blue) }},
		{"Grey", func(c color.NRGBA) bool { return c == model3d.ColorFor("Gray") }},
		{"Dark grey", func(c color.NRGBA) bool { return c.R == c.G && luma(c) < luma(model3d.ColorFor("Gray")) }},
		{"pink", func(c color.NRGBA) bool { return c.R > c.B && c.B > c.G }},
		{"teal", func(c color.NRGBA) bool { return c.G > 2*c.R && c.B > 2*c.R }},
		{"Glow in the Dark Blue", func(c color.NRGBA) bool { return c.B > c.R && luma(c) > luma(blue) }},
		{"Silk Gold", func(c color.NRGBA) bool { return c == model3d.ColorFor("True Gold") }},
		{"Translucent", func(c color.NRGBA) bool { return c == model3d.ColorFor("Clear") }},
		// Unknown or empty names keep the old orange.
		{"Unicorn Sparkle", func(c color.NRGBA) bool { return c == model3d.DefaultColor }},
		{"", func(c color.NRGBA) bool { return c == model3d.DefaultColor }},
		{"Dark", func(c color.NRGBA) bool { return c == model3d.DefaultColor }},
	}
	for _, tt := range tests {
		if c := model3d.ColorFor(tt.name); !tt.ok(c) {
			t.Errorf("ColorFor(%q) = %v", tt.name, c)
		}
	}
}

// A chip is the thumbnail's colour, but black is black: flat, the dark grey
// thumbnails draw black in reads as grey (the thumbnails keep their grey).
func TestChipColor(t *testing.T) {
	for _, name := range []string{"True Black", "Black", "black", "Dark Black", "Matte Black"} {
		c := model3d.ChipColor(name)
		if c.R > 40 || c.G > 40 || c.B > 40 {
			t.Errorf("ChipColor(%q) = %v, want black", name, c)
		}
		if base := model3d.ColorFor(name); base.R < 80 {
			t.Errorf("ColorFor(%q) = %v: thumbnails need black lifted to a grey whose faces show", name, base)
		}
	}
	for _, name := range append(append([]string{"Charcoal", "Dark Grey", "Navy Blue", "Midnight Purple"}, specColors...), labColors...) {
		if strings.Contains(strings.ToLower(name), "black") {
			continue
		}
		if chip, base := model3d.ChipColor(name), model3d.ColorFor(name); chip != base {
			t.Errorf("ChipColor(%q) = %v, want ColorFor's %v", name, chip, base)
		}
	}
}

// Every default and lab-like colour keeps the shading readable, only names
// nobody could place fall back to orange, and the lab's default colours
// (but resin's Black and White, PLA's True Black and True White) differ.
func TestColorForIsReadable(t *testing.T) {
	seen := map[color.NRGBA]string{}
	for i, name := range append(append([]string{}, specColors...), labColors...) {
		c := model3d.ColorFor(name)
		if c == model3d.DefaultColor {
			t.Errorf("%q falls back to the default colour", name)
		}
		if top := max(c.R, c.G, c.B); top < 88 || top > 232 || c.A != 255 {
			t.Errorf("%q = %v: too dark or too light to shade", name, c)
		}
		if i >= len(specColors) || name == "Black" || name == "White" {
			continue
		}
		if prev, ok := seen[c]; ok {
			t.Errorf("%q and %q render alike: %v", name, prev, c)
		}
		seen[c] = name
	}
}

func TestRenderInColor(t *testing.T) {
	m := testmesh.Torus(40, 15, 60, 30)
	render := func(name string) *image.NRGBA {
		img, err := model3d.RenderWith(m, 96, model3d.RenderOptions{Color: model3d.ColorFor(name)})
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	if r, g, b := testmesh.ColorSums(render("Blue")); b < 2*r || b < g {
		t.Errorf("Blue renders as r %d g %d b %d", r, g, b)
	}
	if r, g, b := testmesh.ColorSums(render("True Red")); r < 3*g || r < 3*b {
		t.Errorf("True Red renders as r %d g %d b %d", r, g, b)
	}
	// The zero options keep the old orange, pixel for pixel.
	plain, _ := model3d.Render(m, 96)
	if def := render("no such colour"); !bytes.Equal(plain.Pix, def.Pix) {
		t.Error("the default colour changed")
	}
	// Black still shows the form: the cube's faces differ, the torus has a
	// wide range of tones.
	cube, _ := model3d.RenderWith(testmesh.Cube(10), 64, model3d.RenderOptions{Color: model3d.ColorFor("True Black")})
	top, left, right := luma(cube.NRGBAAt(32, 12)), luma(cube.NRGBAAt(20, 40)), luma(cube.NRGBAAt(44, 40))
	if top-left < 10000 || left-right < 5000 {
		t.Errorf("black cube faces (luma×1000): top %d left %d right %d", top, left, right)
	}
	lo, hi := 255, 0
	tones := map[uint8]bool{}
	black := render("True Black")
	for i := 0; i < len(black.Pix); i += 4 {
		if black.Pix[i+3] == 255 {
			v := black.Pix[i]
			lo, hi = min(lo, int(v)), max(hi, int(v))
			tones[v] = true
		}
	}
	if hi-lo < 40 || len(tones) < 20 {
		t.Errorf("black torus: tones %d..%d, %d distinct", lo, hi, len(tones))
	}
}

func TestThumbnailWithColor(t *testing.T) {
	var buf bytes.Buffer
	if err := model3d.ThumbnailWith(&buf, testmesh.Cube(10), 48, model3d.RenderOptions{Color: model3d.ColorFor("Blue")}); err != nil {
		t.Fatal(err)
	}
	img, err := decodeNRGBA(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b := testmesh.ColorSums(img); b < 2*r || b < g {
		t.Errorf("blue thumbnail: r %d g %d b %d", r, g, b)
	}
}

// decodeNRGBA decodes a PNG into non-premultiplied pixels.
func decodeNRGBA(b []byte) (*image.NRGBA, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out := image.NewNRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out, nil
}
