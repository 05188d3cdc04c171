package link

import (
	"errors"
	"strings"
	"testing"
)

const (
	goodJob   = "abc123def456ghi"
	goodToken = "eyJqb2IiOiJhYmMifQ.c2lnbmF0dXJlX2hlcmU"
)

func good(q string) string { return "printjob://open?" + q }

func TestParseValid(t *testing.T) {
	tests := []struct {
		raw  string
		want Link
	}{
		{good("job=" + goodJob + "&file=model&t=" + goodToken), Link{goodJob, FileModel, goodToken}},
		{good("job=" + goodJob + "&file=print&t=" + goodToken), Link{goodJob, FilePrint, goodToken}},
		{"printjob://open/?job=" + goodJob + "&file=model&t=" + goodToken, Link{goodJob, FileModel, goodToken}},
		{"PRINTJOB://open?job=" + goodJob + "&file=model&t=" + goodToken, Link{goodJob, FileModel, goodToken}},
		{"PrintJob://open?t=" + goodToken + "&file=print&job=" + goodJob, Link{goodJob, FilePrint, goodToken}},
		{"printjob:open?job=" + goodJob + "&file=model&t=" + goodToken, Link{goodJob, FileModel, goodToken}},
		// Unreserved characters may arrive percent-encoded; they decode to the same link.
		{good("job=%61bc123def456ghi&file=mod%65l&t=" + goodToken), Link{goodJob, FileModel, goodToken}},
		{good("job=" + goodJob + "&file=model&t=" + strings.Repeat("a", 20)), Link{goodJob, FileModel, strings.Repeat("a", 20)}},
		{good("job=" + goodJob + "&file=model&t=" + strings.Repeat("A_-9", 100)), Link{goodJob, FileModel, strings.Repeat("A_-9", 100)}},
		{good("job=000000000000000&file=model&t=a.b.c.d.e.f.g.h.i.j.k"), Link{"000000000000000", FileModel, "a.b.c.d.e.f.g.h.i.j.k"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.raw)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.raw, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.raw, got, tt.want)
		}
	}
}

func TestParseHostile(t *testing.T) {
	j, tk := goodJob, goodToken
	rest := "&file=model&t=" + tk
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"no scheme", "open?job=" + j + rest, ErrScheme},
		{"http scheme", "http://open?job=" + j + rest, ErrScheme},
		{"https elsewhere", "https://evil.example/?job=" + j + rest, ErrScheme},
		{"file scheme", "file:///etc/passwd", ErrScheme},
		{"javascript", "javascript:alert(1)", ErrBadChar},
		{"print3d scheme", "print3d://open?job=" + j + rest, ErrScheme},
		{"prefix scheme", "xprintjob://open?job=" + j + rest, ErrScheme},
		{"suffix scheme", "printjobs://open?job=" + j + rest, ErrScheme},
		{"prusaslicer scheme", "prusaslicer://open?file=https://evil.example/a.3mf", ErrScheme},
		{"wrong host", "printjob://download?job=" + j + rest, ErrHost},
		{"uppercase host", "printjob://OPEN?job=" + j + rest, ErrHost},
		{"encoded host", "printjob://op%65n?job=" + j + rest, ErrHost},
		{"empty host", "printjob:///open?job=" + j + rest, ErrHost},
		{"host with dot", "printjob://open.evil.example?job=" + j + rest, ErrHost},
		{"userinfo", "printjob://user@open?job=" + j + rest, ErrUserinfo},
		{"empty userinfo", "printjob://@open?job=" + j + rest, ErrUserinfo},
		{"user and password", "printjob://a:b@open?job=" + j + rest, ErrUserinfo},
		{"port", "printjob://open:8080?job=" + j + rest, ErrPort},
		{"empty port", "printjob://open:?job=" + j + rest, ErrPort},
		{"fragment", good("job="+j+rest) + "#frag", ErrFragment},
		{"empty fragment", good("job="+j+rest) + "#", ErrFragment},
		{"path", "printjob://open/etc/passwd?job=" + j + rest, ErrPath},
		{"dot-dot path", "printjob://open/../../x?job=" + j + rest, ErrPath},
		{"double slash path", "printjob://open//?job=" + j + rest, ErrPath},
		{"no query", "printjob://open", ErrMissingParam},
		{"empty query", "printjob://open?", ErrMissingParam},
		{"missing job", good("file=model&t=" + tk), ErrMissingParam},
		{"missing file", good("job=" + j + "&t=" + tk), ErrMissingParam},
		{"missing token", good("job=" + j + "&file=model"), ErrMissingParam},
		{"param without value", good("job=" + j + "&file&t=" + tk), ErrMissingParam},
		{"extra param", good("job="+j+rest) + "&x=1", ErrUnknownParam},
		{"server param", good("job="+j+rest) + "&server=evil.example", ErrUnknownParam},
		{"url param", good("job="+j+rest) + "&url=https://evil.example", ErrUnknownParam},
		{"uppercase key", good("JOB=" + j + rest), ErrUnknownParam},
		{"encoded key", good("jo%62=" + j + rest), ErrUnknownParam},
		{"trailing ampersand", good("job="+j+rest) + "&", ErrUnknownParam},
		{"double ampersand", good("job=" + j + "&&file=model&t=" + tk), ErrUnknownParam},
		{"duplicated job", good("job=" + j + "&job=" + j + rest), ErrDupParam},
		{"duplicated token", good("job="+j+rest) + "&t=" + tk, ErrDupParam},
		{"duplicated file", good("job=" + j + "&file=print" + rest), ErrDupParam},
		{"file is a url", good("job=" + j + "&file=https://elsewhere/x.3mf&t=" + tk), ErrEncoding},
		{"file is a path", good("job=" + j + "&file=../../etc/passwd&t=" + tk), ErrEncoding},
		{"file other kind", good("job=" + j + "&file=gcode&t=" + tk), ErrFile},
		{"file uppercase", good("job=" + j + "&file=MODEL&t=" + tk), ErrFile},
		{"file empty", good("job=" + j + "&file=&t=" + tk), ErrFile},
		{"job dot-dot", good("job=../../../../x" + rest), ErrEncoding},
		{"job encoded slash", good("job=abc%2F..%2F..%2Fdef" + rest), ErrEncoding},
		{"job encoded backslash", good("job=abc%5C..%5Cwin.ini" + rest), ErrEncoding},
		{"job encoded NUL", good("job=abc123def456gh%00" + rest), ErrEncoding},
		{"job double encoded", good("job=abc123def456%252F" + rest), ErrEncoding},
		{"job bad escape", good("job=abc123def456g%zz" + rest), ErrEncoding},
		{"job truncated escape", good("job=abc123def456gh%" + rest), ErrEncoding},
		{"job encoded ampersand", good("job=abc123def456%26server" + rest), ErrEncoding},
		{"job encoded colon", good("job=C%3A%5CWindows%5Cx" + rest), ErrEncoding},
		{"job uppercase", good("job=ABC123DEF456GHI" + rest), ErrJob},
		{"job too short", good("job=abc123def456gh" + rest), ErrJob},
		{"job too long", good("job=abc123def456ghij" + rest), ErrJob},
		{"job empty", good("job=" + rest), ErrJob},
		{"job underscore", good("job=abc_123def456gh" + rest), ErrJob},
		{"job encoded space", good("job=abc123def456g%20" + rest), ErrJob},
		{"job encoded unicode", good("job=abc123def456g%D0%B0" + rest), ErrJob},
		{"job encoded quote", good("job=abc123def456g%22" + rest), ErrJob},
		{"token too short", good("job=" + j + "&file=model&t=" + strings.Repeat("a", 19)), ErrToken},
		{"token too long", good("job=" + j + "&file=model&t=" + strings.Repeat("a", 401)), ErrToken},
		{"token leading dot", good("job=" + j + "&file=model&t=." + strings.Repeat("a", 30)), ErrToken},
		{"token double dot", good("job=" + j + "&file=model&t=abcdefghij..klmnopqrst"), ErrToken},
		{"token all dots", good("job=" + j + "&file=model&t=" + strings.Repeat(".", 25)), ErrToken},
		{"token encoded slash", good("job=" + j + "&file=model&t=" + tk + "%2F..%2Fx"), ErrEncoding},
		{"token encoded percent", good("job=" + j + "&file=model&t=" + tk + "%25"), ErrEncoding},
		{"token with at", good("job=" + j + "&file=model&t=" + tk + "@evil"), ErrToken},
		{"absolute path job", good("job=/etc/passwd" + rest), ErrEncoding},
		{"windows path", `printjob://open?job=C:\Windows\win.ini` + rest, ErrBadChar},
		{"UNC path", `printjob://\\attacker\share\m.3mf`, ErrBadChar},
		{"UNC forward", "printjob:////attacker/share/m.3mf", ErrHost},
		{"file url in token", good("job=" + j + "&file=model&t=file:///etc/passwd"), ErrEncoding},
		{"NUL byte", good("job=" + j + "\x00" + rest), ErrBadChar},
		{"newline", good("job="+j+rest) + "\n", ErrBadChar},
		{"CR LF injection", good("job="+j+rest) + "\r\nX: y", ErrBadChar},
		{"tab", "printjob://open?\tjob=" + j + rest, ErrBadChar},
		{"DEL", good("job="+j+rest) + "\x7f", ErrBadChar},
		{"escape char", "\x1bprintjob://open?job=" + j + rest, ErrBadChar},
		{"space", good("job= " + j + rest), ErrBadChar},
		{"leading space", " " + good("job="+j+rest), ErrBadChar},
		{"double quote", good("job=" + j + `"&file=model&t=` + tk), ErrBadChar},
		{"quote breakout", good("job="+j+rest) + `" --gcodeviewer "`, ErrBadChar},
		{"single quote", good("job="+j+rest) + "'", ErrBadChar},
		{"semicolon", good("job="+j+rest) + ";touch x", ErrBadChar},
		{"pipe", good("job="+j+rest) + "|id", ErrBadChar},
		{"backtick", good("job="+j+rest) + "`id`", ErrBadChar},
		{"dollar", good("job="+j+rest) + "$(id)", ErrBadChar},
		{"redirect", good("job="+j+rest) + ">x", ErrBadChar},
		{"plus", good("job="+j+rest) + "+", ErrBadChar},
		{"electron style switch", good("job="+j+rest) + " --gpu-launcher=calc", ErrBadChar},
		{"cyrillic a in scheme", "printjоb://open?job=" + j + rest, ErrBadChar},
		{"fullwidth slash", "printjob:／／open?job=" + j + rest, ErrBadChar},
		{"cyrillic in host", "printjob://оpen?job=" + j + rest, ErrBadChar},
		{"unicode in job", good("job=abc123def456gһi" + rest), ErrBadChar},
		{"invalid utf8", good("job="+j+rest) + "\xff", ErrBadChar},
		{"overlong link", good("job="+j+rest) + "&x=" + strings.Repeat("a", MaxLength), ErrTooLong},
		{"semicolon separator", good("job=" + j + ";file=model;t=" + tk), ErrBadChar},
	}
	if len(tests) < 50 {
		t.Fatalf("only %d hostile links", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.raw)
			if err == nil {
				t.Fatalf("Parse(%q) accepted: %+v", tt.raw, got)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q) = %v, want reason %v", tt.raw, err, tt.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	raw := good("job=" + goodJob + "&file=model&t=" + goodToken)
	got := Redact(raw)
	if strings.Contains(got, goodToken) {
		t.Fatalf("Redact kept the token: %s", got)
	}
	if !strings.Contains(got, "t="+goodToken[:6]+"...") {
		t.Fatalf("Redact lost the token hint: %s", got)
	}
	for _, raw := range []string{"x?T=" + goodToken, "x&t=" + goodToken + "&t=" + goodToken, "x;t=" + goodToken} {
		if got := Redact(raw); strings.Contains(got, goodToken) {
			t.Errorf("Redact(%q) kept the token: %s", raw, got)
		}
	}
	if got := Redact("a\x00b\nc"); strings.ContainsAny(got, "\x00\n") {
		t.Errorf("Redact kept control characters: %q", got)
	}
	if got := TokenHint(goodToken); got != goodToken[:6]+"..." {
		t.Errorf("TokenHint = %q", got)
	}
}

// TestRedactLargeInput guards against logging cost growing with the input: an unbounded regexp
// pass over a 1 MB argument once took seconds.
func TestRedactLargeInput(t *testing.T) {
	got := Redact(strings.Repeat("&t=", 1<<18))
	if len(got) > 1024 {
		t.Fatalf("Redact output is %d bytes", len(got))
	}
}
