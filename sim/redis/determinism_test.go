package redis

import (
	"fmt"
	"github.com/locksim/locksim/sim"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runBusy(seed uint64) (string, sim.Stats) {
	w := busyWorld(seed, 3*time.Second)
	defer w.Close()
	w.Run(3 * time.Second)
	return w.TraceHash(), w.Stats()
}

// TestDeterminism runs 200 seeds of a busy, faulty world twice each, under
// GOMAXPROCS 1 and 2: the trace hashes of a seed are identical, and the
// hashes of different seeds differ.
func TestDeterminism(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 20
	}
	first := map[uint64]string{}
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			seen := map[string]uint64{}
			var cmds uint64
			for s := range uint64(seeds) {
				h1, st := runBusy(s)
				h2, _ := runBusy(s)
				require.Equal(t, h1, h2, "seed %d is not deterministic", s)
				if prev, ok := first[s]; ok {
					require.Equal(t, prev, h1, "seed %d differs across GOMAXPROCS", s)
				}
				first[s] = h1
				other, dup := seen[h1]
				assert.False(t, dup, "seeds %d and %d have the same hash", s, other)
				seen[h1] = s
				cmds += st.Requests
				require.Positive(t, st.Requests)
			}
			t.Logf("%d seeds, %d Redis commands per run on average", seeds, cmds/uint64(seeds))
		})
	}
}
