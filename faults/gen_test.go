package faults

import (
	"encoding/json"
	"github.com/locksim/locksim/internal/rapidtest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

var (
	genTopo    = Topology{Clients: 3, Redis: 5}
	genHorizon = 30 * time.Second
	genTTL     = 2 * time.Second
)

func TestGenValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		topo := Topology{Clients: rapid.IntRange(0, 4).Draw(t, "clients"), Redis: rapid.IntRange(0, 5).Draw(t, "redis")}
		ttl := time.Duration(rapid.IntRange(1, 3000).Draw(t, "ttl-ms")) * time.Millisecond
		horizon := time.Duration(rapid.IntRange(1, 120).Draw(t, "horizon-s")) * time.Second
		s := Gen(topo, horizon, ttl).Draw(t, "schedule")
		if err := Validate(s, topo); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
		if got, limit := LastHeal(s), horizon-QuietPhase(horizon, ttl); s.Len() > 0 && got > limit {
			t.Fatalf("LastHeal %s after the quiet phase starts at %s\n%s", got, limit, s)
		}
		if s.Len() > MaxGenFaults {
			t.Fatalf("%d faults", s.Len())
		}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(data)
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		if !assert.Equal(t, s, back) {
			t.FailNow()
		}
	})
}

func TestGenFaultPerKind(t *testing.T) {
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				f := GenFault(genTopo, genHorizon, genTTL, k).Draw(t, "fault")
				if f.Kind != k {
					t.Fatalf("drew a %s", f.Kind)
				}
				if err := Validate(Schedule{Faults: []Fault{f}}, genTopo); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// shrunk runs a property that fails when bad(s) holds, and returns whether
// rapid reported a failure and the minimal failing schedule.
func shrunk(t *testing.T, gen *rapid.Generator[Schedule], bad func(Schedule) bool) (bool, Schedule) {
	t.Helper()
	failed, last, _ := rapidtest.Shrunk(t, gen, bad, 1, 1000)
	return failed, last
}

func TestGenShrinksToOneShortPause(t *testing.T) {
	// A lock breaks when some pause lasts a TTL or more.
	failed, min := shrunk(t, Gen(genTopo, genHorizon, genTTL), func(s Schedule) bool {
		for _, f := range s.Faults {
			if f.Kind == Pause && f.For >= genTTL {
				return true
			}
		}
		return false
	})
	require.True(t, failed, "rapid finds a long pause")
	require.Equal(t, 1, min.Len(), "shrunk to one fault:\n%s", min)
	f := min.Faults[0]
	assert.Equal(t, Pause, f.Kind)
	assert.Equal(t, genTTL, f.For, "shrunk to the shortest pause that breaks")
	assert.Nil(t, f.When, "shrunk to a timed fault")
	assert.Zero(t, f.At, "shrunk to the earliest time")
	assert.Equal(t, "client-1", f.Node)
	t.Logf("minimal: %s", min)
}

func TestGenShrinksToTwoFaults(t *testing.T) {
	// Breaks when a Redis node crashes without fsync while another node is
	// partitioned away.
	failed, min := shrunk(t, Gen(genTopo, genHorizon, genTTL), func(s Schedule) bool {
		var crash, part bool
		for _, f := range s.Faults {
			crash = crash || (f.Kind == Crash && f.Persistence == PersistNone)
			part = part || f.Kind == Partition
		}
		return crash && part
	})
	require.True(t, failed)
	require.Equal(t, 2, min.Len(), "shrunk to two faults:\n%s", min)
	for _, f := range min.Faults {
		assert.Equal(t, time.Millisecond, f.For, "shrunk to the shortest: %s", f)
		assert.Zero(t, f.At)
		if f.Kind == Partition {
			assert.Len(t, f.A, 1, "one node cut off")
			assert.False(t, f.OneWay)
		}
	}
	t.Logf("minimal: %s", min)
}

func TestGenShortHorizon(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := Gen(genTopo, 3*time.Second, genTTL).Draw(t, "schedule")
		if s.Len() != 0 {
			t.Fatalf("no room for faults, got\n%s", s)
		}
	})
}
