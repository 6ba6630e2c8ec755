package scenario_test

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/scenario"
)

// newMyLock is the user's lock: here a Lua lock, built on the Conn the
// simulator hands over, as production code builds it on go-redis. It
// takes its key, TTL and retry options from env.Options: the ones the
// built-in lock in its place gets in this run, so nothing is hard-coded.
func newMyLock(env locks.Env) (locks.Locker, error) {
	o := env.Options
	return locks.NewLua(env.Runtime, env.Conns[0], locks.LuaOptions{
		Key: o.Key, TTL: o.TTL, Tries: o.Tries, RetryDelay: o.RetryDelay,
		MinRetryDelay: o.MinRetryDelay, MaxRetryDelay: o.MaxRetryDelay, AttemptTimeout: o.AttemptTimeout,
	})
}

// Bring your own lock: a constructor with the registry's shape, a named
// scenario and a number of seeds. In a test, scenario.Check(t, spec)
// reports every failing seed with one line of Go that replays it. The
// artifacts are named after the lock (Name), never after a built-in lock.
func Example_bringYourOwnLock() {
	rep, err := scenario.Verify(scenario.Spec{Like: "lua", New: newMyLock, Name: "my-lock", Scenario: "gc-pause", Seeds: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("safe:", rep.OK())
	for _, f := range rep.Failures {
		fmt.Println("seed", f.Seed, f.Outcome, filepath.Base(f.Artifact))
	}
	f := rep.Failures[0]
	fmt.Println(strings.Replace(f.Replay, f.Artifact, "ARTIFACT", 1))
	// Output:
	// safe: false
	// seed 1 violation custom-my-lock-gc-pause-seed1.json
	// seed 2 violation custom-my-lock-gc-pause-seed2.json
	// seed 3 violation custom-my-lock-gc-pause-seed3.json
	// scenario.CheckArtifact(t, "ARTIFACT", newMyLock)
}

// The same reach as simrun: a config override (here careful clients, who
// skip their write once their lease's validity has passed on their own
// clock, and three clients), random fault schedules, or a schedule of the
// user's own (Spec.Faults, e.g. from faults.Parse).
func Example_bringYourOwnLockConfigured() {
	rep, err := scenario.Verify(scenario.Spec{
		Like: "lua", New: newMyLock, Name: "my-lock", Scenario: "gc-pause", Seeds: 3,
		Configure: func(c *scenario.Config) { c.Careful, c.Clients = true, 3 },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("careful clients, gc-pause:", rep.Outcomes)

	rep, err = scenario.Verify(scenario.Spec{Like: "lua", New: newMyLock, Name: "my-lock", RandomFaults: true, Seeds: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("random faults:", rep.Outcomes)
	// Output:
	// careful clients, gc-pause: map[violation:3]
	// random faults: map[safe:4 violation:1]
}
