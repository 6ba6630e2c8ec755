package model

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/locksim/locksim/histories"
)

// BenchmarkLinearizable100k checks 100,000 critical sections on 10
// counters (porcupine partitions by key), issue 6's "100,000-operation
// history in under 2 s and 1 GB". It reports the peak heap in use during a
// check (sampled every millisecond), in MB.
func BenchmarkLinearizable100k(b *testing.B) {
	benchCheckPeak(b, stretchedCounterHistory(100_000, 10, 3, 1, false), OK)
}

// BenchmarkLinearizable100kOneKey is 100,000 critical sections on a single
// counter: the worst case for partitioning by key (one partition).
func BenchmarkLinearizable100kOneKey(b *testing.B) {
	benchCheckPeak(b, stretchedCounterHistory(100_000, 1, 3, 1, false), OK)
}

// BenchmarkLinearizable10kPeak is BenchmarkLinearizable10k with the peak
// heap reported, issue 6's "10,000-operation history in under 100 ms".
func BenchmarkLinearizable10kPeak(b *testing.B) {
	benchCheckPeak(b, stretchedCounterHistory(10_000, 10, 3, 1, false), OK)
}

// benchCheckPeak is benchCheck of CheckResourceLinearizable, reporting the
// peak heap (HeapInuse above the level before each check) in MB.
func benchCheckPeak(b *testing.B, h histories.History, want Verdict) {
	b.Helper()
	var peak atomic.Uint64
	var base uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() uint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	runtime.GC()
	base = sample()
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if v := sample(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		if r := CheckResourceLinearizable(h, Options{}); r.Verdict != want {
			b.Fatalf("%v: %s", r.Verdict, r.Explanation)
		}
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	if p := peak.Load(); p > base {
		b.ReportMetric(float64(p-base)/(1<<20), "peak-heap-MB")
	} else {
		b.ReportMetric(0, "peak-heap-MB")
	}
}
