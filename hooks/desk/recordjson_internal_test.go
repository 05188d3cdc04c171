package desk

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// notes is a collection with each kind of field a job has, one of them hidden.
func notesCollection() *core.Collection {
	col := core.NewBaseCollection("notes")
	col.Id = "pbc_notes"
	col.Fields.Add(&core.TextField{Name: "body"}, &core.NumberField{Name: "n"}, &core.BoolField{Name: "flag"},
		&core.JSONField{Name: "details"}, &core.DateField{Name: "when"},
		&core.SelectField{Name: "tags", Values: []string{"a", "b", "<c>"}, MaxSelect: 3},
		&core.RelationField{Name: "job", CollectionId: "pbc_jobs", MaxSelect: 1},
		&core.FileField{Name: "files", MaxSelect: 5},
		&core.TextField{Name: "secret", Hidden: true},
		&core.AutodateField{Name: "created", OnCreate: true})
	return col
}

// FuzzAppendRecord holds the hand-written answer of a move to what
// encoding/json makes of the same record: the same names and values, the
// hidden field left out, for any text, number and JSON a record can hold.
func FuzzAppendRecord(f *testing.F) {
	f.Add(`O'Brien "JJ" <b>&</b> 山田 🎉 `+"\u2028\xff", 12.5, true, `{"grams":12.5,"who":["a","b"]}`, "2026-11-28 10:00:00.123Z")
	f.Add("", 0.0, false, "", "")
	f.Add("x", 1e21, false, "null", "garbage")
	f.Add("x", -1e-7, true, "[1,2", "2026-01-01")
	f.Add("x", 123456789.125, true, `"text"`, "")
	col := notesCollection()
	f.Fuzz(func(t *testing.T, text string, n float64, flag bool, details, when string) {
		if math.IsNaN(n) || math.IsInf(n, 0) {
			t.Skip("a number field holds no NaN or infinity")
		}
		rec := core.NewRecord(col)
		rec.Id = "abc123def456ghi"
		rec.Set("id", rec.Id)
		rec.Set("body", text)
		rec.Set("n", n)
		rec.Set("flag", flag)
		rec.Set("details", details)
		rec.Set("when", when)
		rec.Set("tags", []string{"a", "<c>"})
		rec.Set("job", text)
		rec.Set("files", []string{"a_1.stl", text})
		rec.Set("secret", "hunter2")
		rec.Set("created", "2026-11-28 09:00:00.000Z")
		got, ok := appendRecord(nil, rec)
		if !ok {
			t.Fatalf("appendRecord gave up on %q", got)
		}
		want, err := json.Marshal(rec)
		if err != nil {
			t.Skipf("encoding/json cannot encode it either: %v", err)
		}
		var g, w map[string]any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, got)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if _, leaked := g["secret"]; leaked {
			t.Fatalf("the hidden field is in the answer: %s", got)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}
