package main

import (
	"context"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/pace"
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
//     that commit held the single writer for the copy and its fsync; the loop
//     waits for a quiet desk (checkpointer).
func dbConfig(dataDir string) pocketbase.Config {
	return pocketbase.Config{
		DefaultDataDir:   dataDir,
		DataMaxOpenConns: 32,
		DataMaxIdleConns: 32,
		DBConnect:        sqlitedb.Connect,
	}
}

// checkpointEvery is how often the background loop checkpoints the WAL while
// the desk is quiet.
const checkpointEvery = 50 * time.Millisecond

// checkpointer runs SQLite's passive checkpoint on the read pool while the app
// serves: it never waits for the writer nor blocks it. While moves keep
// arriving it waits for a quiet desk, as emails and job.json rewrites do, for
// at most pace.MaxHold: copying the WAL back took a core for milliseconds at a
// time, and those pauses were most of the slowest moves of a burst (p99 80 ms
// against 22 ms without them, BENCHMARKS.md). Within a burst the WAL grows
// instead (about 60 kB a move); SQLite's own checkpoint at 50,000 pages stays
// as a backstop.
func checkpointer(app core.App) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		ctx, cancel := context.WithCancel(context.Background())
		app.OnTerminate().BindFunc(func(t *core.TerminateEvent) error {
			cancel()
			return t.Next()
		})
		go checkpointLoop(ctx, checkpointEvery, pace.For(app), pace.MaxHold, func() {
			if _, err := app.ConcurrentDB().NewQuery("PRAGMA wal_checkpoint(PASSIVE)").Execute(); err != nil {
				app.Logger().Warn("printlab: WAL checkpoint", "error", err)
			}
		})
		return e.Next()
	})
}

// checkpointLoop calls checkpoint every interval once the desk (gate) is quiet
// or has been busy for maxHold, until ctx ends.
func checkpointLoop(ctx context.Context, every time.Duration, gate *pace.Gate, maxHold time.Duration, checkpoint func()) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			gate.Wait(ctx, maxHold)
			if ctx.Err() != nil {
				return
			}
			checkpoint()
		}
	}
}
