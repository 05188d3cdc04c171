package pace_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"printlab/hooks/pace"
)

const gap = 20 * time.Millisecond

// waited runs Wait and returns how long it took.
func waited(g *pace.Gate, ctx context.Context, max time.Duration) time.Duration {
	start := time.Now()
	g.Wait(ctx, max)
	return time.Since(start)
}

func TestQuietDeskDoesNotHoldBackgroundWork(t *testing.T) {
	g := pace.NewGate(gap)
	if d := waited(g, context.Background(), time.Second); d > 5*time.Millisecond {
		t.Errorf("a desk with no moves held background work for %v", d)
	}
}

func TestBusyDeskHoldsBackgroundWorkUntilQuiet(t *testing.T) {
	g := pace.NewGate(gap)
	end := g.Begin()
	time.AfterFunc(150*time.Millisecond, end)
	d := waited(g, context.Background(), 5*time.Second)
	if d < 150*time.Millisecond+gap {
		t.Errorf("background work ran %v after it started waiting, before the move ended (150 ms) and the desk was quiet for %v", d, gap)
	}
	if d > time.Second {
		t.Errorf("background work waited %v: it should run soon after the desk is quiet", d)
	}
}

// Moves that keep coming, each starting before the last ended, never leave a
// quiet gap: the hold ends at its bound.
func TestBackgroundWorkIsHeldForAtMostTheBound(t *testing.T) {
	g := pace.NewGate(gap)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	end := g.Begin()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				end()
				return
			case <-time.After(2 * time.Millisecond):
				next := g.Begin()
				end()
				end = next
			}
		}
	}()
	d := waited(g, context.Background(), 300*time.Millisecond)
	close(stop)
	wg.Wait()
	if d < 290*time.Millisecond || d > 600*time.Millisecond {
		t.Errorf("held %v under a steady stream of moves, want about the 300 ms bound", d)
	}
	// Once the stream ends, work waits only for the quiet gap.
	if d := waited(g, context.Background(), 5*time.Second); d > 500*time.Millisecond {
		t.Errorf("after the moves stopped, background work waited %v", d)
	}
}

// Many waiters (every job's rewrite) share one watcher and all go once quiet;
// a cancelled waiter (shutdown) goes at once.
func TestWaitersAllGoWhenQuietAndOnCancel(t *testing.T) {
	g := pace.NewGate(gap)
	end := g.Begin()
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan time.Duration, 1)
	go func() { cancelled <- waited(g, ctx, 5*time.Second) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if d := <-cancelled; d > 200*time.Millisecond {
		t.Errorf("a cancelled waiter was held %v", d)
	}

	const n = 200
	var wg sync.WaitGroup
	durations := make([]time.Duration, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			durations[i] = waited(g, context.Background(), 5*time.Second)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	end()
	end() // calling it twice is harmless: the desk is not counted idle twice
	wg.Wait()
	for i, d := range durations {
		if d > 2*time.Second {
			t.Fatalf("waiter %d held %v after the desk went quiet", i, d)
		}
	}
	// The second end() must not have made the count negative: a new move
	// holds work again.
	end2 := g.Begin()
	defer end2()
	if d := waited(g, context.Background(), 100*time.Millisecond); d < 90*time.Millisecond {
		t.Errorf("a move in flight did not hold background work (%v)", d)
	}
}
