package opener

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkOpen50MB measures one link from parsing to the slicer process being started: the
// server lookup, a 50 MB download over loopback with hashing, the rename, and exec of a
// stand-in slicer. Run with: make bench.
func BenchmarkOpen50MB(b *testing.B) {
	body := make([]byte, 50<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range body {
		body[i] = byte(rng.Uint32())
	}
	fs := &fakeServer{body: body, name: std}
	o, _, work := setupBench(b, fs)
	// A stand-in slicer that exits at once: the real ones outlive the benchmark's temp folders.
	noop := filepath.Join(b.TempDir(), "slicer")
	if err := os.WriteFile(noop, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	o.Config.Slicers["3mf"] = noop
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := o.Open(context.Background(), linkFor("model")); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if fi, err := os.Stat(filepath.Join(work, short, std)); err != nil || fi.Size() != int64(len(body)) {
		b.Fatalf("file not saved: %v", err)
	}
}
