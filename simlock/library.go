package simlock

import (
	"github.com/locksim/locksim/sim/redis"
	"strconv"
)

// The Go fast paths of the published lock libraries' scripts (issue 12):
// github.com/go-redsync/redsync/v4 and github.com/bsm/redislock, which run
// unmodified on go-redis v9. Their bodies are the libraries' text, which
// locksim does not copy: each fast path is registered under the SHA-1 of
// the exact published body (redis.NewFastPathSHA1), a constant below, and
// TestLibraryScriptsMatchFastPaths reads the bodies from the libraries'
// source in the module cache, checks every SHA-1, and names any script
// that an upgrade changed or added. A changed body matches no SHA-1 and
// runs in the interpreter, with its new semantics.
//
// redislock's refresh and release are byte for byte the locks' extend and
// release, so their fast paths are those (one SHA-1, one fast path).
// redsync acquires with go-redis's SetNX (SET NX EX/PX), not a script.

// Module paths of the libraries.
const (
	ModuleRedsync   = "github.com/go-redsync/redsync/v4"
	ModuleRedislock = "github.com/bsm/redislock"
)

// LibraryScript is one Lua script of a published lock library and the fast
// path that runs it.
type LibraryScript struct {
	// Module is the library's module path; Version the version whose
	// body SHA1 is the digest of.
	Module, Version string
	// Var is the package-level variable of the module's root package
	// whose NewScript call holds the body.
	Var string
	// SHA1 is the SHA-1 of the exact body, in lower-case hex.
	SHA1 string
	// FastPath runs it, registered under SHA1.
	FastPath *redis.FastPath
}

var (
	redsyncDelete = redis.NewFastPathSHA1("redsync.deleteScript",
		"e950836ed1e694540c503ef9972b8de518044d3b", runRedsyncDelete)
	redsyncTouch = redis.NewFastPathSHA1("redsync.touchScript",
		"d75bb8b5bd13532ddedd17762e772346e39b321e", runExtend)
	redsyncTouchSetNX = redis.NewFastPathSHA1("redsync.touchWithSetNXScript",
		"b6b55c439e02c6f52ffb8be7ec8c0d0ac816ea79", runRedsyncTouchSetNX)
	redislockObtain = redis.NewFastPathSHA1("redislock.luaObtain",
		"80a1b5f2cfccec3b7119ba7721d2127682b691a7", runRedislockObtain)
	redislockPTTL = redis.NewFastPathSHA1("redislock.luaPTTL",
		"6484da7d58920897fdc22b7f9afd1a3d47524ea8", runRedislockPTTL)

	libraryScripts = []LibraryScript{
		{ModuleRedsync, "v4.18.1", "deleteScript", redsyncDelete.SHA1(), redsyncDelete},
		{ModuleRedsync, "v4.18.1", "touchScript", redsyncTouch.SHA1(), redsyncTouch},
		{ModuleRedsync, "v4.18.1", "touchWithSetNXScript", redsyncTouchSetNX.SHA1(), redsyncTouchSetNX},
		{ModuleRedislock, "v0.9.4", "luaObtain", redislockObtain.SHA1(), redislockObtain},
		{ModuleRedislock, "v0.9.4", "luaPTTL", redislockPTTL.SHA1(), redislockPTTL},
		{ModuleRedislock, "v0.9.4", "luaRefresh", "a7aba3bc5d6e99b3003da8b9d80a63b9f4092ecf", extend},
		{ModuleRedislock, "v0.9.4", "luaRelease", "cf0e94b2e9ffc7e04395cf88f7583fc309985910", release},
	}

	// libraryFastPaths are the fast paths of libraryScripts not already in
	// fastPaths.
	libraryFastPaths = []*redis.FastPath{redsyncDelete, redsyncTouch, redsyncTouchSetNX, redislockObtain, redislockPTTL}
)

// LibraryScripts returns the scripts of the published libraries that have
// a fast path, in a fixed order.
func LibraryScripts() []LibraryScript { return append([]LibraryScript(nil), libraryScripts...) }

// LibraryFastPaths returns the fast paths of the libraries' scripts that
// are not the locks' own (FastPaths): WithFastPaths registers both.
func LibraryFastPaths() []*redis.FastPath { return append([]*redis.FastPath(nil), libraryFastPaths...) }

// runRedsyncDelete is redsync's deleteScript (release):
//
//	val = GET KEYS[1]
//	if val == ARGV[1] then return DEL KEYS[1]
//	elseif val == false then return -1 else return 0 end
func runRedsyncDelete(c *redis.ScriptCall) bool {
	if len(c.Keys) != 1 || len(c.Args) < 1 {
		return false
	}
	r := c.Get(c.Keys[0])
	switch {
	case r.Kind != '$':
		return false // WRONGTYPE: the script fails before writing
	case r.Nil:
		c.ReturnInt(-1)
		return true
	case r.Str != c.Args[0]:
		c.ReturnInt(0)
		return true
	}
	return c.Return(c.Del(c.Keys[0]))
}

// runRedsyncTouchSetNX is redsync's touchWithSetNXScript (extend under
// WithSetNXOnExtend):
//
//	if GET KEYS[1] == ARGV[1] then return PEXPIRE KEYS[1] ARGV[2]
//	elseif SET KEYS[1] ARGV[1] PX ARGV[2] NX then return 1 else return 0 end
//
// (redsync's touchScript is the locks' extend in other words: runExtend.)
func runRedsyncTouchSetNX(c *redis.ScriptCall) bool {
	if len(c.Keys) != 1 || len(c.Args) < 2 {
		return false
	}
	key, value, ms := c.Keys[0], c.Args[0], c.Args[1]
	r := c.Get(key)
	switch {
	case r.Kind != '$':
		return false
	case !r.Nil && r.Str == value:
		return c.Return(c.PExpire(key, ms)) // declines on a bad ms: nothing written
	}
	switch r = c.SetNXPX(key, value, ms); {
	case r.OK():
		c.ReturnInt(1)
	case r.Kind == '$' && r.Nil:
		c.ReturnInt(0)
	default:
		return false // a bad ms: SET failed before writing
	}
	return true
}

// runRedislockObtain is redislock's luaObtain:
//
//	if SET KEYS[1] ARGV[1] NX PX ARGV[3] then return status OK end
//	offset = tonumber(ARGV[2])
//	if GETRANGE KEYS[1] 0 offset-1 == string.sub(ARGV[1], 1, offset) then
//	  return SET KEYS[1] ARGV[1] PX ARGV[3] end
//	(return nil)
//
// The second branch re-obtains a lock whose value starts with the same
// token (ARGV[2] is the token's length). Only a plain positive offset is
// run here; any other (tonumber's and string.sub's corners) goes to the
// interpreter, which is possible since the failed SET NX wrote nothing.
func runRedislockObtain(c *redis.ScriptCall) bool {
	if len(c.Keys) != 1 || len(c.Args) < 3 {
		return false
	}
	key, value, ms := c.Keys[0], c.Args[0], c.Args[2]
	r := c.SetNXPX(key, value, ms)
	switch {
	case r.OK():
		return c.Return(r)
	case r.Kind != '$' || !r.Nil:
		return false // a bad ms
	}
	offset, ok := positiveIndex(c.Args[1])
	if !ok {
		return false
	}
	r = c.GetRange(key, "0", strconv.Itoa(offset-1))
	if r.Kind != '$' || r.Nil {
		return false // WRONGTYPE
	}
	if r.Str != value[:min(offset, len(value))] {
		c.ReturnNil()
		return true
	}
	return c.Return(c.SetPX(key, value, ms))
}

// runRedislockPTTL is redislock's luaPTTL (Lock.TTL):
//
//	if GET KEYS[1] == ARGV[1] then return PTTL KEYS[1] else return -3 end
func runRedislockPTTL(c *redis.ScriptCall) bool {
	if len(c.Keys) != 1 || len(c.Args) < 1 {
		return false
	}
	r := c.Get(c.Keys[0])
	switch {
	case r.Kind != '$':
		return false
	case r.Nil || r.Str != c.Args[0]:
		c.ReturnInt(-3)
		return true
	}
	return c.Return(c.PTTL(c.Keys[0]))
}

// positiveIndex parses a positive integer written canonically in at most 9
// digits: what Lua's tonumber and Redis read alike, and a Lua number holds
// exactly.
func positiveIndex(s string) (int, bool) {
	if len(s) == 0 || len(s) > 9 || s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, true
}
