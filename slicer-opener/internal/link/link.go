// Package link parses the printjob:// links that the PrintLab dashboard hands to the helper.
//
// Any web page, email or document can fire such a link at a staff PC, so every link is hostile
// until it has passed this parser. The parser accepts exactly one shape,
//
//	printjob://open?job=JOBID&file=model|print&t=TOKEN
//
// and refuses everything else with a reason that is logged.
package link

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Scheme is the URL scheme the helper registers. Letters only: Debian's xdg-open 1.1.3 takes a
// scheme with a digit (print3d:) for a file name.
const Scheme = "printjob"

// MaxLength is the longest link accepted, in bytes.
const MaxLength = 1024

// File kinds a link may ask for.
const (
	FileModel = "model" // the student's upload (a sanitized copy made by the server)
	FilePrint = "print" // the sliced file staff attached
)

// Reasons a link is refused. Every refusal wraps exactly one of them, so callers and tests can
// tell them apart with errors.Is.
var (
	ErrEmpty        = errors.New("empty link")
	ErrTooLong      = errors.New("link too long")
	ErrBadChar      = errors.New("character not allowed")
	ErrScheme       = errors.New("wrong scheme")
	ErrUserinfo     = errors.New("user info not allowed")
	ErrPort         = errors.New("port not allowed")
	ErrHost         = errors.New("wrong host")
	ErrPath         = errors.New("path not allowed")
	ErrFragment     = errors.New("fragment not allowed")
	ErrEncoding     = errors.New("bad percent-encoding")
	ErrUnknownParam = errors.New("unknown parameter")
	ErrDupParam     = errors.New("duplicated parameter")
	ErrMissingParam = errors.New("missing parameter")
	ErrJob          = errors.New("bad job id")
	ErrFile         = errors.New("bad file kind")
	ErrToken        = errors.New("bad token")
)

// Link is a link that passed every check. Its fields are safe to put into a URL path segment.
type Link struct {
	Job   string // PocketBase record id: 15 characters of [a-z0-9]
	File  string // FileModel or FilePrint
	Token string // opaque signed token, checked by the server
}

var (
	jobRe = regexp.MustCompile(`^[a-z0-9]{15}$`)
	// Non-empty base64url segments joined by single dots: no leading, trailing or doubled dot,
	// so a token can never be "." or ".." in a URL path.
	tokenRe = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
)

// Token length limits, in characters.
const (
	MinTokenLen = 20
	MaxTokenLen = 400
)

// allowedChar reports whether c may appear anywhere in a raw link. Everything a valid link needs
// is here, plus '@' and '#' so that user info and fragments are refused by name; quotes, spaces,
// backslashes, '+', shell metacharacters, control characters and every non-ASCII byte (unicode
// lookalikes) are not.
func allowedChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte(":/?&=._-%@#", c) >= 0
}

// Parse checks raw against the one accepted shape and returns its parts. The error wraps one of
// the Err… reasons above.
func Parse(raw string) (Link, error) {
	if raw == "" {
		return Link{}, ErrEmpty
	}
	if len(raw) > MaxLength {
		return Link{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(raw), MaxLength)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; !allowedChar(c) {
			return Link{}, fmt.Errorf("%w: %s at byte %d", ErrBadChar, describeByte(c), i)
		}
	}
	colon := strings.IndexByte(raw, ':')
	if colon < 0 || !strings.EqualFold(raw[:colon], Scheme) {
		return Link{}, fmt.Errorf("%w: want %s:", ErrScheme, Scheme)
	}
	rest := raw[colon+1:]
	if strings.Contains(rest, "#") {
		return Link{}, ErrFragment
	}
	// The authority is compared literally, so percent-encoded or differently cased forms of
	// "open" that a URL library would normalise are refused too.
	var authority, tail string
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		i := strings.IndexAny(after, "/?")
		if i < 0 {
			i = len(after)
		}
		authority, tail = after[:i], after[i:]
		if strings.Contains(authority, "@") {
			return Link{}, ErrUserinfo
		}
		if strings.Contains(authority, ":") {
			return Link{}, ErrPort
		}
	} else {
		// printjob:open?… is the same link without an authority.
		i := strings.IndexAny(rest, "/?")
		if i < 0 {
			i = len(rest)
		}
		authority, tail = rest[:i], rest[i:]
	}
	if authority != "open" {
		return Link{}, fmt.Errorf("%w: want open", ErrHost)
	}
	tail = strings.TrimPrefix(tail, "/")
	if tail == "" {
		return Link{}, fmt.Errorf("%w: job, file, t", ErrMissingParam)
	}
	if tail[0] != '?' {
		return Link{}, ErrPath
	}
	return parseQuery(tail[1:])
}

// parseQuery reads the query by hand rather than with url.ParseQuery: keys are compared
// literally (no decoding, so "jo%62" is not "job"), each must appear exactly once, and decoded
// values may not contain anything that could act as a separator.
func parseQuery(q string) (Link, error) {
	if q == "" {
		return Link{}, fmt.Errorf("%w: job, file, t", ErrMissingParam)
	}
	seen := map[string]string{}
	for _, part := range strings.Split(q, "&") {
		key, val, hasEq := strings.Cut(part, "=")
		switch key {
		case "job", "file", "t":
		default:
			return Link{}, fmt.Errorf("%w: %q", ErrUnknownParam, truncate(key, 20))
		}
		if _, dup := seen[key]; dup {
			return Link{}, fmt.Errorf("%w: %s", ErrDupParam, key)
		}
		if !hasEq {
			return Link{}, fmt.Errorf("%w: %s has no value", ErrMissingParam, key)
		}
		dec, err := url.PathUnescape(val)
		if err != nil {
			return Link{}, fmt.Errorf("%w: %s", ErrEncoding, key)
		}
		if strings.ContainsAny(dec, "/\\%?#&=:;\x00") {
			return Link{}, fmt.Errorf("%w: %s decodes to a separator", ErrEncoding, key)
		}
		seen[key] = dec
	}
	for _, k := range []string{"job", "file", "t"} {
		if _, ok := seen[k]; !ok {
			return Link{}, fmt.Errorf("%w: %s", ErrMissingParam, k)
		}
	}
	l := Link{Job: seen["job"], File: seen["file"], Token: seen["t"]}
	if !jobRe.MatchString(l.Job) {
		return Link{}, fmt.Errorf("%w: want 15 characters a-z 0-9", ErrJob)
	}
	if l.File != FileModel && l.File != FilePrint {
		return Link{}, fmt.Errorf("%w: want model or print", ErrFile)
	}
	if n := len(l.Token); n < MinTokenLen || n > MaxTokenLen {
		return Link{}, fmt.Errorf("%w: %d characters, want %d to %d", ErrToken, n, MinTokenLen, MaxTokenLen)
	}
	if !tokenRe.MatchString(l.Token) {
		return Link{}, fmt.Errorf("%w: want base64url segments joined by dots", ErrToken)
	}
	return l, nil
}

// TokenHint is the part of a token that may be logged: its first six characters.
func TokenHint(token string) string {
	if len(token) <= 6 {
		return token + "..."
	}
	return token[:6] + "..."
}

// tokenInRaw finds a t= value in an unparsed link, whatever its case or position.
var tokenInRaw = regexp.MustCompile(`(?i)([?&;]t=)([^&#;]*)`)

// Redact turns an untrusted raw link into something safe to log: cut to 200 bytes, token values
// cut to their first six characters, non-printable bytes escaped. Cutting first keeps the cost
// bounded whatever the size of the input.
func Redact(raw string) string {
	red := tokenInRaw.ReplaceAllStringFunc(truncate(raw, 200), func(m string) string {
		sub := tokenInRaw.FindStringSubmatch(m)
		v := sub[2]
		if len(v) > 6 {
			v = v[:6]
		}
		return sub[1] + v + "..."
	})
	q := fmt.Sprintf("%+q", red)
	return q[1 : len(q)-1]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func describeByte(c byte) string {
	switch {
	case c == 0:
		return "NUL"
	case c < 0x20 || c == 0x7f:
		return fmt.Sprintf("control character 0x%02x", c)
	case c >= 0x80:
		return "non-ASCII byte"
	case c == ' ':
		return "space"
	}
	return fmt.Sprintf("%q", c)
}
