package faults_test

import (
	"fmt"
	"time"

	"github.com/locksim/locksim/faults"
)

func Example() {
	data := []byte(`{"faults": [
	  {"kind": "pause", "when": {"op": "acquire", "phase": "ok", "client": 1}, "node": "holder", "for": "20s"},
	  {"kind": "partition", "at": "2s", "a": ["redis-1"], "b": ["*"], "for": "5s"},
	  {"kind": "crash", "at": "3s", "node": "redis-2", "for": "1s", "persistence": "none"}
	]}`)
	s, err := faults.Parse(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := faults.Validate(s, faults.Topology{Clients: 2, Redis: 5}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s)
	fmt.Println("healed after", faults.LastHealFired(s, []time.Duration{1500 * time.Millisecond}))

	bad := []byte(`{"faults": [{"kind": "pause", "at": "1s", "node": "redis-9", "for": "2s"}]}`)
	s, _ = faults.Parse(bad)
	fmt.Println(faults.Validate(s, faults.Topology{Clients: 2, Redis: 5}))
	// Output:
	// 3 faults:
	//   1. when the 1st acquire of client-1 returns ok: pause holder for 20s
	//   2. at 2s: partition [redis-1] | [*] for 5s
	//   3. at 3s: crash redis-2, restart after 1s (persistence none)
	// healed after 21.5s
	// faults[0].node: unknown node "redis-9"
}
