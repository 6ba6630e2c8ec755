package main

import (
	"os"
	"runtime/debug"
)

// simGCPercent is the GOGC of the simulating subcommands. A run's live heap
// is small (a few MB per job) and short-lived, so at the default 100 the
// collector runs every few MB allocated and takes a large share of the CPU
// (and, with --jobs 1, the other core's wakeups): 400 explores about 1.2x
// (one job) to 1.6x (two jobs) more seeds per second for a peak RSS that
// stays a few tens of MB and flat over the number of seeds.
const simGCPercent = 400

// tuneGC sets simGCPercent unless the user set GOGC.
func tuneGC() {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(simGCPercent)
	}
}
