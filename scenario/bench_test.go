package scenario

import (
	"context"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"github.com/locksim/locksim/internal/cputime"
)

// BenchmarkGCPauseTimeCompression runs the gc-pause scenario with TTL 8s
// and 60 virtual seconds per run (Run: simulation and every check) and
// reports virtual seconds simulated per wall second (issue 6's target:
// 1,000) and per CPU second. The virtual time counted is the run's 60 s; the
// drain after it (clients finishing their critical sections) is extra.
func BenchmarkGCPauseTimeCompression(b *testing.B) {
	n, err := Lookup("gc-pause")
	if err != nil {
		b.Fatal(err)
	}
	for _, lock := range []string{"lua", "redlock"} {
		b.Run(lock, func(b *testing.B) {
			cfg, err := n.Config(lock)
			if err != nil {
				b.Fatal(err)
			}
			cfg.TTL, cfg.Duration = Duration(8*time.Second), Duration(60*time.Second)
			c0 := cputime.Used()
			seed := uint64(0)
			for b.Loop() {
				seed++
				if _, err := Run(cfg, seed, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			virt := float64(b.N) * cfg.Duration.D().Seconds()
			b.ReportMetric(virt/b.Elapsed().Seconds(), "virt-s/s")
			b.ReportMetric(virt/(cputime.Used()-c0).Seconds(), "virt-s/cpu-s")
		})
	}
}

// BenchmarkTimeToBug is issue 6's "time to a bug": for each of 10 starting
// seeds (--from 1, 101, ..., 901), explore with random faults until the
// first violation and report the medians of the wall time and of the number
// of seeds run (targets: lua within 1 s, redlock within 10 s).
func BenchmarkTimeToBug(b *testing.B) {
	for _, lock := range []string{"lua", "redlock"} {
		b.Run(lock, func(b *testing.B) {
			var walls, seeds []float64
			for b.Loop() {
				for k := range uint64(10) {
					wall, n := timeToBug(b, lock, 1+100*k)
					walls, seeds = append(walls, wall.Seconds()), append(seeds, float64(n))
				}
			}
			b.ReportMetric(median(walls), "s-to-bug")
			b.ReportMetric(median(seeds), "seeds-to-bug")
		})
	}
}

// timeToBug explores seeds from with random faults until the first
// violation (at most 2,000 seeds) and returns the wall time to it and the
// number of seeds run.
func timeToBug(b *testing.B, lock string, from uint64) (time.Duration, int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sum, err := Explore(ctx, ExploreOptions{
		Base: Config{Lock: lock}, RandomFaults: true, Seeds: 2000, From: from,
		OnResult: func(res *Result) {
			if res.Failed() {
				cancel() // the runs in progress still report
			}
		},
	})
	if err != nil && ctx.Err() == nil {
		b.Fatal(err)
	}
	if len(sum.Failing) == 0 {
		b.Fatalf("%s: no violation in seeds %d..%d", lock, from, from+1999)
	}
	return sum.TimeToFirst, int(sum.Failing[0]-from) + 1
}

// BenchmarkExploreScaling explores the same 200 seeds (lua, random faults)
// with 1 job and with 2, requires identical results, and reports seeds per
// wall second of each and the speedup (issue 6's target: 1.6 on 2 cores; a
// loaded machine lowers it), at simrun's GOGC and, as simrun explore sets
// it (cmd/simrun/cores.go), with GOMAXPROCS equal to the jobs.
func BenchmarkExploreScaling(b *testing.B) {
	const seeds = 200
	// as simrun explore runs (cmd/simrun/gc.go): the default GOGC spends
	// much of a core collecting a small, short-lived heap.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	var rate [3]float64
	var failing [3][]uint64
	for b.Loop() {
		for _, jobs := range []int{1, 2} {
			prev := runtime.GOMAXPROCS(jobs)
			sum, err := Explore(context.Background(), ExploreOptions{
				Base: Config{Lock: "lua"}, RandomFaults: true, Seeds: seeds, From: 1, Jobs: jobs,
			})
			runtime.GOMAXPROCS(prev)
			if err != nil {
				b.Fatal(err)
			}
			rate[jobs] += sum.SeedsPerSecond()
			failing[jobs] = sum.Failing
		}
	}
	if !slices.Equal(failing[1], failing[2]) {
		b.Fatalf("jobs 1 and 2 found different failing seeds: %v vs %v", failing[1], failing[2])
	}
	b.ReportMetric(rate[1]/float64(b.N), "seeds/s-jobs1")
	b.ReportMetric(rate[2]/float64(b.N), "seeds/s-jobs2")
	b.ReportMetric(rate[2]/rate[1], "speedup")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
