package locks

// Script is one Lua script the locks of this package run with EVAL: its
// name (stable, for tools that recognise the scripts, such as the
// simulator's fast path) and its exact body.
type Script struct {
	// Name is one of the ScriptName constants.
	Name string
	// Body is the script text, byte for byte as sent with EVAL; its SHA-1
	// (hex) is the digest EVALSHA takes.
	Body string
}

// The names of the scripts Scripts returns.
const (
	// ScriptLuaAcquire is the lua lock's acquire, the article's script:
	// KEYS[1] lock key, ARGV[1] owner value, ARGV[2] TTL in ms; replies OK
	// if it set the key (SET ... PX), nil if the key existed.
	ScriptLuaAcquire = "lua-acquire"
	// ScriptFencedAcquire is the fenced lock's acquire: as ScriptLuaAcquire,
	// and when it sets the key it also INCRs KEYS[2] and replies with the
	// counter (the fencing token); nil if the key existed.
	ScriptFencedAcquire = "fenced-acquire"
	// ScriptRelease is the owner-checked compare-and-delete: deletes KEYS[1]
	// if it holds ARGV[1] and replies with DEL's count (1), else 0.
	ScriptRelease = "release"
	// ScriptExtend is the owner-checked extend: PEXPIRE KEYS[1] ARGV[2] if
	// it holds ARGV[1] and replies with PEXPIRE's reply (1), else 0.
	ScriptExtend = "extend"
)

// Scripts returns every Lua script the locks of this package send, sorted
// by Name. The slice is fresh on each call; the bodies are the constants the
// locks use, so a change to a script shows here.
func Scripts() []Script {
	return []Script{
		{Name: ScriptExtend, Body: extendScript},
		{Name: ScriptFencedAcquire, Body: fencedAcquireScript},
		{Name: ScriptLuaAcquire, Body: luaAcquireScript},
		{Name: ScriptRelease, Body: releaseScript},
	}
}
