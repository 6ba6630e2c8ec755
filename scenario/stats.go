package scenario

import (
	"slices"
	"time"

	"github.com/locksim/locksim/histories"
)

// AcquireStats are the lock acquisitions of a history.
type AcquireStats struct {
	// Acquisitions counts acquires that returned ok.
	Acquisitions int
	// Latencies are the true times from invoke to ok of those acquires, in
	// history order.
	Latencies []time.Duration
}

// Acquires collects the acquisitions of h: every acquire that returned ok
// and the true time it took.
func Acquires(h histories.History) AcquireStats {
	var s AcquireStats
	invoked := map[int]time.Duration{}
	for _, e := range h {
		if e.Op != histories.OpAcquire {
			continue
		}
		switch e.Type {
		case histories.Invoke:
			invoked[e.OpID] = e.Time
		case histories.OK:
			if t, ok := invoked[e.OpID]; ok {
				s.Acquisitions++
				s.Latencies = append(s.Latencies, e.Time-t)
			}
		}
	}
	return s
}

// Percentile returns the p-th percentile (0 < p <= 100, nearest rank) of
// ds, or 0 for none. ds is not modified.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}
