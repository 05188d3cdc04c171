package model3d

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
)

// safeZip is a zip archive opened with every hostile-archive check applied:
// entry count, entry names, declared sizes and ratios up front, and bytes
// counted while inflating (headers can lie).
type safeZip struct {
	files    map[string]*zip.File
	order    []*zip.File
	lim      Limits
	inflated int64 // bytes inflated so far across all entries
}

func openZip(r io.ReaderAt, size int64, lim Limits) (*safeZip, error) {
	var head [4]byte
	if n, _ := r.ReadAt(head[:], 0); n < 4 || string(head[:]) != "PK\x03\x04" {
		return nil, notAZip()
	}
	// archive/zip allocates every central-directory entry before we could
	// count them, so check the count in the end record first.
	if n, ok := zipEntryCount(r, size); ok && lim.MaxZipEntries > 0 && n > uint64(lim.MaxZipEntries) {
		return nil, tooManyEntries(n, lim)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, notAZip()
	}
	if lim.MaxZipEntries > 0 && len(zr.File) > lim.MaxZipEntries {
		return nil, tooManyEntries(uint64(len(zr.File)), lim)
	}
	z := &safeZip{files: make(map[string]*zip.File, len(zr.File)), lim: lim}
	var total uint64
	for _, f := range zr.File {
		if !safeZipName(f.Name) {
			return nil, newErr(CodeUnsafeName, "The 3MF package contains a file named %q, which tries to reach outside the package; this is a known attack, so the file was refused.", truncName([]byte(f.Name)))
		}
		if _, dup := z.files[f.Name]; dup {
			return nil, newErr(CodeUnsafeName, "The 3MF package contains the file %q twice, so it is ambiguous which one counts; it was refused. Please export the model again.", truncName([]byte(f.Name)))
		}
		z.files[f.Name] = f
		z.order = append(z.order, f)
		total += f.UncompressedSize64
		if lim.MaxUncompressed > 0 && total > uint64(lim.MaxUncompressed) {
			return nil, zipBomb(lim)
		}
		if lim.MaxRatio > 0 && f.UncompressedSize64 > ratioFloor &&
			float64(f.UncompressedSize64) > lim.MaxRatio*float64(f.CompressedSize64) {
			return nil, zipBomb(lim)
		}
	}
	return z, nil
}

func tooManyEntries(n uint64, lim Limits) *Error {
	return newErr(CodeTooManyEntries, "The 3MF package contains %s files; real 3MF files have a few dozen at most (limit %s), so it was refused. Please export the model again.", num(n), num(lim.MaxZipEntries))
}

// zipEntryCount reads the entry count from the end-of-central-directory
// record (or its ZIP64 form). ok is false if the record is not found;
// archive/zip then reports the damage itself.
func zipEntryCount(r io.ReaderAt, size int64) (uint64, bool) {
	const eocdLen, maxComment = 22, 65535
	n := min(size, eocdLen+maxComment)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return 0, false
	}
	count := uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	if count != 0xffff {
		return count, true
	}
	// ZIP64: the locator sits just before the end record and points at
	// the ZIP64 end record, whose total entry count is at offset 32.
	loc := int64(i) + (size - n) - 20
	var lb [20]byte
	if loc < 0 {
		return 0, false
	}
	if _, err := r.ReadAt(lb[:], loc); err != nil || string(lb[:4]) != "PK\x06\x07" {
		return 0, false
	}
	off := int64(binary.LittleEndian.Uint64(lb[8:]))
	var rec [40]byte
	if off < 0 || off > size-40 {
		return 0, false
	}
	if _, err := r.ReadAt(rec[:], off); err != nil || string(rec[:4]) != "PK\x06\x06" {
		return 0, false
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
}

func notAZip() *Error {
	return newErr(CodeNotAZip, "This .3mf file is not a valid 3MF package (a 3MF file is a zip archive, and this one is not, or is damaged). Please export the model again, or upload it as .stl.")
}

func zipBomb(lim Limits) *Error {
	return newErr(CodeZipBomb, "The 3MF package would unpack to more than %s or is compressed far more than real models are (a \"zip bomb\"), so it was refused. Please export the model again.", mib(lim.MaxUncompressed))
}

// safeZipName refuses absolute paths, drive letters, backslashes, NUL and
// ".." segments, which could escape a folder if anyone ever extracted it.
func safeZipName(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") || name[0] == '/' {
		return false
	}
	if len(name) >= 2 && name[1] == ':' {
		return false
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == ".." {
			return false
		}
	}
	return true
}

// lookup finds a part by its OPC name ("/3D/3dmodel.model" or relative),
// falling back to a case-insensitive match as OPC names are
// case-insensitive.
func (z *safeZip) lookup(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	if f, ok := z.files[name]; ok {
		return f
	}
	for _, f := range z.order {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// open returns a reader for an entry that stops with a zip_bomb error as
// soon as the inflated bytes exceed the entry's or the package's budget.
func (z *safeZip) open(f *zip.File) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, newErr(CodeNotAZip, "The 3MF package is damaged (the part %q cannot be unpacked). Please export the model again.", truncName([]byte(f.Name)))
	}
	return &countingReader{rc: rc, z: z, compressed: f.CompressedSize64, declared: f.UncompressedSize64, name: f.Name}, nil
}

type countingReader struct {
	rc         io.ReadCloser
	z          *safeZip
	n          int64
	compressed uint64
	declared   uint64
	name       string
}

// Read inflates and enforces the entry's and the package's budgets.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.n += int64(n)
	c.z.inflated += int64(n)
	lim := c.z.lim
	if lim.MaxUncompressed > 0 && c.z.inflated > lim.MaxUncompressed {
		return n, zipBomb(lim)
	}
	if lim.MaxRatio > 0 && c.n > ratioFloor && float64(c.n) > lim.MaxRatio*float64(c.compressed) {
		return n, zipBomb(lim)
	}
	if err != nil && err != io.EOF {
		var e *Error
		if errors.As(err, &e) {
			return n, e
		}
		// archive/zip stops a stream that inflates past its declared size:
		// a header that lies about the size is a zip bomb.
		if errors.Is(err, zip.ErrFormat) && c.n+int64(len(p)) > int64(c.declared) {
			return n, zipBomb(lim)
		}
		// archive/zip reports checksum failures and streams longer than
		// their header as ErrFormat/ErrChecksum.
		return n, newErr(CodeNotAZip, "The 3MF package is damaged (the part %q does not unpack cleanly). Please export the model again.", truncName([]byte(c.name)))
	}
	return n, err
}

// Close closes the entry.
func (c *countingReader) Close() error { return c.rc.Close() }

// readAll reads a whole (small) entry, refusing more than max bytes.
func (z *safeZip) readAll(f *zip.File, max int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(max) {
		return nil, newErr(CodeTooLarge, "The part %q of the 3MF package is larger than %s, which it never needs to be, so the file was refused.", truncName([]byte(f.Name)), mib(max))
	}
	rc, err := z.open(f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, newErr(CodeTooLarge, "The part %q of the 3MF package is larger than %s, which it never needs to be, so the file was refused.", truncName([]byte(f.Name)), mib(max))
	}
	return b, nil
}

// prefetchChunk is the unit handed from the inflating goroutine to the
// parser; parts under prefetchMin are read directly.
const (
	prefetchChunk = 256 << 10
	prefetchMin   = 4 << 20
)

// prefetchReader inflates a zip entry in its own goroutine, a few chunks
// ahead of the parser, so that inflating and parsing a large model part
// use both cores.
type prefetchReader struct {
	rc   io.ReadCloser
	ch   chan []byte
	free chan []byte
	done chan struct{}
	exit chan struct{}
	err  error // set by the producer before it closes ch
	cur  []byte
	buf  []byte // the chunk cur points into, returned to free when drained
}

func newPrefetchReader(rc io.ReadCloser) *prefetchReader {
	p := &prefetchReader{rc: rc, ch: make(chan []byte, 3), free: make(chan []byte, 4), done: make(chan struct{}), exit: make(chan struct{})}
	for range 4 {
		p.free <- make([]byte, prefetchChunk)
	}
	go p.produce()
	return p
}

func (p *prefetchReader) produce() {
	defer close(p.exit)
	defer close(p.ch)
	for {
		var b []byte
		select {
		case b = <-p.free:
		case <-p.done:
			return
		}
		n, err := io.ReadFull(p.rc, b)
		if n > 0 {
			select {
			case p.ch <- b[:n]:
			case <-p.done:
				return
			}
		}
		if err != nil {
			if err != io.EOF && err != io.ErrUnexpectedEOF {
				p.err = err
			}
			return
		}
	}
}

// Read returns inflated bytes in order, then the producer's error or EOF.
func (p *prefetchReader) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.buf != nil {
			p.free <- p.buf[:cap(p.buf)]
			p.buf = nil
		}
		c, ok := <-p.ch
		if !ok {
			// The producer has exited, so reading err is race-free.
			if p.err != nil {
				return 0, p.err
			}
			return 0, io.EOF
		}
		p.cur, p.buf = c, c
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// Close stops the producer and waits for it, so the archive's shared
// counters are never touched by two goroutines at once.
func (p *prefetchReader) Close() error {
	close(p.done)
	<-p.exit
	return p.rc.Close()
}
