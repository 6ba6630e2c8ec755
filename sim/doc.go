// Package sim is locksim's deterministic kernel: a World of nodes with
// drifting, stepping clocks, a lossy, partitionable network, Redis nodes
// (in-process miniredis) and tasks — goroutines of which exactly one runs at
// a time — all driven by one seed, through one random stream per subsystem
// (NewStream). Same seed and same calls,
// same trace, byte for byte; TraceHash fingerprints it.
//
// Lock code runs unchanged on a World through the seam of package locks,
// which sim does not import (package simlock adapts one to the other): a
// task's *Runtime has the seam's methods (node wall clock, sleeps and
// timeouts on the node's monotonic clock, scheduler-visible groups and
// mutexes, a per-task random source), and RedisNode.Conn returns a
// connection with locks.Conn's Do (one command over the simulated network,
// go-redis reply shapes).
//
// # Time
//
// True time starts at Epoch and advances only when no task is runnable, by
// jumping to the next timer. Each node has a monotonic clock (drift rate
// only, SetDrift) and a wall clock (the monotonic clock plus steps,
// StepWall). Runtime.Now reads the wall clock; Sleep and WithTimeout run on
// the monotonic clock, so a node with drift r sleeping d wakes after
// d/(1+r) of true time, and timers follow later drift changes.
//
// # Scheduling
//
// A task runs until it blocks in a seam call (Sleep, Conn.Do, Call,
// Group.Wait, Mutex.Lock, Yield); the goroutine giving up the baton runs
// the scheduling loop itself and hands the baton straight to the task the
// scheduler's stream picks among the runnable ones. World.At callbacks run between tasks.
//
// # Faults
//
// Crash (every task of the node unwinds at its next seam call, deferred
// seam calls included, and reaches nothing again), Restart (programs
// registered with OnStart run again; a Redis node replays what its
// Persistence kept), Pause/Resume (nothing of the node runs, its clocks run
// on, messages to it queue), Partition, PartitionOneWay, Heal, SetLoss,
// SetGlobalLoss, SetExtraDelay, SetLatency, SetDrift, StepWall. Every fault
// is traced and reported to OnEvent observers.
//
// OnSeamCall sees every seam call of every task (Now, Sleep, a Redis
// command sent and its reply returned, Group.Go, Group.Wait, Mutex.Lock)
// inside the call, before it does its work, and may fault the world
// there: a pause or crash of the caller's node holds or unwinds the call
// at that point, and a clock step is read by it. That is how a fault lands
// between two steps of a lock's own code.
//
// # Redis nodes
//
// A Redis node executes each command atomically when it arrives, against
// its own miniredis whose clock (ClockTTL) is set to the node's wall clock
// in whole milliseconds first. Deadlines are absolute, as in Redis
// (redisclock.go): a forward step expires keys early, a backward step
// extends TTLs, and a key lives until the clock is past its deadline.
// Expiries are observed exactly: a key with a TTL gets a timer on the
// node's clock, and an EvExpire event reports it when the node's Redis
// clock passes the deadline (at once for a forward step past it), with the
// key's last value. A request reaching a crashed node is refused
// (ErrConnRefused); a paused node is silent. Replies follow Redis 7 where
// miniredis's differ: script errors, TTL's rounding, the range of expiry
// times (redishook.go, scripterr.go). Keys a restart loses are reported as EvKeyLost, with theirs.
// OnRedisCommand sees every command and reply. Scripts with a fast path
// registered under the SHA-1 of their exact body (RegisterFastPath; the
// locks' scripts are package simlock's), SET NX PX, GET and DEL run as Go
// code inside the node (fastpath.go), with miniredis's replies and effects,
// and without ageing every TTL at each command (aging.go);
// WithInterpretedScripts turns both off. Persistence: PersistNone restarts empty; PersistEverysec loses
// nothing acknowledged in a process crash (Crash) and, in a host crash
// (CrashHost), the writes after its last fsync, which runs every
// EverysecWindow (1s of true time) at a seeded phase; PersistAlways loses
// nothing acknowledged.
//
// # Usage
//
//	w := sim.NewWorld(seed)
//	defer w.Close()                         // unwinds tasks still blocked
//	rn := w.AddRedisNode("redis", sim.PersistEverysec)
//	c := w.AddNode("client")
//	c.OnStart(func(n *sim.Node) {           // runs now and after each restart
//		w.Spawn(n, "worker", func(rt *sim.Runtime) {
//			conn := rn.Conn(n)
//			ctx, cancel := rt.WithTimeout(context.Background(), 50*time.Millisecond)
//			defer cancel()
//			_, err := conn.Do(ctx, "SET", "lock", "v", "NX", "PX", 1000)
//			_ = err // nil, redis.Nil (locks.ErrNil), a RedisError or a context error
//		})
//	})
//	w.At(2*time.Second, func() { w.Pause(c, 3*time.Second) })
//	w.At(4*time.Second, func() { rn.Node().StepWall(time.Minute) })
//	w.OnEvent(func(e sim.Event) { /* record faults and expiries */ })
//	w.Run(10 * time.Second)
//	fmt.Println(w.TraceHash())
//
// A World is driven from one goroutine; its methods are not safe for
// concurrent use. Seam calls made outside a task panic.
//
// Foreign code (a published library with goroutines of its own) meets the
// World through three exported seams, used by backend/unmodified: an idle
// hook (WithIdleHook), where the World may wait for foreign work before
// true time jumps and takes it in; Runtime.External, which blocks a task
// while foreign code works for it; and RedisConn.Submit, which sends a
// command through the simulated network without a task. Without a hook
// the World never waits, and its traces are what they always were.
package sim
