package scenario

import (
	"strings"
	"testing"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/internal/rapidtest"
	"github.com/locksim/locksim/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// propertyConfig is a short run for property tests: 3 clients, TTL 1s,
// 8 virtual seconds.
func propertyConfig(lock string) Config {
	return Config{Lock: lock, Clients: 3, TTL: Duration(time.Second), Duration: Duration(8 * time.Second)}.WithDefaults()
}

// genRun draws a fault schedule for cfg and a seed.
type drawnRun struct {
	Schedule faults.Schedule
	Seed     uint64
}

func genRun(cfg Config) *rapid.Generator[drawnRun] {
	sched := faults.Gen(cfg.Topology(), cfg.Duration.D(), cfg.TTL.D())
	return rapid.Custom(func(t *rapid.T) drawnRun {
		return drawnRun{Schedule: sched.Draw(t, "schedule"), Seed: rapid.Uint64Range(1, 1<<20).Draw(t, "seed")}
	})
}

// safetyViolated runs cfg with d and reports a violation of a safety
// check, or an error.
func safetyViolated(t require.TestingT, cfg Config, d drawnRun) (bool, *Result) {
	cfg.Faults = d.Schedule
	res, err := Run(cfg, d.Seed, Options{})
	require.NoError(t, err)
	return res.Outcome() == Unsafe, res
}

// durableCounter makes every Redis crash of s keep what was acknowledged:
// fencing's premise is a token source that never repeats a token, which a
// counter on a Redis node that restarts without fsync breaks (see the
// redis-restart-no-fsync scenario).
func durableCounter(s faults.Schedule) faults.Schedule {
	s = s.Clone()
	for i, f := range s.Faults {
		if f.Kind == faults.Crash && strings.HasPrefix(f.Node, "redis") {
			s.Faults[i].Persistence = faults.PersistAlways
		}
	}
	return s
}

// No fault schedule breaks the resource behind a fenced lock (mutual
// exclusion at the storage, linearizability, token order), as long as its
// token counter is durable. The lock itself may have two holders; the
// storage's fencing is what keeps the resource safe.
func TestFencedResourceSurvivesEverySchedule(t *testing.T) {
	cfg := propertyConfig("fenced")
	rapid.Check(t, func(t *rapid.T) {
		d := genRun(cfg).Draw(t, "run")
		d.Schedule = durableCounter(d.Schedule)
		cfg.Faults = d.Schedule
		res, err := Run(cfg, d.Seed, Options{})
		require.NoError(t, err)
		for _, name := range []string{model.NameMutualExclusion, model.NameResourceLinearizable, model.NameFencing} {
			if c, _ := res.Check(name); c.Verdict == model.Violation {
				t.Fatalf("fenced broke the resource under %s (seed %d):\n%s", d.Schedule, d.Seed, explain(res))
			}
		}
	})
}

// rapid finds a schedule that breaks the lua lock and shrinks it to at most
// two faults.
func TestRapidBreaksLuaWithAtMostTwoFaults(t *testing.T) {
	cfg := propertyConfig("lua")
	failed, last, logs := rapidtest.Shrunk(t, genRun(cfg), func(d drawnRun) bool {
		bad, _ := safetyViolated(t, cfg, d)
		return bad
	}, 1, 100)
	require.True(t, failed, "rapid found no schedule that breaks lua: %v", logs)
	assert.LessOrEqualf(t, last.Schedule.Len(), 2, "rapid shrank the breaking schedule only to:\n%s", last.Schedule)
	bad, res := safetyViolated(t, cfg, last)
	require.True(t, bad, "the shrunk schedule must still break lua")
	_, hasMutex := res.Check(model.NameMutualExclusion)
	assert.True(t, hasMutex)
	t.Logf("minimal breaking schedule (seed %d):\n%s", last.Seed, last.Schedule)
}
