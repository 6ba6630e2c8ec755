// Package histories records what happened in a locksim run: Jepsen-style
// client operations (invoke, then ok, fail or info) and the events no client
// sees (faults, key expiries on Redis nodes, client crashes, and every
// resource access as the storage node executed it). It encodes histories as
// JSON Lines, stores failing runs as self-contained artifacts, and renders
// timelines a person can follow.
//
// It knows neither the simulator nor the locks: the scenario layer records
// events, the model package checks them.
//
// # Usage
//
// Record events in the order they happen, with true virtual time:
//
//	h := histories.History{
//		{Time: t0, Type: histories.Invoke, Op: histories.OpAcquire, OpID: 1, Process: 1, Node: "c1", Key: "L", Value: "v1"},
//		{Time: t1, Type: histories.OK, Op: histories.OpAcquire, OpID: 1, Process: 1, Node: "c1", Key: "L", Value: "v1", Token: 33},
//		{Time: t2, Type: histories.Invoke, Op: histories.OpWrite, OpID: 2, Process: 1, Node: "c1", Key: "counter", CS: 1, Token: 33, Counter: histories.Int64(1)},
//		{Time: t3, Type: histories.Observed, Op: histories.OpStorageWrite, OpID: 2, Process: 1, Node: "storage", Key: "counter", CS: 1, Token: 33, Counter: histories.Int64(1), Outcome: histories.Accepted},
//		...
//	}
//
// The rules a history obeys (History.Validate and Load check them): times
// never decrease; every completion (ok, fail, info) follows the invoke with
// the same OpID, process, op and key; OpIDs are unique and positive; an
// operation pending when its process crashes never completes; storage
// accesses carry an Outcome; fault-end follows the fault-start with the
// same FaultID, and an instantaneous fault records both at once.
//
// What the checkers rely on:
//
//   - CS on a resource access, extend or release is the OpID of the acquire
//     whose critical section it belongs to.
//   - The storage records each access it executes (storage-read,
//     storage-write, storage-transfer) with the client's Process, CS, Token,
//     OpID and whether it accepted or rejected it, at its true time; and a
//     storage-state snapshot of each resource when it is created and when
//     the run ends.
//   - A write the storage rejected completes as fail with Outcome rejected.
//   - An acquire's invoke carries the lock value when the client chose it
//     before sending (all Redis locks do); its ok carries Value, Token and
//     ValidUntil (plus LocalTime, or ValidUntilTrue if known).
//   - A Redis node records OpExpire when a lock key's TTL runs out on its
//     clock, and OpVanish when a key disappears otherwise (a restart without
//     persistence).
//
// Files:
//
//	histories.Write(w, h)               // JSON Lines, header first
//	h, err := histories.Load(r, "run.jsonl") // "run.jsonl:17: time goes backwards: ..."
//	err = histories.WriteArtifact("fail.json", &histories.Artifact{Seed: 42, Config: cfg, Schedule: sched, TraceHash: hash, History: h})
//	a, err := histories.LoadArtifact("fail.json")
//	err = histories.Timeline(a.History, 0, 0, os.Stdout)
//
// Every validation error wraps ErrInvalid, so a command can tell bad input
// (exit code 2) from an I/O failure.
package histories
