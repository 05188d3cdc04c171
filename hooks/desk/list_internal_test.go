package desk

import (
	"encoding/json"
	"testing"
)

// FuzzAppendJSONString holds the list's hand-written string encoder to
// encoding/json's output for any input: quotes, control characters, HTML
// characters, line separators and broken UTF-8 from a student's name.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "Jane", `O'Brien "JJ" \ back`, "tab\there\nnew\rline\x00\x1f", "<script>&amp;</script>",
		"Zoë Ünal 山田 🎉", "\u2028\u2029", "\xff\xfe bad", "\xe2\x80", "a\u007fb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

// The byte form the list writes rows with is the same encoder.
func FuzzAppendJSONBytes(f *testing.F) {
	f.Add([]byte("Zoë \"Q\" <b>\xff\u2028"))
	f.Fuzz(func(t *testing.T, s []byte) {
		want, _ := json.Marshal(string(s))
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
