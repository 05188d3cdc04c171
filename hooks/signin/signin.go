// Package signin keeps the records of signed-in workstations and superusers in
// memory, so that a request's sign-in check is a signature check rather than a
// database read. PocketBase reads the token's record on every request; at the
// desk that read was an eighth of a move's CPU.
//
// The token is still verified on every request, against the record's own key
// and its collection's secret, exactly as PocketBase does. A cached record is
// dropped the moment its row is saved or deleted (a new password changes its
// key and so ends its tokens), all of them when an auth collection changes
// (its secret may have been rotated), and each after ttl in any case.
package signin

import (
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/security"

	"printlab/schema"
)

const (
	// ttl bounds how long a record is trusted without a read, should a change
	// ever reach the database without PocketBase's hooks (a hand-run SQL
	// statement, another process).
	ttl = 30 * time.Second
	// maxEntries bounds the cache; a lab has a few workstations and admins.
	maxEntries = 256
)

// cached are the collections whose records are kept.
var cached = map[string]bool{schema.Workstations: true, core.CollectionNameSuperusers: true}

type entry struct {
	rec *core.Record
	at  time.Time
}

type cache struct {
	mu   sync.Mutex
	gen  uint64 // bumped by every invalidation: a read that raced one is not kept
	recs map[string]entry
}

// Register puts the cache in front of PocketBase's own sign-in check, which
// then finds the request signed in and skips its read; a request the cache
// cannot vouch for goes on to PocketBase's check unchanged.
func Register(app core.App) {
	c := &cache{recs: map[string]entry{}}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "printlabSignin",
			Priority: apis.DefaultLoadAuthTokenMiddlewarePriority - 1,
			Func:     c.load,
		})
		return se.Next()
	})
	forget := func(e *core.ModelEvent) error {
		c.forgetAll()
		return e.Next()
	}
	for name := range cached {
		app.OnModelAfterUpdateSuccess(name).BindFunc(forget)
		app.OnModelAfterDeleteSuccess(name).BindFunc(forget)
	}
	app.OnCollectionAfterUpdateSuccess().BindFunc(func(e *core.CollectionEvent) error {
		c.forgetAll()
		return e.Next()
	})
	app.OnCollectionAfterDeleteSuccess().BindFunc(func(e *core.CollectionEvent) error {
		c.forgetAll()
		return e.Next()
	})
}

func (c *cache) forgetAll() {
	c.mu.Lock()
	c.gen++
	clear(c.recs)
	c.mu.Unlock()
}

func (c *cache) load(e *core.RequestEvent) error {
	if e.Auth == nil {
		if rec := c.verify(e.App, bearer(e.Request.Header.Get("Authorization"))); rec != nil {
			// Each request gets its own copy: a handler may change e.Auth.
			e.Auth = rec.Clone()
		}
	}
	return e.Next()
}

// verify returns the record a valid auth token of a cached collection signs
// in, or nil (then PocketBase's own check has its say).
func (c *cache) verify(app core.App, token string) *core.Record {
	if token == "" {
		return nil
	}
	claims, err := security.ParseUnverifiedJWT(token)
	if err != nil {
		return nil
	}
	id, _ := claims[core.TokenClaimId].(string)
	colID, _ := claims[core.TokenClaimCollectionId].(string)
	typ, _ := claims[core.TokenClaimType].(string)
	if id == "" || colID == "" || typ != core.TokenTypeAuth {
		return nil
	}
	key := colID + "/" + id
	now := time.Now()
	c.mu.Lock()
	ent, ok := c.recs[key]
	gen := c.gen
	c.mu.Unlock()
	rec := ent.rec
	if !ok || now.Sub(ent.at) >= ttl {
		col, err := app.FindCachedCollectionByNameOrId(colID)
		if err != nil || !col.IsAuth() || !cached[col.Name] {
			return nil
		}
		if rec, err = app.FindRecordById(col, id); err != nil {
			return nil
		}
		c.mu.Lock()
		if c.gen == gen {
			if len(c.recs) >= maxEntries {
				clear(c.recs)
			}
			c.recs[key] = entry{rec: rec, at: now}
		}
		c.mu.Unlock()
	}
	if _, err := security.ParseJWT(token, rec.TokenKey()+rec.Collection().AuthToken.Secret); err != nil {
		return nil
	}
	return rec
}

// bearer is the token of an Authorization header, with or without the
// "Bearer " prefix, as PocketBase reads it.
func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return h[7:]
	}
	return h
}
