package scenario_test

import (
	"fmt"
	"time"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/scenario"
)

// Bring your own lock: a constructor with the registry's shape, a named
// scenario and a number of seeds. In a test, scenario.Check(t, spec)
// reports every failing seed with the command that replays it.
func Example_bringYourOwnLock() {
	// The user's lock: here a Lua lock with a 8s TTL, built on the Conn
	// the simulator hands over, as production code builds it on go-redis.
	myLock := func(env locks.Env) (locks.Locker, error) {
		return locks.NewLua(env.Runtime, env.Conns[0], locks.LuaOptions{Key: scenario.LockKey, TTL: 8 * time.Second})
	}
	rep, err := scenario.Verify(scenario.Spec{Like: "lua", New: myLock, Name: "my lock", Scenario: "gc-pause", Seeds: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("safe:", rep.OK())
	for _, f := range rep.Failures {
		fmt.Println("seed", f.Seed, f.Outcome)
	}
	// Output:
	// safe: false
	// seed 1 violation
	// seed 2 violation
	// seed 3 violation
}
