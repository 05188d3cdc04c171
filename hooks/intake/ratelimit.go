package intake

import (
	"sync"
	"time"
)

// window is a sliding one-hour count per key (an IP address), kept in memory:
// a restart forgets it, which is acceptable for a limit meant to stop a
// runaway script, not to account for anything.
type window struct {
	mu   sync.Mutex
	span time.Duration
	hits map[string][]time.Time
}

func newWindow(span time.Duration) *window {
	return &window{span: span, hits: map[string][]time.Time{}}
}

// allow records a hit for key when fewer than limit hits happened in the last
// span, and otherwise answers false with the time the oldest hit leaves the
// window. A limit <= 0 means no limit.
func (w *window) allow(key string, limit int, now time.Time) (bool, time.Time) {
	if limit <= 0 {
		return true, time.Time{}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	recent := w.prune(key, now)
	if len(recent) >= limit {
		return false, recent[0].Add(w.span)
	}
	w.hits[key] = append(recent, now)
	if len(w.hits) > 10000 {
		w.sweep(now)
	}
	return true, time.Time{}
}

// forget removes key's most recent hit: a submission refused for the
// student's own mistakes does not use up their allowance.
func (w *window) forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if h := w.hits[key]; len(h) > 0 {
		w.hits[key] = h[:len(h)-1]
	}
}

func (w *window) prune(key string, now time.Time) []time.Time {
	h := w.hits[key]
	i := 0
	for i < len(h) && now.Sub(h[i]) >= w.span {
		i++
	}
	h = h[i:]
	if len(h) == 0 {
		delete(w.hits, key)
	}
	return h
}

// sweep drops keys with no recent hits so the map cannot grow without bound.
func (w *window) sweep(now time.Time) {
	for k := range w.hits {
		w.prune(k, now)
	}
}
