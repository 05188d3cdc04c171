package intake_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"printlab/internal/testapp"
	"printlab/model3d"
)

func TestCatalog(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	res := get(t, app, "/api/printlab/catalog")
	if res.Code != 200 {
		t.Fatal(res.Code)
	}
	var cat map[string]any
	json.Unmarshal(res.Body.Bytes(), &cat)
	keys := []string{"lab_name", "notice_html", "min_charge_cents", "max_upload_mb", "estimate_fill", "disciplines", "printers", "materials"}
	if len(cat) != len(keys) {
		t.Errorf("catalog keys: %v", cat)
	}
	body := res.Body.String()
	for _, want := range []string{`"name":"Prusa MK4S"`, `"build_mm":[250,210,220]`, `"name":"Formlabs Form 3"`, `"cents_per_gram":10`,
		`"density":1.24`, `"True Red"`, `"Landscape Architecture"`, `"min_charge_cents":300`, `"max_upload_mb":50`, fx.Printer.Id} {
		if !strings.Contains(body, want) {
			t.Errorf("catalog lacks %s", want)
		}
	}
	if strings.Contains(body, "Retired Ender 3") || strings.Contains(body, "pickup") || strings.Contains(body, "smtp") {
		t.Errorf("catalog shows more than the submit page needs: %s", body)
	}
}

// Browsers revalidate the catalog on every visit: unchanged, it is a bodiless
// 304; a colour an admin adds shows at the next load.
func TestCatalogRevalidates(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	first := get(t, app, "/api/printlab/catalog")
	etag := first.Header().Get("ETag")
	if first.Code != 200 || etag == "" || first.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("first load: %d, ETag %q, Cache-Control %q", first.Code, etag, first.Header().Get("Cache-Control"))
	}
	again := func() *recorder {
		req := httptest.NewRequest("GET", "/api/printlab/catalog", nil)
		req.Header.Set("If-None-Match", etag)
		return serve(t, app, req)
	}
	if r := again(); r.Code != http.StatusNotModified || r.Body.Len() != 0 {
		t.Errorf("unchanged catalog: %d with %d bytes", r.Code, r.Body.Len())
	}
	fx.Material.Set("colors", []string{"True Red", "Galaxy Sparkle"})
	if err := app.Save(fx.Material); err != nil {
		t.Fatal(err)
	}
	if r := again(); r.Code != 200 || !strings.Contains(r.Body.String(), "Galaxy Sparkle") || r.Header().Get("ETag") == etag {
		t.Errorf("after an admin added a colour: %d, ETag %q", r.Code, r.Header().Get("ETag"))
	}
}

// The catalog carries, beside each material's colour names, the colour the
// server draws thumbnails in, so the pages draw the same: for the lab's default
// names, for names a lab adds, and the default colour for names it cannot place;
// and the colour of a flat chip, the same but for black.
func TestCatalogSwatches(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	fx.Material.Set("colors", []string{"Blue", "True White", "Navy Blue", "Galaxy Sparkle", "True Black"})
	if err := app.Save(fx.Material); err != nil {
		t.Fatal(err)
	}
	res := get(t, app, "/api/printlab/catalog")
	if res.Code != 200 {
		t.Fatal(res.Code, res.Body)
	}
	var cat struct {
		Materials []struct {
			ID       string            `json:"id"`
			Colors   []string          `json:"colors"`
			Swatches map[string]string `json:"swatches"`
			Chips    map[string]string `json:"chips"`
		} `json:"materials"`
	}
	if err := json.Unmarshal(res.Body.Bytes(), &cat); err != nil {
		t.Fatal(err)
	}
	hexOf := func(name string) string {
		c := model3d.ColorFor(name)
		return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
	}
	for _, m := range cat.Materials {
		if len(m.Swatches) != len(m.Colors) {
			t.Errorf("material %s: %d colours but %d swatches: %v", m.ID, len(m.Colors), len(m.Swatches), m.Swatches)
		}
		if m.ID != fx.Material.Id {
			continue
		}
		for _, tc := range []struct{ name, want string }{
			{"Blue", "#285ac8"},           // a default name, read exactly
			{"True White", "#e0e0e0"},     // white drawn light grey, not paper white
			{"Navy Blue", "#233278"},      // a lab's own name, read by its words
			{"Galaxy Sparkle", hexOf("")}, // a name with no colour word: the default colour
		} {
			if got := m.Swatches[tc.name]; got != tc.want || got != hexOf(tc.name) {
				t.Errorf("swatch of %q = %q, want %q (ColorFor: %s)", tc.name, got, tc.want, hexOf(tc.name))
			}
			if got := m.Chips[tc.name]; got != tc.want {
				t.Errorf("chip of %q = %q, want the swatch %q", tc.name, got, tc.want)
			}
		}
		// Black's chip is black; its swatch (what thumbnails and 3D views draw) the grey whose faces show.
		if got := m.Chips["True Black"]; got != "#18181b" {
			t.Errorf("chip of True Black = %q, want #18181b", got)
		}
		if got := m.Swatches["True Black"]; got != hexOf("True Black") || got == m.Chips["True Black"] {
			t.Errorf("swatch of True Black = %q, want ColorFor's %s", got, hexOf("True Black"))
		}
		return
	}
	t.Errorf("PLA (%s) missing from the catalog: %s", fx.Material.Id, res.Body)
}
