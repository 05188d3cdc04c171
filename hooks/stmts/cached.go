package stmts

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// The records a move looks up every time but people change rarely (who acts,
// the job's material) are kept in memory: reading and building them was a
// tenth of an approve's CPU (BENCHMARKS.md, issue #3). A cache is dropped
// whole when any record of its collections is saved or deleted, or when a
// collection's schema changes, and an entry is read again after cacheTTL in
// any case (a change made with plain SQL, which runs no hook).

// cacheTTL bounds how long an entry is trusted without a hook saying so.
const cacheTTL = 30 * time.Second

// cacheMax bounds the entries of one app's cache: a lab has tens of staff and
// materials; ids beyond that are read as before.
const cacheMax = 4096

const storeKey = "printlab.recordCache"

type cachedRec struct {
	rec *core.Record
	at  time.Time
}

type recordCache struct {
	cols map[string]bool // the collections kept, by name
	mu   sync.Mutex
	gen  uint64 // bumped by every invalidation: a read that raced one is not kept
	recs map[string]cachedRec
}

// CacheRecords keeps the records of the named collections of app in memory
// for FindByIDCached, and binds the hooks that drop them when they change.
func CacheRecords(app core.App, names ...string) {
	c := &recordCache{cols: map[string]bool{}, recs: map[string]cachedRec{}}
	for _, n := range names {
		c.cols[n] = true
	}
	app.Store().Set(storeKey, c)
	forget := func(e *core.ModelEvent) error {
		c.forget()
		return e.Next()
	}
	for _, n := range names {
		app.OnModelAfterCreateSuccess(n).BindFunc(forget)
		app.OnModelAfterUpdateSuccess(n).BindFunc(forget)
		app.OnModelAfterDeleteSuccess(n).BindFunc(forget)
		// A save that fails after the row changed (a rolled-back transaction)
		// leaves the row as it was; forgetting costs one read.
		app.OnModelAfterUpdateError(n).BindFunc(func(e *core.ModelErrorEvent) error {
			c.forget()
			return e.Next()
		})
	}
	forgetCol := func(e *core.CollectionEvent) error {
		c.forget()
		return e.Next()
	}
	app.OnCollectionAfterUpdateSuccess().BindFunc(forgetCol)
	app.OnCollectionAfterDeleteSuccess().BindFunc(forgetCol)
}

func (c *recordCache) forget() {
	c.mu.Lock()
	c.gen++
	clear(c.recs)
	c.mu.Unlock()
}

// FindByIDCached is FindByID for the collections CacheRecords keeps: the
// record comes from memory when it was read less than cacheTTL ago and has
// not changed since. The record is shared: read it, never change it. Inside a
// transaction, or for a collection not kept, it is FindByID.
func FindByIDCached(app core.App, name, id string) (*core.Record, error) {
	c, _ := app.Store().Get(storeKey).(*recordCache)
	if c == nil || !c.cols[name] || app.IsTransactional() {
		return FindByID(app, name, id)
	}
	key := name + "/" + id
	now := time.Now()
	c.mu.Lock()
	ent, ok := c.recs[key]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Sub(ent.at) < cacheTTL {
		return ent.rec, nil
	}
	rec, err := FindByID(app, name, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if len(c.recs) >= cacheMax {
			clear(c.recs)
		}
		c.recs[key] = cachedRec{rec: rec, at: now}
	}
	c.mu.Unlock()
	return rec, nil
}
