package desk

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// respondRecord answers with rec as PocketBase's records API shows it (its
// visible fields, collectionId and collectionName). A move's answer is written
// out by hand: through encoding/json the job's export, its map and the
// encoder's second pass over the bytes were a twentieth of an approve's CPU
// (BENCHMARKS.md, issue #3). A record this does not cover (an auth record, one
// with an expand) goes through encoding/json as before.
func respondRecord(e *core.RequestEvent, rec *core.Record) error {
	if rec.Collection().IsAuth() || len(rec.Expand()) > 0 {
		return e.JSON(http.StatusOK, rec)
	}
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	b, ok := appendRecord((*buf)[:0], rec)
	*buf = b
	if !ok {
		return e.JSON(http.StatusOK, rec)
	}
	return e.Blob(http.StatusOK, "application/json", b)
}

// appendRecord writes rec's visible fields as a JSON object; false when a
// value would not encode (then the caller uses encoding/json).
func appendRecord(b []byte, rec *core.Record) ([]byte, bool) {
	col := rec.Collection()
	b = append(b, `{"collectionId":`...)
	b = appendJSONString(b, col.Id)
	b = append(b, `,"collectionName":`...)
	b = appendJSONString(b, col.Name)
	for _, f := range col.Fields {
		if f.GetHidden() {
			continue
		}
		name := f.GetName()
		b = append(b, ',')
		b = appendJSONString(b, name)
		b = append(b, ':')
		switch v := rec.Get(name).(type) {
		case string:
			b = appendJSONString(b, v)
		case bool:
			b = strconv.AppendBool(b, v)
		case float64:
			// encoding/json's own format switches to exponents at these bounds.
			if a := math.Abs(v); math.IsInf(v, 0) || math.IsNaN(v) || (a != 0 && (a < 1e-6 || a >= 1e21)) {
				j, err := json.Marshal(v)
				if err != nil {
					return b, false
				}
				b = append(b, j...)
			} else {
				b = strconv.AppendFloat(b, v, 'f', -1, 64)
			}
		case types.DateTime:
			if v.IsZero() {
				b = append(b, `""`...)
			} else {
				b = appendJSONString(b, v.String())
			}
		case types.JSONRaw:
			if len(v) == 0 || !json.Valid(v) {
				b = append(b, "null"...)
			} else {
				b = append(b, v...)
			}
		default:
			j, err := json.Marshal(v)
			if err != nil {
				return b, false
			}
			b = append(b, j...)
		}
	}
	return append(b, '}'), true
}
