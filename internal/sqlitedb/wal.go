package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
)

// reserveChunk is the size of each write that extends the WAL: large enough
// to cost few system calls, small enough that the kernel keeps the pages it
// caches for the file small as SQLite's own 4 kB frame writes (measured: the
// frames written over a file grown in 1 MB writes cost twice as much).
const reserveChunk = 64 << 10

// ReserveWAL grows the database's write-ahead log (dbPath + "-wal") to at
// least size bytes of zeros, as PostgreSQL preallocates its WAL segments.
// SQLite appends each commit's pages to the WAL, and on Linux appending to a
// file costs about twice what writing over its cached pages costs (the
// filesystem allocates and the file's size changes at every write); SQLite
// keeps the file at its size when it starts the log over (up to
// journal_size_limit), so only growth pays. Zeros past the log's last frame
// are never read as frames (their salt does not match), so recovery after a
// crash stops there as it does at the end of a shorter file.
//
// It holds the write lock (a transaction on db, which must open connections
// to dbPath) while it writes, so that no commit appends at the same time.
// Without a WAL file (not in WAL mode, or not opened yet) it does nothing.
func ReserveWAL(ctx context.Context, db *sql.DB, dbPath string, size int64) error {
	tx, err := db.BeginTx(ctx, nil) // IMMEDIATE: Connect's _txlock
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // nothing was written through tx
	// The write lock is taken by the first statement under some drivers.
	if _, err := tx.ExecContext(ctx, "SELECT 1"); err != nil {
		return err
	}
	f, err := os.OpenFile(dbPath+"-wal", os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	zeros := make([]byte, reserveChunk)
	for off := st.Size(); off < size && err == nil; off += reserveChunk {
		_, err = f.WriteAt(zeros[:min(reserveChunk, size-off)], off)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
