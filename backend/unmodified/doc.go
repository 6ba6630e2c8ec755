// Package unmodified is locksim's backend for unmodified code: published
// lock libraries on go-redis v9 (go-redsync v4, bsm/redislock, or a team's
// own lock) run as published, with no fork, patch or replace directive,
// under locksim's scenarios, faults and checks.
//
// Only the lock is foreign. The scenario layer (workload clients as
// simulated tasks, the storage node, the recorder, faults, checks,
// artifacts, shrink) and the deterministic World run as on the sim
// backend; a client task calls the library through Runtime.External and
// waits while the library's goroutines work. The whole World runs inside
// a testing/synctest bubble, whose fake clock is the World's true time,
// so the library reads simulated time through package time. Its go-redis
// clients dial in-memory connections (clientOptions' Dialer) whose
// commands travel locksim's simulated network (latency, loss, partitions,
// delays, pauses, crashes) to the same simulated Redis nodes, with their
// clocks and persistence modes, and whose replies come back the same way.
//
// Determinism: foreign goroutines never touch the World. They put what
// they do (a command written, a call returned) into the hub's inbox; the
// World takes it only in its idle hook, after synctest.Wait has let every
// goroutine of the bubble settle, and in the order of a key (client,
// Redis node, connection, sequence), never of arrival. Randomness is fixed
// through the libraries' public options (WithGenValueFunc,
// WithRetryDelayFunc and WithShufflePools(false) for go-redsync; Options.Token
// for redislock), drawn from the task's seeded source. Every run records a
// trace hash of what reached the wire, the replies and the clocks, and
// replay compares it (exit 3 on a divergence).
//
// What it cannot do, it refuses (exit 2): clock faults on clients, since
// every goroutine of a bubble reads one time.Now. A client pause holds the
// client's network I/O (its writes wait in the inbox, replies to it queue
// at its node) and its task; the library's own timers keep running during
// the pause, as they would fire at once when a real process resumed.
//
// From go test, Check(t, spec, newLock) runs a lock built from go-redis
// clients; a command wraps its main in Main, which gives the program the
// *testing.T that synctest.Test requires (see Main for how, and its risk).
package unmodified
