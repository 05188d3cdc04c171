package model3d

import (
	"errors"
	"fmt"
	"strconv"
)

// Error is what every parser and reader returns for input it refuses.
// Code is stable and meant for programs (see the Code* constants); Message
// is a complete sentence written for the student who uploaded the file.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error returns the student-facing message.
func (e *Error) Error() string { return e.Message }

// Is reports whether target is an *Error with the same Code, so callers can
// write errors.Is(err, ErrNoEstimate) or compare against their own template.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code
	}
	return false
}

// Stable error codes. Programs switch on these; the messages may change.
const (
	CodeTruncated         = "truncated"
	CodeSizeMismatch      = "size_mismatch"
	CodeTooManyTriangles  = "too_many_triangles"
	CodeTooManyVertices   = "too_many_vertices"
	CodeTooLarge          = "file_too_large"
	CodeZipBomb           = "zip_bomb"
	CodeTooManyEntries    = "too_many_entries"
	CodeNotAZip           = "not_a_zip"
	CodeUnsafeName        = "unsafe_name"
	CodeBadNumber         = "bad_number"
	CodeBadIndex          = "bad_index"
	CodeEmpty             = "empty"
	CodeWrongType         = "wrong_type"
	CodeUnsupportedFormat = "unsupported_format"
	CodeBadSyntax         = "bad_syntax"
	CodeBadXML            = "bad_xml"
	CodeXMLTooDeep        = "xml_too_deep"
	CodeMissingPart       = "missing_part"
	CodeBadReference      = "bad_reference"
	CodeComponentCycle    = "component_cycle"
	CodeComponentTooDeep  = "component_too_deep"
	CodeLineTooLong       = "line_too_long"
	CodeUnsupportedComp   = "unsupported_compression"
	CodeBadChecksum       = "bad_checksum"
	CodeNoEstimate        = "no_estimate"
	CodeReadError         = "read_error"
	CodeTooComplex        = "too_complex"
)

// ErrNoEstimate is returned by ReadSliced when a sliced file carries neither
// a print time nor a filament amount. Test for it with errors.Is.
var ErrNoEstimate error = &Error{
	Code:    CodeNoEstimate,
	Message: "no estimate found: the sliced file has no print time or filament amount in it; re-export it from the slicer with its default G-code comments enabled, or enter the figures by hand.",
}

func newErr(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// readErr wraps an I/O failure of the underlying storage, which is not the
// student's fault, so the message says so.
func readErr(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeReadError, Message: "The file could not be read on the server (" + err.Error() + "); please try uploading it again."}
}

// num formats an integer with thousands separators for messages ("50,000").
func num[T ~int | ~int32 | ~int64 | ~uint32 | ~uint64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// mib formats a byte count in MiB for messages.
func mib(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}
