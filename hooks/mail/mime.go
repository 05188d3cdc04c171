package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// envelope is one email ready to go: the RFC 5322 bytes and the SMTP envelope.
type envelope struct {
	From string
	To   string
	Raw  []byte
}

// outgoing is what buildMessage needs from a row and the settings.
type outgoing struct {
	From      mail.Address
	ReplyTo   string
	To        string
	Subject   string
	MessageID string
	Date      time.Time
	HTML      string
	Text      string
	Kind      string
}

// buildMessage writes a multipart/alternative message (plain text first, so
// clients that cannot show HTML show the text). Its bytes depend only on the
// row, the boundary included, so a repeated delivery is the identical message.
func buildMessage(m outgoing) []byte {
	sum := sha256.Sum256([]byte(m.MessageID))
	boundary := "printlab-" + hex.EncodeToString(sum[:12])

	var b bytes.Buffer
	header := func(k, v string) {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteString("\r\n")
	}
	header("From", m.From.String())
	header("To", (&mail.Address{Address: m.To}).String())
	if m.ReplyTo != "" {
		if a, err := mail.ParseAddress(m.ReplyTo); err == nil {
			header("Reply-To", a.String())
		}
	}
	header("Subject", mime.QEncoding.Encode("utf-8", cleanHeader(m.Subject)))
	header("Date", m.Date.Format(time.RFC1123Z))
	header("Message-ID", m.MessageID)
	// RFC 3834: tells autoresponders not to answer, which avoids mail loops.
	header("Auto-Submitted", "auto-generated")
	header("X-PrintLab-Kind", cleanHeader(m.Kind))
	header("MIME-Version", "1.0")
	header("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")

	part := func(contentType, body string) {
		b.WriteString("--" + boundary + "\r\n")
		b.WriteString("Content-Type: " + contentType + "; charset=utf-8\r\n")
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
		qp := quotedprintable.NewWriter(&b)
		qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")))
		qp.Close()
		b.WriteString("\r\n")
	}
	part("text/plain", m.Text)
	part("text/html", m.HTML)
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes()
}
