package model3d

import "testing"

// TestHeatshrinkBits pins the bit layout by hand: literal 'A' (1 01000001)
// then a back-reference with offset 1, count 3 (0, 11 zero bits, 0010).
func TestHeatshrinkBits(t *testing.T) {
	out, ok := heatshrinkDecode([]byte{0xA0, 0x80, 0x01, 0x00}, 11, 4, 4)
	if !ok || string(out) != "AAAA" {
		t.Fatalf("got %q %v", out, ok)
	}
	if _, ok := heatshrinkDecode([]byte{0xA0}, 11, 4, 4); ok {
		t.Fatal("short stream accepted")
	}
	// A reference before the start reads the zero-filled window.
	out, ok = heatshrinkDecode([]byte{0x00, 0x01}, 11, 4, 2)
	if !ok || string(out) != "\x00\x00" {
		t.Fatalf("window: %q %v", out, ok)
	}
}
