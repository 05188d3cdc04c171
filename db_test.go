package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"printlab/hooks/pace"
)

// The WAL is checkpointed every interval while the desk is quiet, not while
// moves keep arriving (unless they have for maxHold), and at once when the
// desk falls quiet again.
func TestCheckpointsWaitForAQuietDesk(t *testing.T) {
	gate := pace.NewGate(20 * time.Millisecond)
	var runs atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		checkpointLoop(ctx, 10*time.Millisecond, gate, 600*time.Millisecond, func() { runs.Add(1) })
		close(done)
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting until %s (%d checkpoints)", what, runs.Load())
			}
		}
	}
	waitFor("a quiet desk is checkpointed", func() bool { return runs.Load() >= 3 })

	// A burst of moves: one always in flight.
	end := gate.Begin()
	time.Sleep(60 * time.Millisecond) // a checkpoint that had started is over
	during := runs.Load()
	time.Sleep(300 * time.Millisecond)
	if n := runs.Load(); n != during {
		t.Fatalf("%d checkpoints ran while moves were in flight", n-during)
	}
	// Held for maxHold, the checkpoint runs even though the desk is busy.
	waitFor("a desk busy for longer than maxHold is checkpointed", func() bool { return runs.Load() > during })
	if held := runs.Load(); held > during+1 {
		t.Fatalf("%d checkpoints within one hold", held-during)
	}
	end()
	after := runs.Load()
	waitFor("the quiet desk is checkpointed again", func() bool { return runs.Load() >= after+3 })

	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the loop did not stop with its context")
	}
}
