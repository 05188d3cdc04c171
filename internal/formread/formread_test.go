package formread_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"printlab/internal/formread"
)

func form(t *testing.T) (string, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("first_name", "Jane")
	fw, _ := w.CreateFormFile("model", "cube.stl")
	fw.Write(bytes.Repeat([]byte("solid "), 1000))
	w.Close()
	return b.String(), w.Boundary()
}

// readAll reads every part and says whether the form ended whole.
func readAll(t *testing.T, body, ct string, oneByte bool) (bool, error) {
	var r io.Reader = strings.NewReader(body)
	if oneByte {
		r = iotest.OneByteReader(r) // the delimiter split across reads
	}
	req := httptest.NewRequest("POST", "/", r)
	req.Header.Set("Content-Type", ct)
	mr, whole, err := formread.Open(req)
	if err != nil {
		return false, err
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return whole(), nil
		}
		if err != nil {
			return false, err
		}
		io.Copy(io.Discard, p)
	}
}

func TestACutOffFormIsToldFromAWholeOne(t *testing.T) {
	body, boundary := form(t)
	ct := "multipart/form-data; boundary=" + boundary
	for _, oneByte := range []bool{false, true} {
		if whole, err := readAll(t, body, ct, oneByte); err != nil || !whole {
			t.Errorf("a whole form (one byte at a time: %v): whole=%v, %v", oneByte, whole, err)
		}
		// The closing "--" is missing: the body ends after a delimiter line,
		// which Go's reader also ends with io.EOF.
		cut := strings.TrimSuffix(body, "--\r\n") + "\r\n"
		if whole, err := readAll(t, cut, ct, oneByte); err == nil && whole {
			t.Errorf("a form cut after its last delimiter (one byte at a time: %v) counted as whole", oneByte)
		}
	}
	if _, _, err := formread.Open(httptest.NewRequest("POST", "/", strings.NewReader(body))); !errors.Is(err, formread.ErrNoBoundary) {
		t.Errorf("no Content-Type: %v", err)
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "multipart/form-data")
	if _, _, err := formread.Open(req); !errors.Is(err, formread.ErrNoBoundary) {
		t.Errorf("no boundary: %v", err)
	}
}
