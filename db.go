package main

import (
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
//   - reads go through a memory map (mmap_size), so a page another connection
//     changed is not copied into each connection's own cache again.
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
	return dbx.Open("sqlite", dbPath+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"+
		"&_pragma=journal_size_limit(200000000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"+
		"&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)&_pragma=mmap_size(268435456)")
}

var _ core.DBConnectFunc = dbConnect
