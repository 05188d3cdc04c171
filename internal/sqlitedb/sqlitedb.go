// Package sqlitedb opens PrintLab's SQLite databases: the server and the
// tests open them the same way.
package sqlitedb

import (
	"path/filepath"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// MainDB is PocketBase's main database file (the other holds logs).
const MainDB = "data.db"

// Connect opens a pool on dbPath with PocketBase's pragmas
// (core.DefaultDBConnect) and PrintLab's:
//   - reads go through a memory map (mmap_size, up to SQLite's 2 GB cap), so a
//     page another connection changed is not copied into each connection's own
//     cache again;
//   - transactions begin IMMEDIATE, taking the write lock (and waiting for
//     it under busy_timeout) before their first read. A deferred transaction
//     that read first and then wrote could not wait: SQLite answers such an
//     upgrade at once with SQLITE_BUSY when a reader holds the WAL's write
//     lock for a moment, and under load a move failed with "database is
//     locked". Only the writer pool runs transactions, and it is the only
//     writer, so taking the lock early costs nothing;
//   - the main database's WAL is checkpointed by the server's background loop
//     (main's checkpointer), not by whichever move's commit crossed SQLite's
//     1,000-page mark: SQLite's own checkpoint stays as a backstop at 50,000
//     pages (200 MB, the journal_size_limit), which a burst of moves that the
//     loop waits out does not reach;
//   - each connection's page cache is 2 MB, not 32 MB. Reads come from the
//     memory map, so a large cache held little, and it cost the single writer
//     at every commit: when a B-tree page splits, SQLite parks a page under
//     the number of its locking page (1 GiB in) for a moment, and at the
//     commit its page cache then walks its whole hash table (16,000 buckets
//     at 32 MB) to drop pages past the end of the file. That walk was a sixth
//     of the writer's time (BENCHMARKS.md, issue #3).
func Connect(dbPath string) (*dbx.DB, error) {
	dsn := dbPath + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=journal_size_limit(200000000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)" +
		"&_pragma=temp_store(MEMORY)&_pragma=cache_size(-2000)&_pragma=mmap_size(2147418112)&_txlock=immediate"
	if filepath.Base(dbPath) == MainDB {
		dsn += "&_pragma=wal_autocheckpoint(50000)"
	}
	return dbx.Open("sqlite", dsn)
}

var _ core.DBConnectFunc = Connect
