package faults

import (
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"sync"
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

// recordingTB is a rapid.TB that records a failure instead of failing the
// test, so that a test can assert that rapid found and shrank one.
type recordingTB struct {
	mu     sync.Mutex
	failed bool
	logs   []string
}

func (r *recordingTB) Helper()              {}
func (r *recordingTB) Name() string         { return "recording" }
func (r *recordingTB) Log(args ...any)      { r.Logf("%s", fmt.Sprint(args...)) }
func (r *recordingTB) Skip(args ...any)     { r.SkipNow() }
func (r *recordingTB) Skipf(string, ...any) { r.SkipNow() }
func (r *recordingTB) SkipNow()             { runtime.Goexit() }
func (r *recordingTB) Error(args ...any)    { r.Log(args...); r.Fail() }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.Logf(format, args...)
	r.Fail()
}
func (r *recordingTB) Fatal(args ...any) { r.Error(args...); r.FailNow() }
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.FailNow()
}
func (r *recordingTB) FailNow() { r.Fail(); runtime.Goexit() }
func (r *recordingTB) Fail()    { r.mu.Lock(); r.failed = true; r.mu.Unlock() }
func (r *recordingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}
func (r *recordingTB) Logf(format string, args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// shrunk runs a property that fails when bad(s) holds, and returns whether
// rapid reported a failure and the last failing schedule it saw, which is
// the minimal one (rapid replays it last).
func shrunk(t *testing.T, gen *rapid.Generator[Schedule], bad func(Schedule) bool) (bool, Schedule) {
	t.Helper()
	// No fail files in testdata/, and a fixed seed: rapid's shrinker
	// sometimes stops at a local minimum (about 4% of seeds leave a pause at
	// its upper bound), so a random seed would make the exact assertions
	// below flaky.
	for _, kv := range [][2]string{{"rapid.nofailfile", "true"}, {"rapid.seed", "1"}, {"rapid.checks", "1000"}} {
		name, value := kv[0], kv[1]
		fl := flag.Lookup(name)
		require.NotNil(t, fl, name)
		old := fl.Value.String()
		require.NoError(t, fl.Value.Set(value))
		defer func() { _ = fl.Value.Set(old) }()
	}

	var last Schedule
	rec := &recordingTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		rapid.Check(rec, func(t *rapid.T) {
			s := gen.Draw(t, "schedule")
			if bad(s) {
				last = s
				t.Fatalf("bad schedule")
			}
		})
	}()
	<-done
	return rec.Failed(), last
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
