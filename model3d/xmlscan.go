package model3d

import (
	"bytes"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a small streaming XML tokenizer for 3MF and slicer parts.
// encoding/xml is safe but about 5× too slow for million-triangle models
// (see docs/notes), so this scanner works on raw bytes. It keeps the safety
// properties that matter: DTDs are refused outright (so no entity
// expansion, no external entities), only the five predefined entities and
// character references are decoded, nesting depth and tag length are
// capped, and end tags must match their start tags.
type xmlScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	rerr     error
	maxDepth int
	stack    []string
	done     bool // the root element has closed

	// The current token. Slices point into buf and are valid until the
	// next call to next.
	local       []byte // local name (prefix removed) of a start or end tag
	attrs       []xmlAttr
	selfClosing bool
	text        []byte
}

// xmlAttr is one attribute of the current start tag.
type xmlAttr struct {
	local, value []byte
}

const (
	xmlEOF = iota
	xmlStart
	xmlEnd
	xmlText
)

// xmlMaxTag caps a single tag, comment or processing instruction.
const xmlMaxTag = 1 << 20

func newXMLScanner(r io.Reader, maxDepth int, sizeHint int64) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, initialBuf(sizeHint)), maxDepth: maxDepth}
}

func xmlErr(format string, args ...any) *Error {
	e := newErr(CodeBadXML, format, args...)
	e.Message = "The file's XML is invalid: " + e.Message + " The file is damaged or was not written by a 3D program; please export it again."
	return e
}

func (x *xmlScanner) fill() bool {
	if x.eof {
		return false
	}
	if x.pos > 0 {
		copy(x.buf, x.buf[x.pos:x.end])
		x.end -= x.pos
		x.pos = 0
	}
	x.buf = grow(x.buf, x.end, chunkSize+xmlMaxTag)
	if x.end == len(x.buf) {
		return false
	}
	n, err := io.ReadFull(x.r, x.buf[x.end:])
	x.end += n
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		x.eof = true
	} else if err != nil {
		x.rerr = err
		x.eof = true
	}
	return n > 0
}

// ensure makes at least n bytes available from pos if the input has them.
func (x *xmlScanner) ensure(n int) {
	for x.end-x.pos < n && x.fill() {
	}
}

// find returns the index (absolute in buf) of pat at or after pos+from,
// refilling as needed; -1 at end of input.
func (x *xmlScanner) find(from int, pat string) (int, error) {
	for {
		if i := bytes.Index(x.buf[x.pos+from:x.end], []byte(pat)); i >= 0 {
			return x.pos + from + i, nil
		}
		if x.end-x.pos > xmlMaxTag {
			return -1, xmlErr("a tag or comment is longer than 1 MB.")
		}
		from = max(0, x.end-x.pos-len(pat)+1)
		if !x.fill() {
			return -1, nil
		}
	}
}

// findTagEnd finds the '>' closing the tag at pos, skipping quoted values.
func (x *xmlScanner) findTagEnd() (int, error) {
	i := x.pos + 1
	var q byte
	for {
		b := x.buf[:x.end]
		for ; i < len(b); i++ {
			c := b[i]
			if q != 0 {
				if c == q {
					q = 0
				}
			} else if c == '>' {
				return i, nil
			} else if c == '"' || c == '\'' {
				q = c
			} else if c == '<' {
				return -1, xmlErr("a '<' appears inside a tag.")
			}
		}
		if x.end-x.pos > xmlMaxTag {
			return -1, xmlErr("a tag is longer than 1 MB.")
		}
		off := i - x.pos
		if !x.fill() {
			return -1, nil
		}
		i = x.pos + off
	}
}

func (x *xmlScanner) truncated() error {
	if x.rerr != nil {
		return readErr(x.rerr)
	}
	return newErr(CodeTruncated, "The model data ends in the middle (an XML element is not closed): the file was cut off while saving or uploading. Please export and upload it again.")
}

// next advances to the next start tag, end tag or non-blank text. A
// self-closing tag yields one xmlStart with selfClosing set.
func (x *xmlScanner) next() (int, error) {
	for {
		if x.pos >= x.end && !x.fill() {
			if x.rerr != nil {
				return xmlEOF, readErr(x.rerr)
			}
			if len(x.stack) > 0 || !x.done {
				return xmlEOF, x.truncated()
			}
			return xmlEOF, nil
		}
		if x.buf[x.pos] != '<' {
			i := bytes.IndexByte(x.buf[x.pos:x.end], '<')
			if i < 0 {
				i = x.end - x.pos
			}
			x.text = x.buf[x.pos : x.pos+i]
			x.pos += i
			if isBlank(x.text) {
				continue
			}
			if len(x.stack) == 0 {
				return xmlEOF, xmlErr("there is text outside the root element.")
			}
			return xmlText, nil
		}
		x.ensure(9)
		rest := x.buf[x.pos:x.end]
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			i, err := x.find(2, "?>")
			if err != nil {
				return xmlEOF, err
			}
			if i < 0 {
				return xmlEOF, x.truncated()
			}
			x.pos = i + 2
			continue
		case bytes.HasPrefix(rest, []byte("<!--")):
			i, err := x.find(4, "-->")
			if err != nil {
				return xmlEOF, err
			}
			if i < 0 {
				return xmlEOF, x.truncated()
			}
			x.pos = i + 3
			continue
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i, err := x.find(9, "]]>")
			if err != nil {
				return xmlEOF, err
			}
			if i < 0 {
				return xmlEOF, x.truncated()
			}
			x.text = x.buf[x.pos+9 : i]
			x.pos = i + 3
			if len(x.stack) == 0 {
				return xmlEOF, xmlErr("there is text outside the root element.")
			}
			return xmlText, nil
		case bytes.HasPrefix(rest, []byte("<!")):
			// DOCTYPE and friends: 3MF never needs them, and refusing them
			// is what makes entity-expansion attacks impossible.
			e := newErr(CodeBadXML, "The file contains an XML document type declaration (<!DOCTYPE …>), which 3D files never need and which can be used to attack servers, so it was refused. Please export the model again from your 3D program.")
			return xmlEOF, e
		}
		gt, err := x.findTagEnd()
		if err != nil {
			return xmlEOF, err
		}
		if gt < 0 {
			return xmlEOF, x.truncated()
		}
		tag := x.buf[x.pos+1 : gt]
		x.pos = gt + 1
		if len(tag) > 0 && tag[0] == '/' {
			name := bytes.TrimRight(tag[1:], " \t\r\n")
			if len(x.stack) == 0 || x.stack[len(x.stack)-1] != string(name) {
				return xmlEOF, xmlErr("the end tag </%s> does not match its start tag.", truncName(name))
			}
			x.stack = x.stack[:len(x.stack)-1]
			if len(x.stack) == 0 {
				x.done = true
			}
			x.local = localName(name)
			return xmlEnd, nil
		}
		if x.done {
			return xmlEOF, xmlErr("there is a second root element.")
		}
		x.selfClosing = len(tag) > 0 && tag[len(tag)-1] == '/'
		if x.selfClosing {
			tag = tag[:len(tag)-1]
		}
		n := 0
		for n < len(tag) && !isSpace(tag[n]) {
			n++
		}
		if n == 0 {
			return xmlEOF, xmlErr("a tag has no name.")
		}
		name := tag[:n]
		x.local = localName(name)
		if err := x.parseAttrs(tag[n:]); err != nil {
			return xmlEOF, err
		}
		if !x.selfClosing {
			if len(x.stack) >= x.maxDepth {
				return xmlEOF, newErr(CodeXMLTooDeep, "The file's XML is nested more than %d levels deep, far more than any 3D file needs, so it was refused. Please export the model again.", x.maxDepth)
			}
			x.stack = append(x.stack, string(name))
		} else if len(x.stack) == 0 {
			x.done = true
		}
		return xmlStart, nil
	}
}

func (x *xmlScanner) parseAttrs(b []byte) error {
	x.attrs = x.attrs[:0]
	i := 0
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return nil
		}
		j := i
		for j < len(b) && b[j] != '=' && !isSpace(b[j]) {
			j++
		}
		name := b[i:j]
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) || b[j] != '=' || len(name) == 0 {
			return xmlErr("an attribute has no value.")
		}
		j++
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) || (b[j] != '"' && b[j] != '\'') {
			return xmlErr("an attribute value is not quoted.")
		}
		q := b[j]
		k := bytes.IndexByte(b[j+1:], q)
		if k < 0 {
			return xmlErr("an attribute value is not closed.")
		}
		x.attrs = append(x.attrs, xmlAttr{local: localName(name), value: b[j+1 : j+1+k]})
		i = j + 1 + k + 1
	}
}

// attr returns the raw value of the attribute with the given local name.
func (x *xmlScanner) attr(local string) ([]byte, bool) {
	for _, a := range x.attrs {
		if string(a.local) == local {
			return a.value, true
		}
	}
	return nil, false
}

// attrString returns an attribute value with entities decoded.
func (x *xmlScanner) attrString(local string) (string, bool, error) {
	v, ok := x.attr(local)
	if !ok {
		return "", false, nil
	}
	s, err := xmlUnescape(v)
	return s, true, err
}

func localName(b []byte) []byte {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

func truncName(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
}

// xmlUnescape decodes the predefined entities and character references;
// any other entity is an error (no DTD can define one).
func xmlUnescape(b []byte) (string, error) {
	if bytes.IndexByte(b, '&') < 0 {
		return string(b), nil
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if b[i] != '&' {
			out = append(out, b[i])
			i++
			continue
		}
		j := bytes.IndexByte(b[i:], ';')
		if j < 0 || j > 12 {
			return "", xmlErr("a '&' is not part of a valid entity.")
		}
		ent := string(b[i+1 : i+j])
		i += j + 1
		switch ent {
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "amp":
			out = append(out, '&')
		case "quot":
			out = append(out, '"')
		case "apos":
			out = append(out, '\'')
		default:
			var n uint64
			var err error
			switch {
			case len(ent) > 2 && (ent[:2] == "#x" || ent[:2] == "#X"):
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			case len(ent) > 1 && ent[0] == '#':
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			default:
				return "", xmlErr("it uses the undefined entity &%s;.", truncName([]byte(ent)))
			}
			if err != nil || n == 0 || n > utf8.MaxRune {
				return "", xmlErr("it has an invalid character reference.")
			}
			out = utf8.AppendRune(out, rune(n))
		}
	}
	return string(out), nil
}
