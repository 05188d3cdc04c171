package main

import (
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"

	"printlab/internal/sqlitedb"
)

// dbConfig tunes PocketBase's SQLite pools for a desk that writes often
// (BENCHMARKS.md, issue #3):
//   - every connection of the read pool is kept open: PocketBase keeps 15 of
//     its 120, so under load connections were closed and reopened (each
//     reopening parses the whole schema again);
//   - the pool is capped at 32, enough for 2–8 cores of readers;
//   - the connections are opened by sqlitedb.Connect (memory-mapped reads,
//     transactions that take the write lock first, no checkpoint by a commit);
//   - the main database's WAL is copied back (checkpointed) by a background
//     loop, not by whichever move's commit crossed SQLite's 1,000-page mark:
//     that commit held the single writer for the copy and its fsync.
func dbConfig(dataDir string) pocketbase.Config {
	return pocketbase.Config{
		DefaultDataDir:   dataDir,
		DataMaxOpenConns: 32,
		DataMaxIdleConns: 32,
		DBConnect:        sqlitedb.Connect,
	}
}

// checkpointEvery is how often the background loop checkpoints the WAL.
const checkpointEvery = 50 * time.Millisecond

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
