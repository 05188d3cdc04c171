package link

import (
	"strings"
	"testing"
)

// FuzzParseLink checks that Parse never panics and that whatever it accepts is safe to use: every
// field matches its strict pattern, the link rebuilt from the fields parses to the same result,
// and the logged form never holds the whole token.
func FuzzParseLink(f *testing.F) {
	for _, s := range []string{
		good("job=" + goodJob + "&file=model&t=" + goodToken),
		"printjob://open/?job=" + goodJob + "&file=print&t=" + goodToken,
		"printjob:open?job=" + goodJob + "&file=model&t=" + goodToken,
		good("job=%61bc123def456ghi&file=mod%65l&t=" + goodToken),
		good("job=abc%2F..%2F..%2Fdef&file=model&t=" + goodToken),
		"printjob://user@open:80/x?job=a&job=b#f",
		"printjob://open?job=" + goodJob + "&file=model&t=" + goodToken + "&server=evil",
		"printjоb://open?job=" + goodJob,
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		l, err := Parse(raw)
		red := Redact(raw)
		if len(red) > 4*210 {
			t.Fatalf("Redact output too long: %d", len(red))
		}
		if err != nil {
			return
		}
		if len(raw) > MaxLength {
			t.Fatalf("accepted a %d-byte link", len(raw))
		}
		if !jobRe.MatchString(l.Job) || (l.File != FileModel && l.File != FilePrint) ||
			!tokenRe.MatchString(l.Token) || len(l.Token) < MinTokenLen || len(l.Token) > MaxTokenLen {
			t.Fatalf("accepted bad fields: %+v", l)
		}
		if strings.ContainsAny(l.Job+l.File+l.Token, "/\\%:\x00") || strings.Contains(l.Token, "..") {
			t.Fatalf("accepted a separator: %+v", l)
		}
		again, err := Parse("printjob://open?job=" + l.Job + "&file=" + l.File + "&t=" + l.Token)
		if err != nil || again != l {
			t.Fatalf("canonical form of %+v does not round-trip: %+v, %v", l, again, err)
		}
		if strings.Contains(red, l.Token) {
			t.Fatalf("Redact(%q) = %q holds the token", raw, red)
		}
	})
}
