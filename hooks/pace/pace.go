// Package pace lets background work give way to the desk. Staff moves are what
// people wait for; the emails, job.json rewrites and WAL checkpoints that follow
// them are not. On two cores both cannot run at once without slowing the moves, so
// while moves keep arriving, background work waits for a quiet moment, for at most
// a bound: an email is held by a busy desk for seconds, never longer.
//
// One gate belongs to each app (tests run several apps in one process).
package pace

import (
	"context"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

const (
	// Gap is how long no move may have been in flight for the desk to count
	// as quiet: a person clicking leaves far longer gaps, a burst of bulk
	// actions or several busy workstations none.
	Gap = 25 * time.Millisecond
	// MaxHold bounds how long background work waits for quiet.
	MaxHold = 5 * time.Second
)

const storeKey = "printlab.pace"

// Gate counts the moves in flight and tells waiters when the desk is quiet.
type Gate struct {
	gap time.Duration
	now func() time.Time

	mu       sync.Mutex
	busy     int
	lastEnd  time.Time
	quiet    chan struct{} // closed at the next quiet moment; nil when no one waits
	watching bool
}

// NewGate returns a gate that counts the desk quiet after gap without moves.
func NewGate(gap time.Duration) *Gate { return &Gate{gap: gap, now: time.Now} }

// For returns app's gate.
func For(app core.App) *Gate {
	return app.Store().GetOrSet(storeKey, func() any { return NewGate(Gap) }).(*Gate)
}

// Begin marks a move in flight; the returned function marks it done.
func (g *Gate) Begin() (end func()) {
	g.mu.Lock()
	g.busy++
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			g.busy--
			g.lastEnd = g.now()
			g.mu.Unlock()
		})
	}
}

// isQuiet reports whether no move is in flight and none ended within the gap.
// The caller holds mu.
func (g *Gate) isQuiet() bool {
	return g.busy == 0 && g.now().Sub(g.lastEnd) >= g.gap
}

// Wait returns when the desk is quiet, when max has passed or when ctx ends,
// whichever comes first. It returns at once on a quiet desk. Any number of
// goroutines may wait: they share one watcher.
func (g *Gate) Wait(ctx context.Context, max time.Duration) {
	g.mu.Lock()
	if g.isQuiet() {
		g.mu.Unlock()
		return
	}
	if g.quiet == nil {
		g.quiet = make(chan struct{})
	}
	quiet := g.quiet
	if !g.watching {
		g.watching = true
		go g.watch()
	}
	g.mu.Unlock()
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-quiet:
	case <-t.C:
	case <-ctx.Done():
	}
}

// watch looks at the desk every half gap and wakes the waiters once it is
// quiet. It runs only while someone waits.
func (g *Gate) watch() {
	tick := time.NewTicker(g.gap / 2)
	defer tick.Stop()
	for range tick.C {
		g.mu.Lock()
		if g.isQuiet() {
			close(g.quiet)
			g.quiet, g.watching = nil, false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
	}
}
