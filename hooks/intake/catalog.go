package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/color"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/hooks/settings"
	"printlab/model3d"
	"printlab/schema"
)

// catalog handles GET /api/printlab/catalog: what the submit page needs and
// nothing else (no inactive entries, no staff data, no other settings).
func catalog(e *core.RequestEvent) error {
	lab, err := settings.Load(e.App)
	if err != nil {
		return jobs.Respond(e, err)
	}
	printers, err := e.App.FindRecordsByFilter(schema.Printers, "active = true", "sort,name", 0, 0)
	if err != nil {
		return jobs.Respond(e, err)
	}
	materials, err := e.App.FindRecordsByFilter(schema.Materials, "active = true", "sort,name", 0, 0)
	if err != nil {
		return jobs.Respond(e, err)
	}
	ps := make([]map[string]any, 0, len(printers))
	for _, p := range printers {
		ps = append(ps, map[string]any{
			"id": p.Id, "name": p.GetString("name"), "method": p.GetString("method"),
			"description": p.GetString("description"),
			"build_mm":    [3]float64{p.GetFloat("build_x"), p.GetFloat("build_y"), p.GetFloat("build_z")},
		})
	}
	ms := make([]map[string]any, 0, len(materials))
	for _, m := range materials {
		colors := []string{}
		_ = m.UnmarshalJSONField("colors", &colors)
		ms = append(ms, map[string]any{
			"id": m.Id, "name": m.GetString("name"), "method": m.GetString("method"),
			"description": m.GetString("description"), "cents_per_gram": m.GetInt("cents_per_gram"),
			"density": m.GetFloat("density"), "colors": colors, "swatches": swatches(colors), "chips": chips(colors),
		})
	}
	disciplines := lab.Disciplines
	if disciplines == nil {
		disciplines = []string{}
	}
	body, err := json.Marshal(map[string]any{
		"lab_name":         lab.LabName,
		"notice_html":      lab.NoticeHTML,
		"min_charge_cents": lab.MinChargeCents,
		"max_upload_mb":    lab.MaxUploadMB,
		"estimate_fill":    lab.EstimateFill,
		"disciplines":      disciplines,
		"printers":         ps,
		"materials":        ms,
	})
	if err != nil {
		return jobs.Respond(e, err)
	}
	// Browsers ask again each time (a colour or printer an admin just added
	// shows at once) and get a bodiless 304 while the catalog is unchanged.
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := e.Response.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", etag)
	if match := e.Request.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		e.Response.WriteHeader(http.StatusNotModified)
		return nil
	}
	return e.Blob(http.StatusOK, "application/json", body)
}

// swatches maps each colour name to the "#rrggbb" the server draws thumbnails
// in (model3d.ColorFor), so the pages' swatches and 3D views match the
// thumbnails without a second name-to-colour table in JavaScript. A map beside
// "colors" rather than objects in it keeps older clients working.
func swatches(colors []string) map[string]string {
	out := make(map[string]string, len(colors))
	for _, name := range colors {
		out[name] = cssHex(model3d.ColorFor(name))
	}
	return out
}

// chips maps each colour name to the "#rrggbb" of a flat chip beside the name
// (model3d.ChipColor): the swatch, but black as black rather than the grey a
// thumbnail lifts it to so that its shading shows.
func chips(colors []string) map[string]string {
	out := make(map[string]string, len(colors))
	for _, name := range colors {
		out[name] = cssHex(model3d.ChipColor(name))
	}
	return out
}

// cssHex writes c as CSS and three.js read it ("#rrggbb"); ColorFor's colours are opaque.
func cssHex(c color.NRGBA) string {
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}
