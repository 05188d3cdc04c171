package jobs

import (
	"errors"
	"sync"

	"github.com/pocketbase/pocketbase/core"
)

// Moves take turns on SQLite's single writer, and the moves that queued while
// one transaction ran share the next (group commit): the batch commits once.
// A commit is most of a move's time on the writer (it appends every changed
// page to the WAL), and moves of a busy moment change the same pages (the ends
// of the history's and the outbox's indexes), so a batch of eight costs little
// more than one. Each move is still all or nothing. A move refused on the
// writer (its job changed since it was planned) is refused before it writes
// anything, so the others go on; a move that fails after it wrote a row (a
// database error, not a refusal) rolls back the whole batch, which runs again
// without it, so that none of its rows and no hook of a record it saved
// remain. Moves need no savepoints: each one's SAVEPOINT and RELEASE, and the
// copies of pages SQLite keeps to roll one back, were a twentieth of the
// writer's time.

// maxBatch bounds how many moves share one transaction.
const maxBatch = 16

type turn struct {
	fn   func(tx core.App) error
	err  error
	lead bool          // woken to run the next batch, not with its result
	done chan struct{} // receives once: the result is in err, or lead is set
}

// lane is the queue of one database's moves.
type lane struct {
	mu      sync.Mutex
	queue   []*turn
	running bool
}

var lanes sync.Map // the app's writer (dbx.Builder) → *lane

// savedThenFailed marks a move's error that came after it saved records.
type savedThenFailed struct{ err error }

func (e *savedThenFailed) Error() string { return e.err.Error() }
func (e *savedThenFailed) Unwrap() error { return e.err }

// unmarked is err without the savedThenFailed mark, which only runBatch reads:
// Do's callers get the move's own error.
func unmarked(err error) error {
	var sf *savedThenFailed
	if errors.As(err, &sf) {
		return sf.err
	}
	return err
}

// redo aborts a batch's transaction so that it runs again without t.
type redo struct{ t *turn }

func (redo) Error() string {
	return "printlab: a move failed after saving; its batch runs again without it"
}

// inTurn runs fn in a transaction with the moves queued beside it, in arrival
// order. A move inside a caller's transaction already holds the writer. After
// the commit PocketBase runs the after-commit hooks of the rows the batch
// saved, before the next batch starts: such a hook must not call Do with the
// app (with its tx it may).
func inTurn(app core.App, nested bool, fn func(tx core.App) error) error {
	if nested {
		return unmarked(app.RunInTransaction(fn))
	}
	v, _ := lanes.LoadOrStore(app.NonconcurrentDB(), &lane{})
	l := v.(*lane)
	t := &turn{fn: fn, done: make(chan struct{}, 1)}
	l.mu.Lock()
	if l.running {
		l.queue = append(l.queue, t)
		l.mu.Unlock()
		<-t.done
		if !t.lead {
			return t.err
		}
		l.mu.Lock()
	}
	l.running = true
	batch := []*turn{t}
	n := min(len(l.queue), maxBatch-1)
	batch = append(batch, l.queue[:n]...)
	l.queue = l.queue[n:]
	l.mu.Unlock()

	runBatch(app, batch)

	l.mu.Lock()
	if len(l.queue) > 0 {
		next := l.queue[0]
		l.queue = l.queue[1:]
		next.lead = true
		next.done <- struct{}{}
	} else {
		l.running = false
	}
	l.mu.Unlock()
	for _, b := range batch[1:] {
		b.done <- struct{}{}
	}
	return t.err
}

// runBatch runs the moves of batch in one transaction.
func runBatch(app core.App, batch []*turn) {
	pending := batch
	for len(pending) > 0 {
		err := app.RunInTransaction(func(tx core.App) error {
			for _, b := range pending {
				b.err = b.fn(tx)
				if errors.As(b.err, new(*savedThenFailed)) {
					b.err = unmarked(b.err)
					if len(pending) == 1 {
						return b.err // a lone move: its transaction is its own
					}
					return redo{b}
				}
			}
			return nil
		})
		var r redo
		if errors.As(err, &r) {
			pending = without(pending, r.t)
			continue
		}
		if err != nil {
			for _, b := range pending {
				if b.err == nil {
					b.err = err // the commit failed: none of them happened
				}
			}
		}
		return
	}
}

func without(ts []*turn, t *turn) []*turn {
	out := make([]*turn, 0, len(ts)-1)
	for _, x := range ts {
		if x != t {
			out = append(out, x)
		}
	}
	return out
}
