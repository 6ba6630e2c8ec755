// Package redis is locksim's Redis server model: a node of a sim.World
// running one in-process miniredis, on the kernel's exported server-model
// API (sim.Server), with Redis 7's semantics where miniredis's differ.
//
// A Redis node executes each command atomically when it arrives, against
// its own miniredis whose clock (ClockTTL) is set to the node's wall clock
// in whole milliseconds first. Deadlines are absolute, as in Redis
// (redisclock.go): a forward step expires keys early, a backward step
// extends TTLs, and a key lives until the clock is past its deadline.
// Expiries are observed exactly: a key with a TTL gets a sim.Timer on the
// node's monotonic clock, and an EvExpire event reports it when the node's
// Redis clock passes the deadline (at once for a forward step past it),
// with the key's last value. A command reaching a crashed node is refused
// (ErrConnRefused, the kernel's); a paused node is silent. Replies follow
// Redis 7 where miniredis's differ: script errors, TTL's rounding, the
// range of expiry times (redishook.go, scripterr.go). Keys a restart loses
// are reported as EvKeyLost, with their values; the replay of the write
// log as EvRestored. OnCommand sees every command and reply.
//
// Scripts with a fast path registered under the SHA-1 of their exact body
// (RegisterFastPath, WithFastPaths; the locks' scripts are package
// simlock's), SET NX PX, GET and DEL run as Go code inside the node
// (fastpath.go), with miniredis's replies and effects, and without ageing
// every TTL at each command (aging.go); WithInterpretedScripts turns both
// off. Persistence: PersistNone restarts empty; PersistEverysec loses
// nothing acknowledged in a process crash (sim.World.Crash) and, in a host
// crash (CrashHost), the writes after its last fsync, which runs every
// EverysecWindow (1s of true time) at a phase drawn from the node's
// stream; PersistAlways loses nothing acknowledged. Every write is logged
// (writelog.go, compacted by logsnapshot.go) so that a restart replays
// what the mode kept.
//
// A Conn has the methods of package locks' Conn and StringConn (Do and
// DoStrings, replies as go-redis shapes them, the nil reply as go-redis's
// redis.Nil), so lock code takes it as it is; Submit is its form for
// foreign code without a task (backend/unmodified).
//
// # Usage
//
//	w := sim.NewWorld(seed, redis.WithFastPaths(fps...)) // fast paths: optional
//	defer w.Close()
//	rn := redis.AddNode(w, "redis", redis.PersistEverysec)
//	c := w.AddNode("client")
//	redis.OnCommand(w, func(cmd redis.Command) { /* every command and reply */ })
//	w.OnEvent(func(e sim.Event) {
//		if e.Kind == redis.EvExpire { /* e.Key expired on e.Node */ }
//	})
//	w.Spawn(c, "worker", func(rt *sim.Runtime) {
//		conn := rn.Conn(c)
//		ctx, cancel := rt.WithTimeout(context.Background(), 50*time.Millisecond)
//		defer cancel()
//		_, err := conn.Do(ctx, "SET", "lock", "v", "NX", "PX", 1000)
//		_ = err // nil, redis.Nil (go-redis's), an Error, ErrConnRefused or a context error
//	})
//	w.At(time.Second, func() { w.CrashHost(rn.Node()) })
//	w.At(2*time.Second, func() { w.Restart(rn.Node()) }) // replays what everysec kept
//	w.Run(5 * time.Second)
//	fmt.Println(w.TraceHash(), rn.Keys())
package redis
