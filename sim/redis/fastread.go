package redis

import (
	"time"

	"github.com/alicebob/miniredis/v2"
)

// Direct reads of the script fast path. EXISTS and GET only read the
// keyspace, so instead of dispatching them (argument checks, connection
// context, a reply formatted with fmt and parsed back) the fast path asks
// the database directly, after the same clock tick a command would do
// (Miniredis.DB ticks; RedisDB accessors do not). The effects are the same:
// both paths go through the database's exists, which also stamps the key's
// LRU time; the only difference is that miniredis's count of commands
// processed does not include them. Reads go through Dispatch when the
// node's miniredis has been handed out (Node.Miniredis), since a
// caller could then require authentication or set an error hook.

// exists runs EXISTS key: an integer reply, 1 or 0.
func (st *scriptState) exists(key string) ScriptReply {
	if st.dispatch {
		return st.call("EXISTS", key).export()
	}
	r := ScriptReply{Kind: ':'}
	if st.db0().Exists(key) {
		r.Int = 1
	}
	return r
}

// get runs GET key: a bulk reply (nil if the key does not exist), or
// miniredis's error for a key of another type.
func (st *scriptState) get(key string) ScriptReply {
	if st.dispatch {
		return st.call("GET", key).export()
	}
	v, err := st.db0().Get(key)
	switch err {
	case nil:
		return ScriptReply{Kind: '$', Str: v}
	case miniredis.ErrKeyNotFound:
		return ScriptReply{Kind: '$', Nil: true}
	}
	return st.call("GET", key).export() // WRONGTYPE, in miniredis's words
}

// Direct writes. SET key value PX ms, DEL key and PEXPIRE key ms change the
// database through miniredis's Go API, with the same effects as the
// dispatched commands on the keys, values and TTLs (a TTL of exactly ms
// milliseconds, against the clock of the tick the script's first command
// did): only when the arguments are ones the command accepts (a plain
// positive number of milliseconds) and, for SET, the key holds no value of
// another type; anything else is dispatched, so that errors and their
// texts stay miniredis's own. The differences, unobservable by the
// locks: miniredis's count of commands processed, and a key's WATCH
// version, which SET bumps once more (a watcher sees a change either way).

// directMillis parses a positive number of milliseconds written as plain
// decimal digits, small enough that no conversion overflows.
func directMillis(s string) (time.Duration, bool) {
	if len(s) == 0 || len(s) > 12 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return time.Duration(n) * time.Millisecond, n > 0
}

// setPX runs SET key value PX ms.
func (st *scriptState) setPX(key, value, ms string) ScriptReply {
	ttl, ok := directMillis(ms)
	if st.dispatch || !ok {
		return st.call("SET", key, value, "PX", ms).export()
	}
	db := st.db0()
	if db.Set(key, value) != nil { // a key of another type: SET replaces it
		return st.call("SET", key, value, "PX", ms).export()
	}
	db.SetTTL(key, ttl+st.pending+deadlineBias)
	return statusOK
}

// del runs DEL key: an integer reply, 1 or 0.
func (st *scriptState) del(key string) ScriptReply {
	if st.dispatch {
		return st.call("DEL", key).export()
	}
	r := ScriptReply{Kind: ':'}
	if st.db0().Del(key) {
		r.Int = 1
	}
	return r
}

// pexpire runs PEXPIRE key ms: an integer reply, 1 if the key exists.
func (st *scriptState) pexpire(key, ms string) ScriptReply {
	ttl, ok := directMillis(ms)
	if st.dispatch || !ok {
		return st.call("PEXPIRE", key, ms).export()
	}
	db := st.db0()
	r := ScriptReply{Kind: ':'}
	if db.Exists(key) {
		db.SetTTL(key, ttl+st.pending+deadlineBias)
		r.Int = 1
	}
	return r
}

// setNXPX runs SET key value NX PX ms.
func (st *scriptState) setNXPX(key, value, ms string) ScriptReply {
	ttl, ok := directMillis(ms)
	if st.dispatch || !ok {
		return st.call("SET", key, value, "NX", "PX", ms).export()
	}
	db := st.db0()
	if db.Exists(key) {
		return ScriptReply{Kind: '$', Nil: true}
	}
	if db.Set(key, value) != nil {
		panic("redis: SET of a missing key failed")
	}
	db.SetTTL(key, ttl+st.pending)
	return statusOK
}

// getRange runs GETRANGE key start end: directly for a prefix (start 0,
// end a plain index), which is the string up to end, or all of it if
// shorter (miniredis's redisRange, and Redis's); anything else, and a key
// of another type, is dispatched.
func (st *scriptState) getRange(key, start, end string) ScriptReply {
	e, ok := plainIndex(end)
	if st.dispatch || start != "0" || !ok {
		return st.call("GETRANGE", key, start, end).export()
	}
	v, err := st.db0().Get(key)
	switch err {
	case nil:
		return ScriptReply{Kind: '$', Str: v[:min(len(v), e+1)]}
	case miniredis.ErrKeyNotFound:
		return ScriptReply{Kind: '$'}
	}
	return st.call("GETRANGE", key, start, end).export() // WRONGTYPE
}

// plainIndex parses a non-negative index written canonically (no sign, no
// leading zero) in at most 9 digits, where every parser agrees.
func plainIndex(s string) (int, bool) {
	if len(s) == 0 || len(s) > 9 || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
