package model3d

import (
	"io"
	"math"
	"strconv"
)

// chunkSize is the read size of the streaming text scanners: large enough
// that syscalls and refills are negligible, small enough to stay in cache.
const chunkSize = 256 << 10

// textScanner streams whitespace-separated tokens or lines out of a reader
// without holding the whole file, refusing tokens/lines over max bytes.
type textScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	err      error
	max      int
	line     int // 1-based line of the last token or line returned
}

// newTextScanner starts with a buffer sized for the input (sizeHint bytes,
// or a chunk) and grows it only when a long token or line needs it, so
// small inputs stay cheap.
func newTextScanner(r io.Reader, max int, sizeHint int64) *textScanner {
	return &textScanner{r: r, buf: make([]byte, initialBuf(sizeHint)), max: max, line: 1}
}

func initialBuf(sizeHint int64) int {
	if sizeHint <= 0 || sizeHint >= chunkSize {
		return chunkSize
	}
	return max(int(sizeHint)+1, 4096)
}

// grow enlarges a full scan buffer up to limit; it returns the buffer
// unchanged when it is already at the limit.
func grow(buf []byte, end, limit int) []byte {
	if end < len(buf) || len(buf) >= limit {
		return buf
	}
	nb := make([]byte, min(2*len(buf), limit))
	copy(nb, buf[:end])
	return nb
}

// fill moves the unread bytes to the front and reads more. It returns false
// when nothing more can be read.
func (s *textScanner) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
	}
	s.buf = grow(s.buf, s.end, chunkSize+s.max)
	if s.end == len(s.buf) {
		return false
	}
	n, err := io.ReadFull(s.r, s.buf[s.end:])
	s.end += n
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		s.eof = true
	} else if err != nil {
		s.err = err
		s.eof = true
	}
	return n > 0
}

// spaceTab makes the whitespace test one load in the scanners' hot loops.
var spaceTab = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\f': true, '\v': true}

func isSpace(c byte) bool { return spaceTab[c] }

// appendCap returns s with room for n more elements, doubling the
// capacity when it must grow: append's 1.25× growth for large slices
// would copy a 1M-triangle mesh about twenty times.
func appendCap[T any](s []T, n int) []T {
	if len(s)+n <= cap(s) {
		return s
	}
	ns := make([]T, len(s), max(2*cap(s), len(s)+n, 1024))
	copy(ns, s)
	return ns
}

// sizeEstimate guesses how many elements a text file of size bytes holds
// when each takes at least per bytes, capped; untouched capacity costs
// only address space, not memory.
func sizeEstimate(size int64, per int64, limit int) int {
	n := size / per
	if limit > 0 && n > int64(limit) {
		n = int64(limit)
	}
	return int(min(n, 1<<28))
}

// token returns the next whitespace-separated token, or nil at the end.
// The slice is valid until the next call. ok is false if a token is longer
// than the scanner's max.
func (s *textScanner) token() (tok []byte, ok bool) {
	for {
		for s.pos < s.end && isSpace(s.buf[s.pos]) {
			if s.buf[s.pos] == '\n' {
				s.line++
			}
			s.pos++
		}
		if s.pos < s.end {
			break
		}
		if !s.fill() {
			return nil, true
		}
	}
	i := s.pos
	for {
		for i < s.end && !isSpace(s.buf[i]) {
			i++
		}
		if i < s.end || s.eof {
			tok = s.buf[s.pos:i]
			s.pos = i
			return tok, len(tok) <= s.max
		}
		if i-s.pos >= s.max {
			return nil, false
		}
		off := i - s.pos
		if !s.fill() {
			tok = s.buf[s.pos:s.end]
			s.pos = s.end
			return tok, len(tok) <= s.max
		}
		i = s.pos + off
	}
}

// nextLine returns the next line without its terminator, or ok=false at
// the end. tooLong reports a line over the scanner's max.
func (s *textScanner) nextLine() (line []byte, ok, tooLong bool) {
	if s.pos >= s.end && !s.fill() {
		return nil, false, false
	}
	i := s.pos
	for {
		for i < s.end && s.buf[i] != '\n' {
			i++
		}
		if i < s.end || s.eof {
			line = s.buf[s.pos:i]
			s.pos = i
			if i < s.end {
				s.pos++
			}
			s.line++
			if len(line) > s.max {
				return nil, false, true
			}
			return line, true, false
		}
		if i-s.pos >= s.max {
			return nil, false, true
		}
		off := i - s.pos
		if !s.fill() {
			line = s.buf[s.pos:s.end]
			s.pos = s.end
			return line, len(line) <= s.max, len(line) > s.max
		}
		i = s.pos + off
	}
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat parses a decimal number as written by CAD exporters. Numbers
// with at most 15 significant digits and a small exponent take an exact
// fast path (Clinger); anything else goes through strconv. NaN and
// infinities are refused (ok=false) because they poison every later sum.
func parseFloat(b []byte) (float64, bool) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var mant uint64
	digits, exp := 0, 0
	sawDigit := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		sawDigit = true
		if mant == 0 && b[i] == '0' {
			continue
		}
		if digits < 19 {
			mant = mant*10 + uint64(b[i]-'0')
			digits++
		} else {
			exp++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			sawDigit = true
			if mant == 0 && b[i] == '0' {
				exp--
				continue
			}
			if digits < 19 {
				mant = mant*10 + uint64(b[i]-'0')
				digits++
				exp--
			}
		}
	}
	if !sawDigit {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			eneg = b[i] == '-'
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		e := 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if e < 10000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(b) {
		return 0, false
	}
	if mant == 0 {
		if neg {
			return math.Copysign(0, -1), true
		}
		return 0, true
	}
	if digits <= 15 && exp >= -22 && exp <= 22 {
		f := float64(mant)
		if exp < 0 {
			f /= pow10[-exp]
		} else {
			f *= pow10[exp]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// parseInt parses a decimal integer that fits in an int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	i := 0
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
		if len(b) == 1 {
			return 0, false
		}
	}
	var n int64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// finite32 reports whether v is a finite float32 value once converted.
func finite32(v float64) bool {
	return v <= math.MaxFloat32 && v >= -math.MaxFloat32
}

// quote shortens untrusted text for use inside an error message.
func quote(b []byte) string {
	if len(b) > 40 {
		b = append(b[:37:37], "..."...)
	}
	return strconv.Quote(string(b))
}
