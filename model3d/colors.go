package model3d

import (
	"image/color"
	"strings"
	"unicode"
)

// DefaultColor is the thumbnail colour of a model whose colour is unknown:
// the zero RenderOptions.Color, and ColorFor of a name it cannot place.
var DefaultColor = color.NRGBA{236, 128, 40, 255}

// The renderer multiplies the base colour by a light of 30 % (faces turned
// from every light) to 100 % (faces towards the key light), so a base colour
// must be bright enough that 30 % of it is still told apart from its other
// faces, and dark enough that its lit face stands apart from a white page.
// Hence the bounds below, and the decisions in the table:
//   - black renders as a dark grey (88): the three faces of a box come out
//     at about 75, 51 and 42, so the form still shows;
//   - white renders as a light grey (224), not paper white;
//   - clear (and natural, transparent) as a pale blue-grey, the way a
//     translucent part looks on a bench;
//   - glow in the dark as the pale green it is in daylight;
//   - colour changing as a mid purple, the most common of its shifts, which
//     reads as "not one of the solid colours" without looking like an error.
const (
	minBrightest = 88  // the brightest channel of a base colour is at least this
	maxChannel   = 232 // and no channel is above this
)

// Colours shared by the exact names and the words below.
var (
	paintRed      = color.NRGBA{200, 30, 35, 255}
	paintOrange   = color.NRGBA{232, 118, 28, 255}
	paintYellow   = color.NRGBA{232, 200, 30, 255}
	paintLime     = color.NRGBA{150, 208, 50, 255}
	paintGreen    = color.NRGBA{40, 160, 70, 255}
	paintBlue     = color.NRGBA{40, 90, 200, 255}
	paintBrown    = color.NRGBA{135, 85, 50, 255}
	paintCopper   = color.NRGBA{190, 105, 60, 255}
	paintBronze   = color.NRGBA{170, 130, 70, 255}
	paintSilver   = color.NRGBA{192, 192, 198, 255}
	paintGold     = color.NRGBA{212, 172, 55, 255}
	paintGray     = color.NRGBA{140, 140, 140, 255}
	paintBlack    = color.NRGBA{88, 88, 92, 255}
	paintWhite    = color.NRGBA{224, 224, 224, 255}
	paintClear    = color.NRGBA{190, 205, 220, 255}
	paintGlow     = color.NRGBA{190, 230, 170, 255}
	paintChanging = color.NRGBA{150, 100, 190, 255}
)

// namedColors are the lab's default colours (SPEC §11) by their names
// lower-cased, and the compounds the word rule would misread. The resin
// names (Black, White, Gray, Clear) are single words: the word rule reads them.
var namedColors = map[string]color.NRGBA{
	"true red": paintRed, "true orange": paintOrange, "light orange": {232, 160, 80, 255},
	"true yellow": paintYellow, "dark yellow": {212, 164, 20, 255},
	"lime green": paintLime, "green": paintGreen, "forest green": {35, 110, 50, 255},
	"blue": paintBlue, "electric blue": {30, 140, 232, 255},
	"midnight purple": {88, 55, 140, 255}, "light purple": {180, 140, 220, 255},
	"clear": paintClear, "true white": paintWhite, "gray": paintGray, "true black": paintBlack,
	"brown": paintBrown, "copper": paintCopper, "bronze": paintBronze,
	"true silver": paintSilver, "true gold": paintGold,
	"glow in the dark": paintGlow, "color changing": paintChanging,
	"rose gold": {205, 140, 130, 255},
}

// colorWords are the hue words a lab-added name is read by. The first of
// them in the name wins, so a qualifier that is itself a colour decides:
// "Navy Blue" is navy, "Sky Blue" is sky, "Olive Green" is olive.
var colorWords = map[string]color.NRGBA{
	"red": paintRed, "crimson": {180, 20, 50, 255}, "scarlet": {215, 40, 30, 255},
	"maroon": {128, 30, 40, 255}, "burgundy": {128, 25, 50, 255}, "wine": {128, 30, 55, 255},
	"pink": {232, 120, 170, 255}, "magenta": {210, 40, 150, 255}, "fuchsia": {210, 40, 150, 255},
	"rose": {225, 110, 140, 255}, "coral": {232, 120, 95, 255}, "salmon": {232, 140, 115, 255},
	"peach": {232, 175, 135, 255}, "orange": paintOrange, "amber": {225, 150, 20, 255},
	"yellow": paintYellow, "lemon": {232, 215, 60, 255}, "mustard": {200, 160, 30, 255},
	"gold": paintGold, "golden": paintGold,
	"lime": paintLime, "green": paintGreen, "emerald": {30, 150, 90, 255},
	"olive": {120, 125, 45, 255}, "mint": {150, 220, 180, 255}, "sage": {150, 170, 130, 255},
	"teal": {20, 130, 130, 255}, "turquoise": {40, 190, 180, 255}, "cyan": {30, 190, 215, 255},
	"aqua": {60, 200, 210, 255}, "sky": {110, 170, 230, 255},
	"blue": paintBlue, "navy": {35, 50, 120, 255}, "cobalt": {30, 70, 170, 255},
	"royal": {45, 75, 190, 255}, "indigo": {75, 50, 150, 255},
	"purple": {120, 60, 170, 255}, "violet": {130, 70, 190, 255}, "lavender": {180, 160, 220, 255},
	"lilac": {190, 160, 215, 255}, "plum": {130, 60, 110, 255},
	"brown": paintBrown, "chocolate": {110, 65, 40, 255}, "wood": {160, 115, 70, 255},
	"tan": {200, 165, 120, 255}, "beige": {220, 200, 165, 255}, "khaki": {190, 175, 125, 255},
	"cream": {232, 222, 190, 255}, "ivory": {232, 228, 205, 255}, "bone": {225, 215, 190, 255},
	"copper": paintCopper, "bronze": paintBronze, "brass": {190, 160, 70, 255},
	"silver": paintSilver, "steel": {150, 160, 170, 255}, "titanium": {160, 160, 165, 255},
	"gray": paintGray, "grey": paintGray, "slate": {110, 120, 135, 255},
	"charcoal": {95, 95, 100, 255}, "graphite": {100, 100, 105, 255}, "gunmetal": {100, 105, 115, 255},
	"black": paintBlack, "white": paintWhite, "marble": {215, 215, 210, 255},
}

// finishWords name a look rather than a hue: alone they give the colour; with
// a hue word they only lighten it (a clear red is a paler red).
var finishWords = map[string]color.NRGBA{
	"clear": paintClear, "transparent": paintClear, "translucent": paintClear, "natural": paintClear,
	"glow": paintGlow, "rainbow": paintChanging, "multicolor": paintChanging, "multicolour": paintChanging, "changing": paintChanging,
}

// Shade words move a hue darker or lighter.
var (
	darkWords  = map[string]bool{"dark": true, "deep": true, "midnight": true}
	lightWords = map[string]bool{"light": true, "pale": true, "pastel": true, "baby": true}
)

// ColorFor is the thumbnail colour of a colour name as staff configure them:
// the lab's default names exactly, then lab-added names by their words
// ("Dark Red", "Navy Blue", "Grey", "pink"), case-insensitively, else
// DefaultColor. Every result keeps the rendered shading readable.
func ColorFor(name string) color.NRGBA {
	key := strings.Join(strings.Fields(strings.ToLower(name)), " ")
	if c, ok := namedColors[key]; ok {
		return c
	}
	// "Glow in the Dark Blue" is a glowing blue, not a dark one.
	words := strings.FieldsFunc(strings.ReplaceAll(key, "glow in the dark", "glow"), func(r rune) bool { return !unicode.IsLetter(r) })
	var hue, finish *color.NRGBA
	dark, light, finished := false, false, false
	for _, w := range words {
		if c, ok := colorWords[w]; ok && hue == nil {
			hue = &c
		}
		if c, ok := finishWords[w]; ok {
			if finish == nil {
				finish = &c
			}
			finished = true
		}
		dark = dark || darkWords[w]
		light = light || lightWords[w]
	}
	switch {
	case hue == nil && finish == nil:
		return DefaultColor
	case hue == nil:
		return *finish
	}
	c := *hue
	switch {
	case dark && !light:
		c = mix(c, color.NRGBA{0, 0, 0, 255}, 0.35)
	case light && !dark:
		c = mix(c, color.NRGBA{255, 255, 255, 255}, 0.45)
	}
	if finished {
		c = mix(c, color.NRGBA{255, 255, 255, 255}, 0.3)
	}
	return readable(c)
}

// inkBlack is black as a flat chip shows it: the dark of black filament.
var inkBlack = color.NRGBA{24, 24, 27, 255}

// ChipColor is how colour name looks as a flat chip beside its name (the
// submit page's swatch). That is ColorFor's colour, which a thumbnail's face
// shows in full light, except for black: ColorFor lifts it to a dark grey so a
// thumbnail's faces stay apart, and flat and unlit that grey reads as grey. So
// a neutral no lighter than that grey ("True Black", "Black", "Dark Black") is
// drawn in inkBlack; charcoal and dark grey stay the greys they are.
func ChipColor(name string) color.NRGBA {
	c := ColorFor(name)
	neutral := max(c.R, c.G, c.B)-min(c.R, c.G, c.B) <= 8
	if neutral && lightness(c) <= lightness(paintBlack) {
		return inkBlack
	}
	return c
}

// lightness ranks colours by how light they look (Rec. 601 weights, ×1000).
func lightness(c color.NRGBA) int { return 299*int(c.R) + 587*int(c.G) + 114*int(c.B) }

// mix moves c a fraction f of the way to t.
func mix(c, t color.NRGBA, f float64) color.NRGBA {
	m := func(a, b uint8) uint8 { return uint8(float64(a) + (float64(b)-float64(a))*f + 0.5) }
	return color.NRGBA{m(c.R, t.R), m(c.G, t.G), m(c.B, t.B), 255}
}

// readable scales a colour up until its brightest channel is minBrightest
// (keeping the hue) and clips channels at maxChannel.
func readable(c color.NRGBA) color.NRGBA {
	top := max(c.R, c.G, c.B)
	if top == 0 {
		return paintBlack
	}
	if top < minBrightest {
		k := float64(minBrightest) / float64(top)
		s := func(v uint8) uint8 { return uint8(min(float64(v)*k+0.5, 255)) }
		c = color.NRGBA{s(c.R), s(c.G), s(c.B), 255}
	}
	return color.NRGBA{min(c.R, maxChannel), min(c.G, maxChannel), min(c.B, maxChannel), 255}
}
