package stmts_test

import (
	"errors"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"printlab/hooks/stmts"
	"printlab/internal/testapp"
)

// notes is a collection with the kinds of field the engine writes: text, a
// number, JSON, a file and PocketBase's two autodate fields.
func notes(t *testing.T, app core.App) *core.Collection {
	t.Helper()
	col := core.NewBaseCollection("notes")
	col.Fields.Add(&core.TextField{Name: "body"}, &core.NumberField{Name: "n"}, &core.JSONField{Name: "details"},
		&core.FileField{Name: "attachment", MaxSelect: 1, MaxSize: 1 << 20},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true})
	if err := app.Save(col); err != nil {
		t.Fatal(err)
	}
	return col
}

// A row Insert writes reads back as the same row a save writes, with an id and
// its dates filled in; its after-create hooks run when AfterCommit says so,
// not before; a transaction that fails takes the row back.
func TestInsertWritesWhatASaveWrites(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()
	col := notes(t, app)
	var hooked []string
	app.OnRecordAfterCreateSuccess("notes").BindFunc(func(e *core.RecordEvent) error {
		hooked = append(hooked, e.Record.Id)
		return e.Next()
	})
	fill := func() *core.Record {
		r := core.NewRecord(col)
		r.Set("body", `O'Brien "quoted" -- ; DROP TABLE notes`)
		r.Set("n", 42.5)
		r.Set("details", map[string]any{"grams": 12.5, "who": []string{"a", "b"}})
		return r
	}
	saved, inserted := fill(), fill()
	err := app.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(saved); err != nil {
			return err
		}
		return stmts.Insert(tx, inserted)
	})
	if err != nil {
		t.Fatal(err)
	}
	if inserted.Id == "" || inserted.IsNew() {
		t.Fatalf("after Insert: id %q, new %v", inserted.Id, inserted.IsNew())
	}
	if len(hooked) != 1 || hooked[0] != saved.Id {
		t.Fatalf("hooks ran for %v before AfterCommit; want only the saved row %s", hooked, saved.Id)
	}
	stmts.AfterCommit(app, true, inserted)
	if len(hooked) != 2 || hooked[1] != inserted.Id {
		t.Fatalf("after AfterCommit the hooks ran for %v", hooked)
	}
	a, err := app.FindRecordById("notes", saved.Id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := app.FindRecordById("notes", inserted.Id)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"body", "n", "details", "attachment"} {
		if a.GetString(f) != b.GetString(f) {
			t.Errorf("%s: inserted %q, saved %q", f, b.GetString(f), a.GetString(f))
		}
	}
	for _, f := range []string{"created", "updated"} {
		if b.GetDateTime(f).IsZero() {
			t.Errorf("the inserted row has no %s", f)
		}
	}

	lost := fill()
	boom := errors.New("later in the move")
	if err := app.RunInTransaction(func(tx core.App) error {
		if err := stmts.Insert(tx, lost); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := app.FindRecordById("notes", lost.Id); err == nil {
		t.Error("a row inserted by a transaction that failed is in the table")
	}
	if err := app.RunInTransaction(func(tx core.App) error { return stmts.Insert(tx, a) }); err == nil {
		t.Error("Insert of a row that exists succeeded")
	}
}

// Update writes the fields that changed and the update time, leaves the others
// as they are, and refuses (writing nothing) when a file changed: storing
// files is a save's work.
func TestUpdateWritesWhatChanged(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()
	col := notes(t, app)
	r := core.NewRecord(col)
	r.Set("body", "first")
	r.Set("n", 1)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	// An old update time, so that a new one shows within the same millisecond too.
	if _, err := app.DB().NewQuery("UPDATE notes SET updated = '2020-01-01 00:00:00.000Z'").Execute(); err != nil {
		t.Fatal(err)
	}
	r, _ = app.FindRecordById("notes", r.Id)
	old := r.GetDateTime("updated")
	r.Set("body", "second")
	r.Set("details", map[string]any{"k": "v"})
	if err := app.RunInTransaction(func(tx core.App) error { return stmts.Update(tx, r) }); err != nil {
		t.Fatal(err)
	}
	got, _ := app.FindRecordById("notes", r.Id)
	if got.GetString("body") != "second" || got.GetInt("n") != 1 || got.GetString("details") != `{"k":"v"}` {
		t.Errorf("after Update: body %q, n %d, details %s", got.GetString("body"), got.GetInt("n"), got.GetString("details"))
	}
	if !got.GetDateTime("updated").After(old) {
		t.Errorf("the update time stayed %s", got.GetDateTime("updated"))
	}

	f, err := filesystem.NewFileFromBytes([]byte("hello"), "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	got.Set("body", "third")
	got.Set("attachment", f)
	err = app.RunInTransaction(func(tx core.App) error { return stmts.Update(tx, got) })
	if !errors.Is(err, stmts.ErrFileChanged) {
		t.Fatalf("a changed file: %v, want ErrFileChanged", err)
	}
	if again, _ := app.FindRecordById("notes", r.Id); again.GetString("body") != "second" {
		t.Errorf("a refused Update wrote body %q", again.GetString("body"))
	}
}

// Unchanged tells a row as it was read from the same row changed or deleted
// since.
func TestUnchangedNoticesAnyChange(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()
	col := notes(t, app)
	r := core.NewRecord(col)
	r.Set("body", "first")
	r.Set("n", 0.1+0.2) // 0.30000000000000004: seventeen digits to survive the trip through text
	r.Set("details", map[string]any{"grams": 0.1 + 0.2, "note": "café"})
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	read, snap, err := stmts.FindByIDSnapshot(app, "notes", r.Id)
	if err != nil || read.GetString("body") != "first" {
		t.Fatalf("read %v, %v", read, err)
	}
	check := func(want bool, when string) {
		t.Helper()
		err := app.RunInTransaction(func(tx core.App) error {
			same, err := stmts.Unchanged(tx, "notes", r.Id, snap)
			if err == nil && same != want {
				t.Errorf("%s: Unchanged says %v", when, same)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check(true, "nothing changed")
	set := func(sql string) {
		t.Helper()
		if _, err := app.DB().NewQuery(sql).Bind(map[string]any{"id": r.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	set("UPDATE notes SET n = 1 WHERE id = {:id}")
	check(false, "a column changed")
	_, snap, _ = stmts.FindByIDSnapshot(app, "notes", r.Id)
	check(true, "read again")
	set("UPDATE notes SET body = 'First' WHERE id = {:id}")
	check(false, "only the case of a word changed")
	_, snap, _ = stmts.FindByIDSnapshot(app, "notes", r.Id)
	set("UPDATE notes SET n = 1.0000000001 WHERE id = {:id}")
	check(false, "a number changed in its tenth decimal")
	_, snap, _ = stmts.FindByIDSnapshot(app, "notes", r.Id)
	set(`UPDATE notes SET details = '{"grams":0.30000000000000004,"note":"cafe"}' WHERE id = {:id}`)
	check(false, "one letter of a JSON value changed")
	_, snap, _ = stmts.FindByIDSnapshot(app, "notes", r.Id)
	check(true, "a JSON value with a long fraction read again")
	if err := app.Delete(r); err != nil {
		t.Fatal(err)
	}
	check(false, "the row was deleted")
}
