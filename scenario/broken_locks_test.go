package scenario_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/scenario"
	"github.com/stretchr/testify/require"
)

// Issue 11: every broken lock, written against the public API, must be
// caught bug-only (a violation for it, safe for its correct twin, on the
// same config and seed) by a named scenario within 20 seeds and by random
// faults within 200 seeds.

const (
	namedSeeds  = 20
	randomSeeds = 200
)

// brokenLock is one broken lock and its correct twin.
type brokenLock struct {
	name string
	// like is the built-in lock whose place both take (topology, fencing).
	like           string
	broken, twin   func(env locks.Env) (locks.Locker, error)
	scenario       string
	configure      func(c *scenario.Config) // applied to every config, named or random; nil: none
	randomSkip     string                   // set: the random search cannot catch the bug yet, and why
	namedSkip      string                   // set: the named search cannot run yet, and why
	needsScenarios []string                 // scenarios that do not exist yet: skip until they do
}

// careful clients skip their write once their validity has passed: the
// lua locks' twins are then safe in the scenarios that aim at the bug
// instead of at lua's own lack of a drift margin.
func careful(c *scenario.Config) { c.Careful = true }

// extending makes clients work 2x TTL and extend every TTL/2, carefully,
// where the config does not already extend (random schedules), so that a
// broken refresh runs there too; the extend scenarios are left as named.
func extending(c *scenario.Config) {
	if c.ExtendEvery == 0 {
		c.Careful = true
		ttl := c.TTL
		if ttl == 0 {
			ttl = scenario.Duration(8 * time.Second)
		}
		c.WorkMin, c.WorkMax, c.ExtendEvery = 2*ttl, 2*ttl, ttl/2
	}
}

// toValidity makes clients careful and work until 5ms before their
// validity ends, as the clock-drift scenarios do.
func toValidity(c *scenario.Config) {
	c.Careful, c.WorkToValidity, c.Margin = true, true, scenario.Duration(5*time.Millisecond)
}

// attempt is the lua locks' attempt timeout: without one, a timed-out
// attempt (the setRetry bug's trigger) never happens.
const attempt = time.Second

func brokenLocks() []brokenLock {
	return []brokenLock{
		{
			// Careful clients that work until just before their validity
			// ends (clock-drift-small's clients, and the random runs'):
			// without them a 1% margin is never reached.
			name: "redlock-drift-0", like: "redlock", scenario: "clock-drift-small", configure: toValidity,
			broken: newRedlockWith(func(_ locks.Env, o *locks.RedlockOptions) { o.DriftFactor = locks.Float(0) }),
			twin:   newRedlockWith(nil),
		},
		{
			name: "set-retry-without-nx", like: "lua", scenario: "pause-during-acquire", configure: careful,
			broken: newBuggyLua(bug{setRetry: true}, attempt), twin: newBuggyLua(bug{}, attempt),
		},
		{
			name: "redlock-quorum-n-2", like: "redlock", scenario: "redis-restart-fsync",
			broken: newRedlockWith(func(env locks.Env, o *locks.RedlockOptions) { o.Quorum = len(env.Conns) / 2 }),
			twin:   newRedlockWith(nil),
		},
		{
			name: "plain-del-release", like: "lua", scenario: "pause-before-release",
			needsScenarios: []string{"pause-before-release"},
			broken:         newBuggyLua(bug{plainDel: true}, 0), twin: newBuggyLua(bug{}, 0),
		},
		{
			// The extend workload: the holder's key expires during its
			// pause, another client takes the lock, and the paused
			// holder's next refresh, a plain SET, overwrites the new
			// holder's key while both work.
			name: "plain-set-refresh", like: "lua", scenario: "pause-before-extend", configure: extending,
			broken: newBuggyLua(bug{plainSetExtend: true}, attempt), twin: newBuggyLua(bug{}, attempt),
		},
		{
			// A careful holder whose key expired early on a fast Redis clock
			// skips its write, then its release (owner-checked, but
			// against the value everybody writes) deletes the next
			// holder's key.
			name: "shared-owner-value", like: "lua", scenario: "clock-drift-small", configure: careful,
			broken: newBuggyLua(bug{sharedValue: "shared-owner"}, attempt), twin: newBuggyLua(bug{}, attempt),
		},
		{
			name: "redlock-ignores-validity", like: "redlock", scenario: "slow-reply",
			broken: newSimpleRedlock(false), twin: newSimpleRedlock(true),
		},
		{
			name: "wall-clock-fencing-token", like: "fenced", scenario: "client-clock-jump-forward",
			broken: newFenced(true), twin: newFenced(false),
		},
		{
			// The holder pauses inside its last extend, after the quorum
			// and before the validity check (pause-inside-extend's seam
			// trigger): the broken extend trusts the quorum and sends the
			// holder, which ignores its validity, into its write.
			name: "redlock-extend-ignores-validity", like: "redlock", scenario: "pause-inside-extend",
			needsScenarios: []string{"pause-inside-extend"},
			randomSkip:     "random runs do not extend, and random seam faults anchor on acquires and releases only: only an extend-anchored trigger lands between the extend's quorum and its validity check",
			broken:         newExtendingRedlock(false), twin: newExtendingRedlock(true),
		},
	}
}

// outcome runs cfg with seed under lock, named name.
func outcome(t *testing.T, cfg scenario.Config, seed uint64, name string, lock func(locks.Env) (locks.Locker, error)) scenario.Expect {
	t.Helper()
	res, err := scenario.Run(cfg, seed, scenario.Options{NewLock: lock, LockName: name})
	require.NoError(t, err)
	return res.Outcome()
}

// bugOnly reports whether seed catches b bug-only on cfg.
func bugOnly(t *testing.T, b brokenLock, cfg scenario.Config, seed uint64) bool {
	t.Helper()
	if outcome(t, cfg, seed, b.name, b.broken) != scenario.Unsafe {
		return false
	}
	return outcome(t, cfg, seed, b.name+"-twin", b.twin) == scenario.Safe
}

// namedConfig is b's named scenario's config, configured.
func namedConfig(t *testing.T, b brokenLock, name string) (scenario.Config, bool) {
	t.Helper()
	n, err := scenario.Lookup(name)
	if err != nil {
		return scenario.Config{}, false
	}
	cfg, err := n.Config(b.like)
	require.NoError(t, err)
	if b.configure != nil {
		b.configure(&cfg)
	}
	return cfg, true
}

// firstBugOnly returns the first seed in 1..seeds that catches b
// bug-only, with config(seed), or 0.
func firstBugOnly(t *testing.T, b brokenLock, seeds int, config func(seed uint64) scenario.Config) uint64 {
	t.Helper()
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		if bugOnly(t, b, config(seed), seed) {
			return seed
		}
	}
	return 0
}

func TestBrokenLocksNamedScenario(t *testing.T) {
	for _, b := range brokenLocks() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range b.needsScenarios {
				if _, err := scenario.Lookup(s); err != nil {
					t.Skipf("needs scenario %s", s)
				}
			}
			if b.namedSkip != "" {
				t.Skip(b.namedSkip)
			}
			cfg, ok := namedConfig(t, b, b.scenario)
			require.True(t, ok, "scenario %s", b.scenario)
			seed := firstBugOnly(t, b, namedSeeds, func(uint64) scenario.Config { return cfg })
			require.NotZero(t, seed, "no seed in 1..%d of %s fails for %s and passes for its twin", namedSeeds, b.scenario, b.name)
			t.Logf("%s: caught bug-only by %s, first seed %d", b.name, b.scenario, seed)
		})
	}
}

func TestBrokenLocksRandomFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("random-fault search: up to 400 runs per lock")
	}
	for _, b := range brokenLocks() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			if b.randomSkip != "" {
				t.Skip(b.randomSkip)
			}
			base := scenario.Config{Lock: b.like}
			if b.configure != nil {
				b.configure(&base)
			}
			x := scenario.ExploreOptions{Base: base, RandomFaults: true}
			seed := firstBugOnly(t, b, randomSeeds, x.ConfigFor)
			require.NotZero(t, seed, "no random-fault seed in 1..%d fails for %s and passes for its twin", randomSeeds, b.name)
			t.Logf("%s: caught bug-only by random faults, first seed %d", b.name, seed)
		})
	}
}

// TestBrokenLocksSurvey prints, for every broken lock, which named
// scenarios catch it bug-only within 20 seeds: the measurement behind the
// scenario each lock names above. It runs only when asked
// (LOCKSIM_BROKEN_SURVEY=1): it is a measurement, not a check.
func TestBrokenLocksSurvey(t *testing.T) {
	if os.Getenv("LOCKSIM_BROKEN_SURVEY") == "" {
		t.Skip("set LOCKSIM_BROKEN_SURVEY=1 to survey")
	}
	for _, b := range brokenLocks() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, n := range scenario.Scenarios() {
				if _, ok := n.Expected(b.like); !ok {
					continue
				}
				cfg, _ := namedConfig(t, b, n.Name)
				seed := firstBugOnly(t, b, namedSeeds, func(uint64) scenario.Config { return cfg })
				fmt.Printf("survey %s %s first-bug-only-seed=%d\n", b.name, n.Name, seed)
			}
		})
	}
}

// The negative controls (correct locks in the scenarios they survive) are
// TestNegativeControlsStaySafe, in negative_control_test.go.
