package faults

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

func TestRandomDeterministic(t *testing.T) {
	topo := Topology{Clients: 3, Redis: 5}
	distinct := map[string]bool{}
	for seed := range uint64(50) {
		a := Random(seeded(seed), topo, time.Minute, 2*time.Second)
		b := Random(seeded(seed), topo, time.Minute, 2*time.Second)
		require.Equal(t, a, b, "seed %d", seed)
		ja, err := json.Marshal(a)
		require.NoError(t, err)
		jb, err := json.Marshal(b)
		require.NoError(t, err)
		require.Equal(t, string(ja), string(jb))
		distinct[string(ja)] = true
	}
	assert.Len(t, distinct, 50, "different seeds give different schedules")
}

func TestRandomValidAndEndsHealed(t *testing.T) {
	topos := []Topology{{Clients: 1, Redis: 1}, {Clients: 3, Redis: 5}, {Clients: 5, Redis: 3}, {Clients: 2, Redis: 0}, {Clients: 0, Redis: 0}}
	horizons := []time.Duration{time.Minute, 20 * time.Second, 7 * time.Second}
	kindSets := map[string]int{}
	kinds := map[Kind]int{}
	triggered := 0
	for _, topo := range topos {
		for _, h := range horizons {
			for seed := range uint64(300) {
				ttl := time.Duration(1+seed%3) * time.Second
				s := Random(seeded(seed), topo, h, ttl)
				require.NoError(t, Validate(s, topo), "seed %d topo %+v horizon %s\n%s", seed, topo, h, s)
				quiet := QuietPhase(h, ttl)
				assert.GreaterOrEqual(t, quiet, 3*ttl)
				assert.GreaterOrEqual(t, quiet, h*3/10)
				require.LessOrEqual(t, LastHeal(s), max(0, h-quiet), "seed %d topo %+v horizon %s\n%s", seed, topo, h, s)
				var set []string
				for _, f := range s.Faults {
					kinds[f.Kind]++
					if f.When != nil {
						triggered++
					}
					if !slices.Contains(set, string(f.Kind)) {
						set = append(set, string(f.Kind))
					}
					for _, d := range []time.Duration{f.At, f.For, f.Delay, f.Step} {
						assert.Zero(t, d%time.Millisecond, "durations are whole milliseconds")
					}
				}
				slices.Sort(set)
				kindSets[strings.Join(set, ",")]++
			}
		}
	}
	for _, k := range []Kind{Pause, Crash, Partition, Loss, Delay, ClockDrift, ClockStep} {
		assert.Greater(t, kinds[k], 100, "kind %s is drawn", k)
	}
	assert.Greater(t, triggered, 100, "aimed pauses are drawn")
	assert.Greater(t, len(kindSets), 60, "swarm: many combinations of kinds")
}

func TestRandomShortHorizon(t *testing.T) {
	s := Random(seeded(1), Topology{Clients: 2, Redis: 3}, 5*time.Second, 2*time.Second)
	assert.Equal(t, 0, s.Len(), "three TTLs of quiet leave no room")
	assert.Equal(t, 0, Random(seeded(1), Topology{Clients: 2, Redis: 3}, time.Minute, 0).Len())
}
