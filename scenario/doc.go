// Package scenario wires locksim together: a Config and a seed become a
// simulated world (sim) with Redis nodes, a storage node holding the
// protected resource, and client processes running a real lock (locks)
// through a workload; a fault schedule (faults) is applied to it, the run is
// recorded as a history (histories) and judged by the checkers (model).
//
// It is the only package that knows every other one. The harness (build,
// client, storage), the fault injector (inject) and the checkers are
// separate: the injector only changes the world from outside, the recorder
// and checkers only observe.
//
// # Usage
//
// Run one named scenario of the literature for a lock:
//
//	sc, _ := scenario.Lookup("gc-pause")
//	cfg, _ := sc.Config("lua")
//	res, err := scenario.Run(cfg, 7, scenario.Options{})
//	if err != nil { ... }           // a bad config, naming the field
//	fmt.Println(res.Verdict)        // violation
//	for _, c := range res.Checks { fmt.Println(c) }
//
// The same Config and seed give the same run, trace hash included; a failing
// run's Artifact replays it.
//
// # Semantics
//
// Every client loops: acquire under a context of AcquireTimeout, then the
// critical section (read the resource at the storage, work, write it back,
// carrying the lease's fencing token), then release. The storage executes
// each access atomically when it arrives and records it at its own true
// time; with the fenced lock it rejects any access whose token is below the
// highest it has accepted. After Duration the clients start no new
// critical section and the run goes on until the ones in progress end, so
// that the history holds every access the storage will ever execute.
//
// A lock that gave up because its context ran out is recorded as
// indeterminate (info): its request may have set the key. A release is a
// definite failure only when the lock reports that no node held the value.
package scenario
