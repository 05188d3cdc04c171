package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"math"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/settings"
)

//go:embed templates
var templateFS embed.FS

// kindSpec is the per-kind data of the email table: adding a kind means one
// line here and its two template files.
type kindSpec struct {
	// subject is a text/template over view. It never contains what a student
	// typed (only the validated short id), and is stripped of line breaks anyway.
	subject string
}

var kinds = map[Kind]kindSpec{
	KindReceived:        {subject: "We received your print request {{.Job.ShortID}}"},
	KindConfirm:         {subject: "Please confirm your print quote ({{.Job.ShortID}})"},
	KindConfirmReminder: {subject: "Reminder: your print quote {{.Job.ShortID}} is waiting for you"},
	KindRejected:        {subject: "Your print request {{.Job.ShortID}} was not approved"},
	KindCancelled:       {subject: "Your print request {{.Job.ShortID}} was cancelled"},
	KindReady:           {subject: "Your print {{.Job.ShortID}} is ready for pickup"},
	KindPickupReminder:  {subject: "Reminder: your print {{.Job.ShortID}} is waiting for pickup"},
	KindReceipt:         {subject: "Receipt for your print {{.Job.ShortID}}"},
}

// Kinds lists every email kind, for tests and documentation.
func Kinds() []Kind {
	return []Kind{KindReceived, KindConfirm, KindConfirmReminder, KindRejected,
		KindCancelled, KindReady, KindPickupReminder, KindReceipt}
}

type compiled struct {
	subject *texttemplate.Template
	html    *htmltemplate.Template
	text    *texttemplate.Template
}

// templates are parsed once at start-up; a broken template is a build error
// that every test catches, so parsing panics.
var templates = mustCompile()

func mustCompile() map[Kind]compiled {
	out := make(map[Kind]compiled, len(kinds))
	for k, spec := range kinds {
		var c compiled
		c.subject = texttemplate.Must(texttemplate.New("subject").Parse(spec.subject))
		c.html = htmltemplate.Must(htmltemplate.New("layout.html").Funcs(htmltemplate.FuncMap(funcs)).
			ParseFS(templateFS, "templates/layout.html", "templates/"+string(k)+".html"))
		c.text = texttemplate.Must(texttemplate.New("layout.txt").Funcs(funcs).
			ParseFS(templateFS, "templates/layout.txt", "templates/"+string(k)+".txt"))
		out[k] = c
	}
	return out
}

// view is what every template sees.
type view struct {
	Lab     settings.Lab
	Job     jobView
	D       Data
	Subject string
	loc     *time.Location
}

// jobView holds the job fields templates may show; student-typed text is
// escaped by html/template in the HTML part.
type jobView struct {
	ShortID     string
	FirstName   string
	LastName    string
	DisplayName string
	Method      string
	Color       string
}

// When formats t as a date and time in the lab's time zone.
func (v view) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.loc).Format("Monday, January 2, 2006 at 3:04 PM MST")
}

// Day formats t as a date in the lab's time zone.
func (v view) Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.loc).Format("January 2, 2006")
}

// SubmitURL is the lab's submit page, for "send a new request".
func (v view) SubmitURL() string { return absoluteURL(v.Lab.PublicURL, "/") }

var funcs = texttemplate.FuncMap{
	"money":  Money,
	"grams":  formatGrams,
	"hours":  formatHours,
	"days":   formatDays,
	"join":   strings.Join,
	"minus":  func(a, b int) int { return a - b },
	"upper":  strings.ToUpper,
	"method": methodLabel,
}

type rendered struct {
	Subject, HTML, Text string
}

// prepare checks that an email of kind can be written from d and builds what
// its templates see.
func prepare(kind Kind, lab settings.Lab, job *core.Record, d Data) (compiled, view, error) {
	c, ok := templates[kind]
	if !ok {
		return c, view{}, fmt.Errorf("mail: unknown email kind %q", kind)
	}
	if d.StatusURL == "" {
		return c, view{}, fmt.Errorf("mail: the %s email needs the student's status link", kind)
	}
	if (kind == KindConfirm) && d.ConfirmURL == "" {
		return c, view{}, fmt.Errorf("mail: the %s email needs the confirmation link", kind)
	}
	return c, view{
		Lab: lab,
		Job: jobView{
			ShortID:     job.GetString("short_id"),
			FirstName:   job.GetString("first_name"),
			LastName:    job.GetString("last_name"),
			DisplayName: job.GetString("display_name"),
			Method:      methodLabel(job.GetString("method")),
			Color:       job.GetString("color"),
		},
		D:   d,
		loc: lab.Location(),
	}, nil
}

func (c compiled) subjectOf(kind Kind, v view) (string, error) {
	var b bytes.Buffer
	if err := c.subject.Execute(&b, v); err != nil {
		return "", fmt.Errorf("mail: %s subject: %w", kind, err)
	}
	return cleanHeader(v.Lab.LabName + ": " + b.String()), nil
}

// render produces the subject and both bodies of one email.
func render(kind Kind, lab settings.Lab, job *core.Record, d Data) (rendered, error) {
	c, v, err := prepare(kind, lab, job, d)
	if err != nil {
		return rendered{}, err
	}
	var out rendered
	if out.Subject, err = c.subjectOf(kind, v); err != nil {
		return out, err
	}
	v.Subject = out.Subject
	var b bytes.Buffer
	if err := c.html.Execute(&b, v); err != nil {
		return out, fmt.Errorf("mail: %s HTML: %w", kind, err)
	}
	out.HTML = b.String()
	b.Reset()
	if err := c.text.Execute(&b, v); err != nil {
		return out, fmt.Errorf("mail: %s text: %w", kind, err)
	}
	out.Text = tidyText(b.String())
	return out, nil
}

// cleanHeader turns any control character (CR and LF above all, which would
// start a new header) into a space and collapses runs of spaces.
func cleanHeader(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// tidyText removes trailing spaces and runs of blank lines that template
// actions leave, so the plain-text part reads as written.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank++
			if blank > 1 || len(out) == 0 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}

// Money formats integer cents as US dollars, e.g. 123456 → "$1,234.56". It is
// the one place money is turned into text for email.
func Money(cents int) string {
	sign := ""
	if cents < 0 {
		sign = "-"
		cents = -cents
	}
	whole := strconv.Itoa(cents / 100)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s$%s.%02d", sign, b.String(), cents%100)
}

// formatGrams shows whole grams, or one decimal below 10 g.
func formatGrams(g float64) string {
	if g < 10 {
		return strconv.FormatFloat(math.Round(g*10)/10, 'f', -1, 64) + " g"
	}
	return strconv.FormatFloat(math.Round(g), 'f', 0, 64) + " g"
}

// formatHours rounds up to the next half hour, as the lab records print time.
func formatHours(h float64) string {
	r := math.Ceil(h*2-1e-9) / 2
	if r <= 0 {
		r = 0.5
	}
	s := strconv.FormatFloat(r, 'f', -1, 64)
	if r == 1 {
		return s + " hour"
	}
	return s + " hours"
}

func formatDays(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

func methodLabel(m string) string {
	if m == "" {
		return ""
	}
	return strings.ToUpper(m[:1]) + m[1:]
}
