package sim

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time (user + system) the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per op since start, which a loaded machine
// distorts less than wall time.
func reportCPU(b *testing.B, start time.Duration, ops uint64, unit string) {
	if ops == 0 {
		return
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(ops), "cpu-ns/"+unit)
}
