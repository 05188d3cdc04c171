package main

import (
	"path/filepath"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
)

// dbConfig tunes PocketBase's SQLite pools for a desk that writes often
// (BENCHMARKS.md, issue #3):
//   - every connection of the read pool is kept open: PocketBase keeps 15 of
//     its 120, so under load connections were closed and reopened (each
//     reopening parses the whole schema again);
//   - the pool is capped at 32, enough for 2–8 cores of readers;
//   - reads go through a memory map (mmap_size, up to SQLite's 2 GB cap), so a
//     page another connection changed is not copied into each connection's own
//     cache again;
//   - the main database's WAL is copied back (checkpointed) by a background
//     loop, not by whichever move's commit crossed SQLite's 1,000-page mark:
//     that commit held the single writer for the copy and its fsync. SQLite's
//     own checkpoint stays as a backstop at 10,000 pages.
//
// The other pragmas are PocketBase's defaults (core.DefaultDBConnect).
func dbConfig(dataDir string) pocketbase.Config {
	return pocketbase.Config{
		DefaultDataDir:   dataDir,
		DataMaxOpenConns: 32,
		DataMaxIdleConns: 32,
		DBConnect:        dbConnect,
	}
}

func dbConnect(dbPath string) (*dbx.DB, error) {
	dsn := dbPath + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=journal_size_limit(200000000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)" +
		"&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)&_pragma=mmap_size(2147418112)"
	if filepath.Base(dbPath) == mainDB {
		dsn += "&_pragma=wal_autocheckpoint(10000)"
	}
	return dbx.Open("sqlite", dsn)
}

// mainDB is PocketBase's main database file (the other holds logs).
const mainDB = "data.db"

// checkpointEvery is how often the background loop checkpoints the WAL.
const checkpointEvery = 250 * time.Millisecond

// checkpointer runs SQLite's passive checkpoint on the read pool while the app
// serves: it never waits for the writer nor blocks it.
func checkpointer(app core.App) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		stop := make(chan struct{})
		app.OnTerminate().BindFunc(func(t *core.TerminateEvent) error {
			close(stop)
			return t.Next()
		})
		go func() {
			tick := time.NewTicker(checkpointEvery)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := app.ConcurrentDB().NewQuery("PRAGMA wal_checkpoint(PASSIVE)").Execute(); err != nil {
						app.Logger().Warn("printlab: WAL checkpoint", "error", err)
					}
				}
			}
		}()
		return e.Next()
	})
}

var _ core.DBConnectFunc = dbConnect
