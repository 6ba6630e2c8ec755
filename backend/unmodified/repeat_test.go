package unmodified

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/scenario"
)

// repeats is how often TestSameSeedSameTrace runs each seed: 3 in the
// suite; LOCKSIM_REPEAT=100 measures the README's figure, e.g.
//
//	LOCKSIM_REPEAT=100 GOMAXPROCS=1 go test ./backend/unmodified -run TestSameSeedSameTrace -v
func repeats(t *testing.T) int {
	if v := os.Getenv("LOCKSIM_REPEAT"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "LOCKSIM_REPEAT")
		return n
	}
	return 3
}

// The same seed gives the same trace hash (what reached the wire, the
// replies, the clocks) run after run, although the libraries' goroutines
// run concurrently with the World: the hub delivers their work at
// quiescent points, sorted.
func TestSameSeedSameTrace(t *testing.T) {
	n := repeats(t)
	for _, lock := range []string{"redsync", "redislock"} {
		t.Run(lock, func(t *testing.T) {
			cfg := named(t, lock, "gc-pause")
			counts := map[string]int{}
			for range n {
				counts[run(t, cfg, 1).TraceHash]++
			}
			var most int
			for _, c := range counts {
				most = max(most, c)
			}
			t.Logf("%s gc-pause seed 1, GOMAXPROCS=%d: %d/%d runs gave the most common trace hash (%d distinct)", lock, runtime.GOMAXPROCS(0), most, n, len(counts))
			assert.Len(t, counts, 1, "same seed, different traces")
		})
	}
}

// The trace hash sees the order in which foreign work reaches the World:
// delivering each quiescent point's items in another order (reversed)
// changes it. Without this, the repeat test above could pass on a hash
// blind to the nondeterminism it is meant to catch.
func TestTraceHashSeesForeignOrder(t *testing.T) {
	cfg := named(t, "redsync", "gc-pause")
	cfg.Duration = scenario.Duration(5e9)
	hash := func(reorder func([]item)) string {
		b := NewBackend(t)
		b.reorder = reorder
		res, err := scenario.Run(cfg, 1, scenario.Options{Backend: b})
		require.NoError(t, err)
		return res.TraceHash
	}
	sorted := hash(nil)
	assert.Equal(t, sorted, hash(nil))
	assert.NotEqual(t, sorted, hash(slices.Reverse[[]item]), "a different delivery order must change the trace hash")
}
