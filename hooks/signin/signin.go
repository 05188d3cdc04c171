// Package signin lets a request's sign-in check be a signature check rather
// than a database read: the records of workstations and superusers come from
// PrintLab's record cache (stmts.CacheRecords). PocketBase reads the token's
// record on every request; at the desk that read was an eighth of a move's CPU.
//
// A token is verified as PocketBase does, against the record's own key and its
// collection's secret; a token verified before is trusted again only while its
// record is the very record it was checked against, and until it expires. The
// cache drops a record the moment its row is saved or deleted (a new password
// changes its key and so ends its tokens), all of them when a collection
// changes (its secret may have been rotated), and each after 30 s in any case.
package signin

import (
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/security"

	"printlab/hooks/stmts"
	"printlab/schema"
)

// Cached are the auth collections whose sign-ins are checked from memory;
// hooks.Register keeps their records in the record cache.
var Cached = []string{schema.Workstations, core.CollectionNameSuperusers}

// Register puts the check in front of PocketBase's own sign-in check, which
// then finds the request signed in and skips its read; a request it cannot
// vouch for goes on to PocketBase's check unchanged.
func Register(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "printlabSignin",
			Priority: apis.DefaultLoadAuthTokenMiddlewarePriority - 1,
			Func:     load,
		})
		return se.Next()
	})
}

func load(e *core.RequestEvent) error {
	if e.Auth == nil {
		if rec := verify(e.App, bearer(e.Request.Header.Get("Authorization"))); rec != nil {
			// Each request gets its own copy: a handler may change e.Auth, and
			// the cached record is shared.
			e.Auth = rec.Clone()
		}
	}
	return e.Next()
}

// verify returns the record a valid auth token of a cached collection signs
// in, or nil (then PocketBase's own check has its say).
func verify(app core.App, token string) *core.Record {
	if token == "" {
		return nil
	}
	if rec := verified(app, token); rec != nil {
		return rec
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
	col, err := app.FindCachedCollectionByNameOrId(colID)
	if err != nil || !col.IsAuth() || !cachedCollection(col.Name) {
		return nil
	}
	rec, err := stmts.FindByIDCached(app, col.Name, id)
	if err != nil {
		return nil
	}
	checked, err := security.ParseJWT(token, rec.TokenKey()+rec.Collection().AuthToken.Secret)
	if err != nil {
		return nil
	}
	if exp, err := checked.GetExpirationTime(); err == nil && exp != nil {
		remember(app, token, seen{rec: rec, exp: exp.Time})
	}
	return rec
}

// A token whose signature was checked is remembered with the record it was
// checked against: while the record cache still holds that same record (no
// save, delete or collection change since, and at most its 30 s), the
// signature and the record's key are what they were, and only the expiry is
// left to check. Decoding the token twice and its HMAC were a twentieth of a
// move's CPU.
type seen struct {
	rec *core.Record
	exp time.Time
}

type seenTokens struct {
	mu     sync.Mutex
	tokens map[string]seen
}

// seenMax bounds the remembered tokens: a lab has tens of workstations, each
// with a token or two a day.
const seenMax = 1024

const seenKey = "printlab.seenTokens"

func seenOf(app core.App) *seenTokens {
	return app.Store().GetOrSet(seenKey, func() any { return &seenTokens{tokens: map[string]seen{}} }).(*seenTokens)
}

// verified is the record of a token checked before, when nothing has
// changed since and it has not expired; else nil.
func verified(app core.App, token string) *core.Record {
	st := seenOf(app)
	st.mu.Lock()
	s, ok := st.tokens[token]
	st.mu.Unlock()
	if !ok || !time.Now().Before(s.exp) {
		return nil
	}
	rec, err := stmts.FindByIDCached(app, s.rec.Collection().Name, s.rec.Id)
	if err != nil || rec != s.rec {
		return nil
	}
	return rec
}

func remember(app core.App, token string, s seen) {
	st := seenOf(app)
	st.mu.Lock()
	if len(st.tokens) >= seenMax {
		clear(st.tokens)
	}
	st.tokens[token] = s
	st.mu.Unlock()
}

func cachedCollection(name string) bool {
	for _, c := range Cached {
		if c == name {
			return true
		}
	}
	return false
}

// bearer is the token of an Authorization header, with or without the
// "Bearer " prefix, as PocketBase reads it.
func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return h[7:]
	}
	return h
}
