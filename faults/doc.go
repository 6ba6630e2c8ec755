// Package faults describes what goes wrong during a locksim run: fault
// kinds, schedules of faults as plain data (JSON), their validation, a
// random swarm generator and rapid generators, and the steps a shrinker
// takes to make a failing schedule small.
//
// The package is data only. It imports nothing of the project; the
// scenario package applies a schedule to the simulator.
//
// # Nodes and time
//
// The nodes of a run are client-1..client-N, redis-1..redis-M and storage
// (see Topology). A fault names nodes exactly, or with a pattern:
// "client-*", "redis-*", "*" (every node) and "holder", the client whose
// history event fired the fault's trigger. Virtual time is a
// time.Duration since the start of the run; in JSON every duration is a Go
// duration string ("1.5s", "300ms", "-2s").
//
// # Faults
//
// Each fault has a kind and either a start time "at" or a trigger "when".
// The kinds and their fields:
//
//	pause        node, for (> 0)            stop every task of node; resume implied
//	crash        node, for, persistence,    restart after for; for 0 = stay down until a restart;
//	             host                       host true: the host crashes (everysec loses what was not fsynced)
//	restart      node, persistence          bring a crashed node up
//	partition    a, b, one_way, for         drop messages between a and b (only a -> b if one_way);
//	                                        b loses the nodes of a, so b ["*"] isolates a
//	heal                                    end every partition, loss and delay active
//	loss         rate, from, to, for        drop messages with probability rate (every link without from/to)
//	delay        from, to, delay, for       add delay to messages from -> to
//	clock-drift  node, rate | ppm, for      clocks run at 1+rate times true speed; for 0 = for ever
//	clock-step   node, step                 step the wall clock (monotonic clock unmoved)
//
// For partition, loss and delay, for 0 means until the next heal.
// Persistence ("none", "everysec", "always"; default "always") only
// applies to Redis nodes. Isolate and SplitRedis build common partitions.
//
// A trigger starts a fault on the occurrence-th (default 1st) time a
// client (0 = any) reaches a phase ("invoke": sent, "ok": returned ok) of
// an operation ("acquire", "write", "read", "release"), plus "after"; it
// fires at most once, and not at all after "until" if given. A pause of
// "holder" right after an acquire returns ok is the classic GC pause:
//
//	{"faults": [
//	  {"kind": "pause", "when": {"op": "acquire", "phase": "ok", "client": 1}, "node": "holder", "for": "20s"},
//	  {"kind": "partition", "at": "2s", "a": ["redis-1"], "b": ["*"], "for": "5s"},
//	  {"kind": "crash", "at": "3s", "node": "redis-2", "for": "1s", "persistence": "none"},
//	  {"kind": "clock-drift", "at": "0s", "node": "redis-3", "ppm": 50000}
//	]}
//
// A trigger with "seam" fires inside the lock's own code instead: the
// event only arms it, and the fault fires at the call-th (default 1st)
// seam call of that kind the event's client makes after it: "now" (a
// clock read), "sleep", "do-sent" and "do-replied" (a Redis command
// leaving, its reply arriving), "go" and "wait" (a fan-out), "mutex-lock".
// The call goes on after the fault, so a pause at "now" makes that very
// read return the paused time. Redlock reads the clock before its acquire
// round and again right after it, for the validity check; a pause between
// the two is
//
//	{"kind": "pause", "when": {"op": "acquire", "phase": "invoke", "client": 1, "seam": "now", "call": 2}, "node": "holder", "for": "4s"}
//
// Faults due at the same virtual time apply in the order listed.
//
// # Usage
//
// Read a schedule, check it against the run's topology, and print it:
//
//	s, err := faults.Parse(data)               // syntax, and checks that need no topology
//	err = faults.Validate(s, faults.Topology{Clients: 2, Redis: 5})
//	fmt.Println(s)                             // one fault a line
//	end := faults.LastHeal(s)                  // judge liveness after this (Never if unknown)
//
// Every error is a *FieldError naming the field, e.g.
// `faults[2].node: unknown node "redis-9"`.
//
// Draw one from a seed, swarm style, ending with a healed quiet phase:
//
//	s := faults.Random(rand.New(rand.NewPCG(seed, 0)), topo, 60*time.Second, 2*time.Second)
//
// Or from rapid, so a failing property shrinks to a small schedule:
//
//	rapid.Check(t, func(t *rapid.T) {
//		s := faults.Gen(topo, horizon, ttl).Draw(t, "schedule")
//		...
//	})
//
// A shrinker of its own tries s.Shrink(): each candidate is
// strictly Smaller than s.
package faults
