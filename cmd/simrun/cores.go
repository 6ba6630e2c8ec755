package main

import (
	"os"
	"runtime"
)

// useCores sets GOMAXPROCS to the number of worlds that run at once, jobs
// (at most the machine's CPUs), unless the user set GOMAXPROCS, and returns
// what restores it. A World runs one task at a time by design; a spare P
// does not make it faster but slower, since every handoff between two
// tasks' goroutines wakes the idle P, which finds nothing to do (futex
// wake-ups, and tasks migrating between cores): on the 2-core machine a
// single world simulated gc-pause with redlock about 1.15x and explored
// random faults with lua about 1.35x faster with one P than with two.
func useCores(jobs int) (restore func()) {
	if _, ok := os.LookupEnv("GOMAXPROCS"); ok {
		return func() {}
	}
	prev := runtime.GOMAXPROCS(max(1, min(jobs, runtime.NumCPU())))
	return func() { runtime.GOMAXPROCS(prev) }
}
