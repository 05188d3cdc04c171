package stmts_test

import (
	"database/sql"
	"errors"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/settings"
	"printlab/hooks/stmts"
	"printlab/internal/testapp"
	"printlab/schema"
)

// A cached staff member is read once and then served from memory; saving or
// deleting them (as the admin UI does) drops the cache, so the next move sees
// the change at once. Inside a transaction the read sees the transaction's
// own uncommitted edit.
func TestCachedRecordsFollowEverySave(t *testing.T) {
	app, fx := testapp.NewSeeded(t)
	defer app.Cleanup()
	read := func() *core.Record {
		t.Helper()
		r, err := stmts.FindByIDCached(app, schema.Staff, fx.Staff.Id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := read()
	if !first.GetBool("active") {
		t.Fatal("the seeded staff member should be active")
	}
	// Proof that the second read is the cache: a change made with plain SQL
	// (which runs no hook) is not seen until the entry's time is up.
	if _, err := app.NonconcurrentDB().NewQuery("UPDATE staff SET name = {:n} WHERE id = {:id}").
		Bind(dbx.Params{"n": "Renamed By SQL", "id": fx.Staff.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if again := read(); again != first || again.GetString("name") == "Renamed By SQL" {
		t.Fatalf("the second read was not served from memory (name %q)", again.GetString("name"))
	}

	rec, err := app.FindRecordById(schema.Staff, fx.Staff.Id)
	if err != nil {
		t.Fatal(err)
	}
	rec.Set("active", false)
	if err := app.Save(rec); err != nil {
		t.Fatal(err)
	}
	if r := read(); r.GetBool("active") || r.GetString("name") != "Renamed By SQL" {
		t.Fatalf("after the save: active %v, name %q; want the saved row", r.GetBool("active"), r.GetString("name"))
	}

	err = app.RunInTransaction(func(tx core.App) error {
		r, err := tx.FindRecordById(schema.Staff, fx.Staff.Id)
		if err != nil {
			return err
		}
		r.Set("active", true)
		if err := tx.Save(r); err != nil {
			return err
		}
		in, err := stmts.FindByIDCached(tx, schema.Staff, fx.Staff.Id)
		if err != nil {
			return err
		}
		if !in.GetBool("active") {
			t.Error("inside the transaction the cached read missed the transaction's own edit")
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("the transaction should have rolled back")
	}
	if read().GetBool("active") {
		t.Fatal("a rolled-back edit is served from the cache")
	}

	if err := app.Delete(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := stmts.FindByIDCached(app, schema.Staff, fx.Staff.Id); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("a deleted staff member: err %v, want sql.ErrNoRows", err)
	}
}

// A collection that is not cached is read every time.
func TestUncachedCollectionsAreReadEveryTime(t *testing.T) {
	app := testapp.New(t)
	defer app.Cleanup()
	lab, err := settings.Record(app)
	if err != nil {
		t.Fatal(err)
	}
	a, err := stmts.FindByIDCached(app, schema.LabSettings, lab.Id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := stmts.FindByIDCached(app, schema.LabSettings, lab.Id)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("the lab's settings were served from memory")
	}
}
