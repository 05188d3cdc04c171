package model3d

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"runtime"
	"sync"
)

const (
	stlHeader = 84 // 80-byte free-form header + uint32 triangle count
	stlRecord = 50 // 12 float32 (normal + 3 corners) + uint16 attribute
	// stlPadding is the trailing garbage tolerated after the last binary
	// record: some exporters pad the file to a block size.
	stlPadding = 1024
)

// parseSTL tells binary from ASCII by size arithmetic, not by the word
// "solid": many CAD programs start binary headers with "solid".
func parseSTL(r io.ReaderAt, size int64, lim Limits) (*Mesh, error) {
	var hdr [stlHeader]byte
	n, err := r.ReadAt(hdr[:], 0)
	if err != nil && err != io.EOF {
		return nil, readErr(err)
	}
	var count int64 = -1
	if n == stlHeader {
		count = int64(binary.LittleEndian.Uint32(hdr[80:]))
		want := stlHeader + stlRecord*count
		if count > 0 && size >= want && size-want < stlPadding {
			return parseBinarySTL(r, count, lim)
		}
	}
	if looksASCIISTL(hdr[:n]) {
		return parseASCIISTL(io.NewSectionReader(r, 0, size), size, lim)
	}
	switch {
	case count < 0:
		return nil, newErr(CodeTruncated, "The file is only %d bytes long, too short to be an STL model: it was cut off while saving or uploading. Please export it again.", size)
	case count == 0:
		return nil, newErr(CodeEmpty, "The STL file says it contains 0 triangles, so there is nothing to print. Please check that you exported the right object.")
	case size < stlHeader+stlRecord*count:
		got := (size - stlHeader) / stlRecord
		return nil, newErr(CodeTruncated, "The file ends after %s of %s triangles: it was cut off while saving or uploading. Please export and upload it again.", num(got), num(count))
	default:
		return nil, newErr(CodeSizeMismatch, "The STL file says it has %s triangles, which take %s bytes, but the file is %s bytes: it is damaged or is not an STL file. Please export it again.", num(count), num(stlHeader+stlRecord*count), num(size))
	}
}

// looksASCIISTL accepts text starting with "solid" (after optional
// whitespace); NUL bytes mean binary.
func looksASCIISTL(h []byte) bool {
	t := bytes.TrimLeft(h, " \t\r\n")
	if !bytes.HasPrefix(t, []byte("solid")) {
		return false
	}
	return bytes.IndexByte(h, 0) < 0
}

func parseBinarySTL(r io.ReaderAt, count int64, lim Limits) (*Mesh, error) {
	if lim.MaxTriangles > 0 && count > int64(lim.MaxTriangles) {
		return nil, tooManyTriangles(count, lim)
	}
	tris := make([]float32, count*9)
	// Decode in parallel: the file is usually in the page cache, so the
	// float conversion, not the read, is the bottleneck.
	workers := int64(min(runtime.GOMAXPROCS(0), 4))
	if count < 65536 {
		workers = 1
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (count + workers - 1) / workers
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, count)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = decodeSTLRange(r, tris, lo, hi)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return &Mesh{Tris: tris}, nil
}

func decodeSTLRange(r io.ReaderAt, tris []float32, lo, hi int64) error {
	const batch = 4096
	buf := make([]byte, min(batch, hi-lo)*stlRecord)
	for t := lo; t < hi; {
		k := min(hi-t, batch)
		b := buf[:k*stlRecord]
		if _, err := r.ReadAt(b, stlHeader+t*stlRecord); err != nil {
			return readErr(err)
		}
		out := tris[t*9 : (t+k)*9]
		for i := range k {
			rec := b[i*stlRecord+12 : i*stlRecord+48]
			o := out[i*9 : i*9+9]
			bad := uint32(0)
			for j := range 9 {
				u := binary.LittleEndian.Uint32(rec[j*4:])
				// An all-ones exponent is NaN or ±Inf.
				if u&0x7f800000 == 0x7f800000 {
					bad = u | 1
				}
				o[j] = math.Float32frombits(u)
			}
			if bad != 0 {
				return newErr(CodeBadNumber, "Triangle %s has an invalid coordinate (not a number or infinite): the file is damaged. Please repair it (e.g. in your slicer) or export it again.", num(t+i+1))
			}
		}
		t += k
	}
	return nil
}

func tooManyTriangles[T ~int | ~int64](n T, lim Limits) *Error {
	return newErr(CodeTooManyTriangles, "The model has %s triangles; we accept at most %s. Please export it with a coarser resolution or decimate it (e.g. Meshmixer, Blender's Decimate modifier).", num(n), num(lim.MaxTriangles))
}

// parseASCIISTL streams "vertex x y z" triplets; facets must be triangles.
func parseASCIISTL(r io.Reader, size int64, lim Limits) (*Mesh, error) {
	s := newTextScanner(r, 4096, size)
	// An ASCII facet takes at least ~100 bytes; see sizeEstimate.
	tris := make([]float32, 0, 9*sizeEstimate(size, 100, lim.MaxTriangles))
	inLoop, loopVerts, sawEnd := false, 0, false
	for {
		tok, ok := s.token()
		if !ok {
			return nil, newErr(CodeLineTooLong, "Line %s of the STL file has a word longer than 4 KB: this is not a valid ASCII STL file.", num(s.line))
		}
		if tok == nil {
			break
		}
		switch string(tok) {
		case "vertex":
			if !inLoop || loopVerts == 3 {
				return nil, newErr(CodeBadSyntax, "Line %s of the STL file has a vertex outside a 3-corner \"outer loop\": the file is damaged or not a valid ASCII STL.", num(s.line))
			}
			tris = appendCap(tris, 3)
			for range 3 {
				t, ok := s.token()
				if !ok {
					return nil, newErr(CodeLineTooLong, "Line %s of the STL file has a word longer than 4 KB: this is not a valid ASCII STL file.", num(s.line))
				}
				if t == nil {
					return nil, asciiTruncated(len(tris) / 9)
				}
				v, ok := parseFloat(t)
				if !ok || !finite32(v) {
					return nil, newErr(CodeBadNumber, "Line %s of the STL file has %s where a coordinate should be: the file is damaged. Please export it again.", num(s.line), quote(t))
				}
				tris = append(tris, float32(v))
			}
			loopVerts++
		case "outer":
			if inLoop {
				return nil, newErr(CodeBadSyntax, "Line %s of the STL file opens a loop inside another loop: the file is damaged.", num(s.line))
			}
			inLoop, loopVerts = true, 0
		case "endloop":
			if !inLoop || loopVerts != 3 {
				return nil, newErr(CodeBadSyntax, "Line %s of the STL file ends a facet with %d corners instead of 3: only triangles are allowed in STL. Please export it again.", num(s.line), loopVerts)
			}
			inLoop = false
			if lim.MaxTriangles > 0 && len(tris)/9 > lim.MaxTriangles {
				return nil, tooManyTriangles(len(tris)/9, lim)
			}
		case "endsolid":
			sawEnd = true
		}
	}
	if s.err != nil {
		return nil, readErr(s.err)
	}
	// Every exporter ends with "endsolid": without it the file was cut off.
	if inLoop || !sawEnd {
		return nil, asciiTruncated(len(tris) / 9)
	}
	return &Mesh{Tris: tris}, nil
}

func asciiTruncated(done int) *Error {
	return newErr(CodeTruncated, "The file ends in the middle of a triangle, after %s complete triangles: it was cut off while saving or uploading. Please export and upload it again.", num(done))
}
