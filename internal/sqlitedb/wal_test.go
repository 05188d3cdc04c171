package sqlitedb_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"printlab/internal/sqlitedb"
)

// copyFile copies src to dst as it is on disk now, as a crash would leave it.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, path string) int {
	t.Helper()
	db, err := sqlitedb.Connect(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.NewQuery("SELECT COUNT(*) FROM notes").Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The reserved log holds every commit made before and after it, both when the
// server stops cleanly and when it stops dead (the files copied as they lie,
// zeros and all, and opened again).
func TestAReservedWALKeepsEveryCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, sqlitedb.MainDB)
	db, err := sqlitedb.Connect(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewQuery("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	insert := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := db.NewQuery("INSERT INTO notes (body) VALUES ({:b})").Bind(map[string]any{"b": "a note of some length"}).Execute(); err != nil {
				t.Fatal(err)
			}
		}
	}
	insert(50)
	const size = 2 << 20
	if err := sqlitedb.ReserveWAL(context.Background(), db.DB(), path, size); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < size {
		t.Fatalf("the WAL is %d bytes after reserving %d", st.Size(), size)
	}
	insert(70)
	if st, _ := os.Stat(path + "-wal"); st.Size() != size {
		t.Errorf("commits within the reserve changed the WAL's size to %d (want %d: written over, not appended)", st.Size(), size)
	}

	crash := t.TempDir()
	copyFile(t, path, filepath.Join(crash, sqlitedb.MainDB))
	copyFile(t, path+"-wal", filepath.Join(crash, sqlitedb.MainDB+"-wal"))
	if n := count(t, filepath.Join(crash, sqlitedb.MainDB)); n != 120 {
		t.Errorf("after a crash with a reserved WAL, %d notes are left of 120", n)
	}

	// Reserving again, now smaller than the file, changes nothing.
	if err := sqlitedb.ReserveWAL(context.Background(), db.DB(), path, 1<<20); err != nil {
		t.Fatal(err)
	}
	insert(5)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, path); n != 125 {
		t.Errorf("after a clean stop, %d notes are left of 125", n)
	}
}

// Without a WAL file there is nothing to reserve, and no file is made.
func TestReserveWALWithoutALogDoesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, sqlitedb.MainDB)
	db, err := sqlitedb.Connect(path + "x") // a database under another name
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := sqlitedb.ReserveWAL(context.Background(), db.DB(), path, 1<<20); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !os.IsNotExist(err) {
		t.Errorf("a WAL file appeared where there was none: %v", err)
	}
}
