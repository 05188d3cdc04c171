package model3d

// heatshrinkDecode decodes a heatshrink (LZSS) stream as PrusaSlicer
// writes it into binary G-code: an MSB-first bit stream of items, each a
// tag bit 1 + 8-bit literal, or a tag bit 0 + window-bit (offset-1) +
// lookahead-bit (count-1) back-reference. The window starts zero-filled,
// so references before the start produce zero bytes. Output stops at
// want bytes; a stream that ends early is an error.
func heatshrinkDecode(in []byte, window, lookahead uint, want int) ([]byte, bool) {
	out := make([]byte, 0, want)
	var pos uint // bit position in in
	total := uint(len(in)) * 8
	bits := func(n uint) (uint, bool) {
		if pos+n > total {
			return 0, false
		}
		var v uint
		for range n {
			v = v<<1 | uint(in[pos>>3]>>(7-pos&7)&1)
			pos++
		}
		return v, true
	}
	for len(out) < want {
		tag, ok := bits(1)
		if !ok {
			return nil, false
		}
		if tag == 1 {
			b, ok := bits(8)
			if !ok {
				return nil, false
			}
			out = append(out, byte(b))
			continue
		}
		idx, ok := bits(window)
		if !ok {
			return nil, false
		}
		cnt, ok := bits(lookahead)
		if !ok {
			return nil, false
		}
		off := int(idx) + 1
		for range int(cnt) + 1 {
			if len(out) >= want {
				break
			}
			var c byte
			if off <= len(out) {
				c = out[len(out)-off]
			}
			out = append(out, c)
		}
	}
	return out, true
}
