package simlock

import (
	"github.com/locksim/locksim/sim/redis"
	"strconv"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// The Go fast paths of the locks' scripts. Each holds its own copy of the
// body it implements, the text it was written against: sim runs it only
// for that exact body. If a script of package locks changes, its EVALs no
// longer match the copy and run interpreted, with the new semantics, and
// TestFastPathsMatchLockScripts fails, naming the fast path to rewrite
// (its code, then its body). Never build these from locks.Scripts(): that
// would register stale Go code under the new body.
var (
	luaAcquire = redis.NewFastPath(locks.ScriptLuaAcquire,
		`if redis.call("exists", KEYS[1]) == 0 then return redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) end return nil`,
		runLuaAcquire)
	fencedAcquire = redis.NewFastPath(locks.ScriptFencedAcquire,
		`if redis.call("exists", KEYS[1]) == 0 then redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) return redis.call("incr", KEYS[2]) end return nil`,
		runFencedAcquire)
	release = redis.NewFastPath(locks.ScriptRelease,
		`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`,
		runRelease)
	extend = redis.NewFastPath(locks.ScriptExtend,
		`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`,
		runExtend)

	fastPaths = []*redis.FastPath{extend, fencedAcquire, luaAcquire, release}
)

// FastPaths returns the Go fast paths of the locks' scripts, each named
// after the locks script (locks.ScriptRelease...) it implements.
func FastPaths() []*redis.FastPath { return append([]*redis.FastPath(nil), fastPaths...) }

// WithFastPaths registers FastPaths and LibraryFastPaths on a World: the
// locks' scripts and the published libraries' (library.go). A World whose
// clients never send a library's script traces as it did before these were
// registered.
func WithFastPaths() sim.Option { return withFastPaths }

// withFastPaths is made once: a World per run, each option made anew would
// be an allocation per run.
var withFastPaths = redis.WithFastPaths(append(FastPaths(), libraryFastPaths...)...)

// runLuaAcquire is
//
//	if redis.call("exists", KEYS[1]) == 0 then
//	  return redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) end
//	return nil
func runLuaAcquire(c *redis.ScriptCall) bool {
	if len(c.Keys) != 1 || len(c.Args) < 2 {
		return false
	}
	r := c.Exists(c.Keys[0])
	if r.Kind != ':' {
		return false
	}
	if r.Int != 0 {
		c.ReturnNil()
		return true
	}
	// SET fails (bad PX) before writing anything; Return then declines
	// and the interpreter replies with its own error text.
	return c.Return(c.SetPX(c.Keys[0], c.Args[0], c.Args[1]))
}

// runFencedAcquire is
//
//	if redis.call("exists", KEYS[1]) == 0 then
//	  redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2])
//	  return redis.call("incr", KEYS[2]) end
//	return nil
//
// The INCR comes after a write, so its success is established first: the
// counter is missing or holds a canonical integer well inside Lua's range.
func runFencedAcquire(c *redis.ScriptCall) bool {
	if len(c.Keys) != 2 || len(c.Args) < 2 {
		return false
	}
	key, tokenKey := c.Keys[0], c.Keys[1]
	r := c.Exists(key)
	if r.Kind != ':' {
		return false
	}
	if r.Int != 0 {
		c.ReturnNil()
		return true
	}
	if key == tokenKey {
		return false // INCR of the value just set
	}
	r = c.Get(tokenKey)
	switch {
	case r.Kind != '$':
		return false // WRONGTYPE, or worse: let the interpreter fail
	case !r.Nil && !incrementable(r.Str):
		return false
	}
	if !c.SetPX(key, c.Args[0], c.Args[1]).OK() {
		return false // nothing written
	}
	return c.Return(c.Call("INCR", tokenKey)) // panics if INCR failed after all
}

// maxLuaInt bounds the integers a Lua number (a float64) holds exactly.
const maxLuaInt = 1 << 53

// incrementable reports whether INCR of a counter holding s succeeds with
// a result a Lua number holds: s is an integer written canonically, as
// Redis writes one.
func incrementable(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n+1 >= maxLuaInt || n+1 <= -maxLuaInt {
		return false
	}
	var b [20]byte
	return string(strconv.AppendInt(b[:0], n, 10)) == s
}

// runRelease is
//
//	if redis.call("get", KEYS[1]) == ARGV[1] then
//	  return redis.call("del", KEYS[1]) else return 0 end
func runRelease(c *redis.ScriptCall) bool {
	if len(c.Keys) != 1 || len(c.Args) < 1 {
		return false
	}
	r := c.Get(c.Keys[0])
	switch {
	case r.Kind != '$':
		return false // WRONGTYPE: the script fails before writing
	case r.Nil || r.Str != c.Args[0]:
		c.ReturnInt(0)
		return true
	}
	return c.Return(c.Del(c.Keys[0]))
}

// runExtend is
//
//	if redis.call("get", KEYS[1]) == ARGV[1] then
//	  return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end
func runExtend(c *redis.ScriptCall) bool {
	if len(c.Keys) != 1 || len(c.Args) < 2 {
		return false
	}
	r := c.Get(c.Keys[0])
	switch {
	case r.Kind != '$':
		return false
	case r.Nil || r.Str != c.Args[0]:
		c.ReturnInt(0)
		return true
	}
	// PEXPIRE fails (bad milliseconds) before writing anything.
	return c.Return(c.PExpire(c.Keys[0], c.Args[1]))
}
