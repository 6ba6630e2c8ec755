package unmodified_test

import (
	"testing"
	"time"

	"github.com/locksim/locksim/backend/unmodified"
	"github.com/locksim/locksim/internal/cputime"
	"github.com/locksim/locksim/scenario"
)

// BenchmarkGCPause measures virtual seconds simulated per wall second
// (and per CPU second of the process, which a loaded machine distorts
// less) on gc-pause: go-redsync and redislock unmodified on this backend,
// and, in the same run, locksim's redlock and lua on the deterministic
// backend, for the ratio.
func BenchmarkGCPause(b *testing.B) {
	sc, err := scenario.Lookup("gc-pause")
	if err != nil {
		b.Fatal(err)
	}
	for _, lock := range []string{"redsync", "redlock", "redislock", "lua"} {
		b.Run(lock, func(b *testing.B) {
			cfg, err := sc.Config(lock)
			if err != nil {
				b.Fatal(err)
			}
			var virtual time.Duration
			start, cpu := time.Now(), cputime.Used()
			for i := 0; b.Loop(); i++ {
				res, err := scenario.Run(cfg, uint64(i+1), scenario.Options{})
				if err != nil {
					b.Fatal(err)
				}
				virtual += res.Elapsed
			}
			b.ReportMetric(virtual.Seconds()/time.Since(start).Seconds(), "virtual-s/s")
			if used := cputime.Used() - cpu; used > 0 {
				b.ReportMetric(virtual.Seconds()/used.Seconds(), "virtual-s/cpu-s")
			}
		})
	}
	_ = unmodified.ErrNoBubble // the rows are registered by this package
}
