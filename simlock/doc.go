// Package simlock runs the locks of package locks on the simulator of
// package sim. It is the one place that knows both: sim knows no lock and
// locks knows no simulator (the layering test of internal/layering holds
// them to it).
//
// It adapts a simulated task's *sim.Runtime to locks.Runtime (Runtime),
// checks that a *redis.Conn is a locks.Conn and a locks.StringConn as
// it is, and provides the Go fast paths of the locks' Lua scripts
// (FastPaths, WithFastPaths): each registered under the SHA-1 of the exact
// body it was written for, so that a script changed in package locks runs
// in miniredis's interpreter, with its new semantics, and
// TestFastPathsMatchLockScripts names the fast path gone stale. It also
// provides the fast paths of the scripts of the published libraries
// go-redsync v4 and bsm/redislock (LibraryScripts, LibraryFastPaths, also
// registered by WithFastPaths): locksim holds no copy of those bodies, so
// each is registered under the SHA-1 of the exact published body
// (redis.NewFastPathSHA1), and TestLibraryScriptsMatchFastPaths reads the
// bodies from the module cache and names a script an upgrade changed.
//
//	w := sim.NewWorld(seed, simlock.WithFastPaths())
//	rn := redis.AddNode(w, "redis", redis.PersistEverysec)
//	c := w.AddNode("client")
//	w.Spawn(c, "client", func(rt *sim.Runtime) {
//		l, err := locks.NewLua(simlock.Runtime(rt), rn.Conn(c), locks.LuaOptions{Key: "lock"})
//		...
//	})
package simlock
