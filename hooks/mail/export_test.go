package mail

import (
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/settings"
)

// FormatHours exposes the hours rounding to the external tests.
var FormatHours = formatHours

// RenderSubject renders the subject the worker would send for kind.
func RenderSubject(app core.App, lab settings.Lab, job *core.Record, kind Kind, d Data) (string, error) {
	r, err := render(kind, lab, job, completeData(lab, job, d))
	return r.Subject, err
}
