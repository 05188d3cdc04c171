// Package formread opens multipart forms so that a form cut off after a part
// is told from a whole one: Go's reader ends both with io.EOF.
package formread

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
)

// ErrNoBoundary is a multipart Content-Type without its boundary.
var ErrNoBoundary = errors.New("the form's Content-Type has no boundary")

// Open returns a reader of r's multipart body and a function that reports,
// once NextPart has returned io.EOF, whether the form's closing delimiter
// was in the body (false: the body was cut off).
func Open(r *http.Request) (*multipart.Reader, func() bool, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, nil, ErrNoBoundary
	}
	w := &watcher{r: r.Body, needle: []byte("--" + params["boundary"] + "--")}
	return multipart.NewReader(w, params["boundary"]), func() bool { return w.seen }, nil
}

// watcher passes a body through and notes whether needle went by, also
// across reads.
type watcher struct {
	r      io.Reader
	needle []byte
	tail   []byte // the last len(needle)-1 bytes read
	seen   bool
}

func (w *watcher) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 && !w.seen {
		// Across the seam of the last read and this one, then within this
		// one: no copy of a large chunk.
		seam := append(w.tail, p[:min(n, len(w.needle)-1)]...)
		w.seen = bytes.Contains(seam, w.needle) || bytes.Contains(p[:n], w.needle)
		if n >= len(w.needle)-1 {
			w.tail = append(w.tail[:0], p[n-(len(w.needle)-1):n]...)
		} else {
			w.tail = append(w.tail[:0], seam[max(0, len(seam)-(len(w.needle)-1)):]...)
		}
	}
	return n, err
}
