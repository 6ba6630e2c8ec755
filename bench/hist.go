package bench

import (
	"math/bits"
	"time"
)

// subBuckets is the number of buckets per power of two above the exact
// range: a recorded value is known to within 1/subBuckets (< 0.8%).
const subBuckets = 128

// histogram counts durations in log-linear buckets (as HdrHistogram does):
// values below subBuckets ns exactly, larger ones in subBuckets buckets per
// power of two. Its memory does not grow with the number of values, which
// matters for the mutex row (millions of cycles per second).
type histogram struct {
	counts []uint64
	n      uint64
}

func newHistogram() *histogram {
	// 64 powers of two cover every int64 value.
	return &histogram{counts: make([]uint64, subBuckets+64*subBuckets)}
}

// index is the bucket of v >= 0.
func index(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - 8 // v>>shift is in [128, 256)
	return subBuckets + shift*subBuckets + int(v>>shift) - subBuckets
}

// upper is the largest value of bucket i.
func upper(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	shift := (i - subBuckets) / subBuckets
	mant := uint64((i-subBuckets)%subBuckets + subBuckets)
	return (mant+1)<<shift - 1
}

// record counts d (negative durations count as zero).
func (h *histogram) record(d time.Duration) {
	h.counts[index(uint64(max(d, 0)))]++
	h.n++
}

// merge adds the counts of o to h.
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// quantile returns the nearest-rank q-quantile (0 < q <= 1) as the upper
// bound of its bucket, so that it never understates a latency; zero when h
// is empty.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n))
	if float64(rank) < q*float64(h.n) {
		rank++
	}
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(upper(i))
		}
	}
	return time.Duration(upper(len(h.counts) - 1))
}
