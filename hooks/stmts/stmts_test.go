package stmts_test

import (
	"database/sql"
	"errors"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/stmts"
	"printlab/internal/testapp"
	"printlab/schema"
)

func TestMain(m *testing.M) { testapp.Main(m) }

// A record read through a prepared statement is the record PocketBase reads:
// the same values, not new, its original what was read; on the read pool and
// inside a transaction, again and again (the second transaction uses the
// statement the first one left prepared).
func TestFindByIDMatchesPocketBase(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	want, err := app.FindRecordById(schema.Staff, fx.Staff.Id)
	if err != nil {
		t.Fatal(err)
	}
	same := func(where string, got *core.Record) {
		t.Helper()
		if got.IsNew() || got.Id != want.Id {
			t.Fatalf("%s: id %q, new %v", where, got.Id, got.IsNew())
		}
		for _, f := range want.Collection().Fields {
			n := f.GetName()
			if g, w := got.GetString(n), want.GetString(n); g != w {
				t.Errorf("%s: %s = %q, PocketBase read %q", where, n, g, w)
			}
			if got.Original().GetString(n) != want.GetString(n) {
				t.Errorf("%s: the original of %s is not what was read", where, n)
			}
		}
	}
	got, err := stmts.FindByID(app, schema.Staff, fx.Staff.Id)
	if err != nil {
		t.Fatal(err)
	}
	same("read pool", got)
	for i := range 3 {
		if want, err = app.FindRecordById(schema.Staff, fx.Staff.Id); err != nil {
			t.Fatal(err)
		}
		err := app.RunInTransaction(func(tx core.App) error {
			got, err := stmts.FindByID(tx, schema.Staff, fx.Staff.Id)
			if err != nil {
				return err
			}
			same("transaction", got)
			got.Set("name", "Renamed in tx")
			if err := tx.Save(got); err != nil {
				return err
			}
			// The transaction reads its own write, not the read pool's snapshot.
			again, err := stmts.FindByID(tx, schema.Staff, fx.Staff.Id)
			if err != nil {
				return err
			}
			if again.GetString("name") != "Renamed in tx" {
				t.Errorf("inside the transaction the name reads %q", again.GetString("name"))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
	if got, _ := app.FindRecordById(schema.Staff, fx.Staff.Id); got.GetString("name") != "Renamed in tx" {
		t.Errorf("the save in the transaction did not commit: %q", got.GetString("name"))
	}
	if _, err := stmts.FindByID(app, schema.Staff, "nosuchid1234567"); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("a missing record: %v, want sql.ErrNoRows", err)
	}
}

// A field an admin adds later is read too: SQLite prepares the statement
// again for the new schema.
func TestFindByIDFollowsSchemaChanges(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	if _, err := stmts.FindByID(app, schema.Staff, fx.Staff.Id); err != nil {
		t.Fatal(err)
	}
	col, err := app.FindCollectionByNameOrId(schema.Staff)
	if err != nil {
		t.Fatal(err)
	}
	col.Fields.Add(&core.TextField{Name: "badge"})
	if err := app.Save(col); err != nil {
		t.Fatal(err)
	}
	rec, _ := app.FindRecordById(schema.Staff, fx.Staff.Id)
	rec.Set("badge", "B-17")
	if err := app.Save(rec); err != nil {
		t.Fatal(err)
	}
	got, err := stmts.FindByID(app, schema.Staff, fx.Staff.Id)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetString("badge") != "B-17" {
		t.Errorf("the new field reads %q", got.GetString("badge"))
	}
}
