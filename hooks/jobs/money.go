package jobs

import (
	"fmt"
	"math"
)

// Limits on what staff may type; anything outside is a typo, not a print.
const (
	MaxGrams = 20000 // 20 kg of material
	MaxHours = 2000  // about 12 weeks of printing
)

// Price is the result of the SPEC §3 formula.
type Price struct {
	MaterialCents int     // round_half_up(grams × rate)
	TimeCents     int     // round_half_up(hours × cents_per_hour), 0 unless the lab charges time
	Cents         int     // max(material + time, minimum charge)
	Hours         float64 // hours rounded up to the next half hour
	MinimumUsed   bool    // the minimum charge applied
}

// Rates are the numbers the formula takes from the catalog and settings.
type Rates struct {
	CentsPerGram   int
	MinChargeCents int
	CentsPerHour   int
}

// Quote computes the price of grams and hours: integer cents, half-up rounding
// done exactly on milligrams (no float drift at x.5 cents), minimum charge,
// hours rounded up to the half hour (SPEC §3).
func Quote(grams, hours float64, r Rates) Price {
	p := Price{Hours: RoundUpHalfHour(hours)}
	mg := int64(math.Round(grams * 1000))
	p.MaterialCents = int((mg*int64(r.CentsPerGram) + 500) / 1000)
	if r.CentsPerHour > 0 {
		halfHours := int64(math.Round(p.Hours * 2))
		p.TimeCents = int((halfHours*int64(r.CentsPerHour) + 1) / 2)
	}
	p.Cents = p.MaterialCents + p.TimeCents
	if p.Cents < r.MinChargeCents {
		p.Cents = r.MinChargeCents
		p.MinimumUsed = true
	}
	return p
}

// RoundUpHalfHour rounds hours up to the next half hour; exact halves stay.
func RoundUpHalfHour(hours float64) float64 {
	if hours <= 0 {
		return 0
	}
	// Tolerate float noise such as 1.5000000001 from a slicer's seconds.
	return math.Ceil(hours*2-1e-9) / 2
}

// OverQuote reports whether final exceeds quote by more than percent.
func OverQuote(final, quote, percent int) bool {
	if quote <= 0 {
		return false
	}
	return int64(final)*100 > int64(quote)*int64(100+percent)
}

// FormatCents renders integer cents as dollars, e.g. 1234 -> "$12.34".
func FormatCents(c int) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s$%d.%02d", sign, c/100, c%100)
}

// checkGrams validates a weight typed by staff.
func checkGrams(field string, g float64, required bool) *Error {
	switch {
	case math.IsNaN(g) || math.IsInf(g, 0):
		return fieldError(field, "must be a number of grams")
	case g <= 0 && required:
		return fieldError(field, "must be more than 0 g")
	case g < 0:
		return fieldError(field, "cannot be negative")
	case g > MaxGrams:
		return fieldError(field, fmt.Sprintf("must be at most %d g; check the number", MaxGrams))
	}
	return nil
}

// checkHours validates a print time typed by staff.
func checkHours(field string, h float64) *Error {
	switch {
	case math.IsNaN(h) || math.IsInf(h, 0):
		return fieldError(field, "must be a number of hours")
	case h < 0:
		return fieldError(field, "cannot be negative")
	case h > MaxHours:
		return fieldError(field, fmt.Sprintf("must be at most %d hours; check the number", MaxHours))
	}
	return nil
}
