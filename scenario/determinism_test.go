package scenario

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/locks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Determinism is the product: every lock, under random faults, gives the
// same trace hash and the same history when run twice with the same seed,
// with one core or two; different seeds give different traces.
func TestEveryLockIsDeterministic(t *testing.T) {
	seeds := uint64(5)
	if testing.Short() {
		seeds = 3
	}
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		for _, lock := range locks.Names() {
			hashes := map[string]uint64{}
			for seed := uint64(1); seed <= seeds; seed++ {
				cfg := randomFaultConfig(lock, seed)
				a, err := Run(cfg, seed, Options{})
				require.NoError(t, err)
				b, err := Run(cfg, seed, Options{})
				require.NoError(t, err)
				require.Equalf(t, a.TraceHash, b.TraceHash, "%s seed %d GOMAXPROCS=%d: trace hash differs between two runs", lock, seed, procs)
				require.Equalf(t, a.History, b.History, "%s seed %d: history differs", lock, seed)
				if other, dup := hashes[a.TraceHash]; dup {
					t.Errorf("%s: seeds %d and %d give the same trace hash %s", lock, other, seed, a.TraceHash)
				}
				hashes[a.TraceHash] = seed
			}
		}
		runtime.GOMAXPROCS(prev)
	}
}

// randomFaultConfig is a short run of lock with the swarm generator's
// faults for seed.
func randomFaultConfig(lock string, seed uint64) Config {
	cfg := Config{Lock: lock, TTL: Duration(2 * time.Second), Duration: Duration(15 * time.Second)}.WithDefaults()
	r := rand.New(rand.NewPCG(seed, 0x10c5))
	cfg.Faults = faults.Random(r, cfg.Topology(), cfg.Duration.D(), cfg.TTL.D())
	return cfg
}

func TestRandomFaultConfigsDiffer(t *testing.T) {
	a, b := randomFaultConfig("lua", 1), randomFaultConfig("lua", 2)
	assert.NotEqual(t, a.Faults, b.Faults)
}
