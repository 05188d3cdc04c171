//go:build unix

package model3d_test

import (
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time, reported by the
// benchmarks beside wall time because the shared build machine is often
// busy and wall time then mostly measures the other jobs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
