package jobs

import (
	"crypto/rand"
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/text/unicode/norm"

	"printlab/hooks/mail"
	"printlab/hooks/settings"
	"printlab/schema"
)

// shortIDAlphabet has no look-alikes (0/O, 1/I/L) and no U, so an id read aloud at
// the desk or typed from a receipt is hard to get wrong.
const shortIDAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewShortID returns a random 6-character job id (30^6 ≈ 729 million).
func NewShortID() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = shortIDAlphabet[int(b[i])%len(shortIDAlphabet)]
	}
	return string(b)
}

// StandardName is a job file's name everywhere: FirstLast_Method_Color_SHORTID.ext,
// letters and digits only in each part (accents folded: "José" → "Jose").
func StandardName(first, last, method, color, shortID, ext string) string {
	part := func(s string) string {
		var b strings.Builder
		for _, r := range norm.NFKD.String(s) {
			if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	title := func(s string) string {
		var b strings.Builder
		for _, w := range strings.Fields(s) {
			p := part(w)
			if p != "" {
				b.WriteString(strings.ToUpper(p[:1]) + p[1:])
			}
		}
		return b.String()
	}
	name := title(first) + title(last)
	if name == "" {
		name = "Student"
	}
	m := title(method)
	if m == "" {
		m = "Print"
	}
	c := title(color)
	if c == "" {
		c = "Any"
	}
	ext = strings.ToLower(part(ext))
	if ext != "" {
		ext = "." + ext
	}
	return name + "_" + m + "_" + c + "_" + part(shortID) + ext
}

// Submit creates a job (SPEC §2, "— → uploaded"): a fresh unique short id, the
// standard name, the status-key salt, the submit event and the "received" email,
// in one transaction. job is an unsaved record with the student's fields and
// files set. It returns the saved job and the student's private status link.
func Submit(app core.App, job *core.Record, ext string, now time.Time) (*core.Record, string, error) {
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	var link string
	err := app.RunInTransaction(func(tx core.App) error {
		lab, err := settings.Load(tx)
		if err != nil {
			return err
		}
		shortID, err := uniqueShortID(tx)
		if err != nil {
			return err
		}
		job.Set("short_id", shortID)
		job.Set("status", string(schema.StatusUploaded))
		job.Set("status_changed", now)
		job.Set("status_key_salt", NewSalt())
		job.Set("display_name", StandardName(job.GetString("first_name"), job.GetString("last_name"),
			job.GetString("method"), job.GetString("color"), shortID, ext))
		if err := tx.Save(job); err != nil {
			return err
		}
		if err := addEvent(tx, job, "submit", Actor{Kind: ByStudent}, "", string(schema.StatusUploaded), map[string]any{
			"original_name": job.GetString("original_name"), "sha256": job.GetString("sha256")}); err != nil {
			return err
		}
		if link, err = StatusLink(tx, job, lab.PublicURL); err != nil {
			return err
		}
		_, err = mail.Enqueue(tx, lab, mail.Message{Job: job, Kind: mail.KindReceived,
			DedupeKey: "received:" + job.Id, Data: mail.Data{StatusURL: link}})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return job, link, nil
}

func uniqueShortID(tx core.App) (string, error) {
	for i := 0; i < 8; i++ {
		id := NewShortID()
		if _, err := tx.FindFirstRecordByData(schema.Jobs, "short_id", id); err != nil {
			return id, nil
		}
	}
	return "", errors.New("could not find a free short id after 8 tries")
}

// Archive moves a final job (rejected, cancelled or picked up) to archived as the
// scheduler does after archive_days: through the table, with a system event.
// from is the status the scheduler selected the job in; a job that moved since
// is refused with a conflict and left alone.
func Archive(app core.App, jobID string, from string, now time.Time) error {
	return app.RunInTransaction(func(tx core.App) error {
		job, err := tx.FindRecordById(schema.Jobs, jobID)
		if err != nil {
			return err
		}
		if job.GetString("status") != from {
			return conflict("The job moved to " + schema.Status(job.GetString("status")).Label() + " before it could be archived.")
		}
		_, err = Do(tx, Request{JobID: jobID, Action: ActionArchive, By: Actor{Kind: BySystem}, Now: now})
		return err
	})
}
