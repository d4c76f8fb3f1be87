package testenv

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time (user and system) this process has used so far;
// the difference across a benchmark's step says how much work it was,
// which other processes on a shared machine move less than the wall time.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
