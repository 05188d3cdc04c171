package notify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	long := strings.Repeat("é", MaxLen)
	got := clip(long)
	if !utf8.ValidString(got) || len(got) > MaxLen+len("…") {
		t.Fatalf("clip broke the text: %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if clip("  short \n") != "short" {
		t.Fatal("short message changed")
	}
}
