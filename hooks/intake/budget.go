package intake

import "sync"

// parseBudget bounds the model bytes being parsed, analysed and rendered at
// once. A parsed mesh plus its analysis take about 1.7 bytes of memory per
// byte of binary STL, so this admits one 50 MB model, or a dozen 5 MB ones,
// and keeps a burst of large uploads from multiplying the server's memory.
const parseBudget = 64 << 20

// budget is a weighted semaphore over bytes.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int64
	size int64
}

func newBudget(size int64) *budget {
	b := &budget{free: size, size: size}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits until n bytes (at most the whole budget) are free and takes
// them; it returns what to pass to release.
func (b *budget) acquire(n int64) int64 {
	n = min(max(n, 1), b.size)
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.free < n {
		b.cond.Wait()
	}
	b.free -= n
	return n
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
}
