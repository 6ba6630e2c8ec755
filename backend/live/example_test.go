package live_test

import (
	"fmt"

	"github.com/locksim/locksim/backend/live"
	"github.com/locksim/locksim/scenario"
)

// Run a named cell against real redis-servers on loopback (it needs
// redis-server on the PATH, and takes the scenario's 40 s of real time, so
// this example is compiled, not run).
func ExampleRun() {
	n, _ := scenario.Lookup("redis-restart-no-fsync")
	cfg, _ := n.Config("lua")
	res, err := live.Run(cfg, 1, scenario.Options{}, live.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Outcome(), res.TraceHash)
}
