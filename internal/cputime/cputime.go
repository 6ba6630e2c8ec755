// Package cputime measures the CPU time of the process for benchmarks,
// which a loaded machine distorts less than wall time.
package cputime

import (
	"syscall"
	"testing"
	"time"
)

// Used returns the CPU time (user + system) the process used so far, 0 if
// the system cannot tell.
func Used() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportPerOp reports the CPU time per op since start as the metric
// "cpu-ns/<unit>".
func ReportPerOp(b *testing.B, start time.Duration, ops uint64, unit string) {
	if ops == 0 {
		return
	}
	b.ReportMetric(float64(Used()-start)/float64(ops), "cpu-ns/"+unit)
}
