package sim

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
// node's miniredis has been handed out (RedisNode.Miniredis), since a
// caller could then require authentication or set an error hook.

// exists runs EXISTS key: an integer reply, 1 or 0.
func (st *scriptState) exists(key string) subReply {
	if st.dispatch {
		return st.call("EXISTS", key)
	}
	r := subReply{kind: ':'}
	if st.db0().Exists(key) {
		r.n = 1
	}
	return r
}

// getIs runs GET key and reports whether its value is want; ok is false if
// GET fails (WRONGTYPE).
func (st *scriptState) getIs(key, want string) (is, ok bool) {
	if st.dispatch {
		r := st.call("GET", key)
		if r.kind != '$' {
			return false, false
		}
		return !r.nil && string(r.str) == want, true
	}
	v, err := st.db0().Get(key)
	switch err {
	case nil:
		return v == want, true
	case miniredis.ErrKeyNotFound:
		return false, true
	}
	return false, false
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
func (st *scriptState) setPX(key, value, ms string) subReply {
	ttl, ok := directMillis(ms)
	if st.dispatch || !ok {
		return st.call("SET", key, value, "PX", ms)
	}
	db := st.db0()
	if db.Set(key, value) != nil { // a key of another type: SET replaces it
		return st.call("SET", key, value, "PX", ms)
	}
	db.SetTTL(key, ttl+st.pending)
	return subReply{kind: '+', str: okBytes}
}

// del runs DEL key: an integer reply, 1 or 0.
func (st *scriptState) del(key string) subReply {
	if st.dispatch {
		return st.call("DEL", key)
	}
	r := subReply{kind: ':'}
	if st.db0().Del(key) {
		r.n = 1
	}
	return r
}

// pexpire runs PEXPIRE key ms: an integer reply, 1 if the key exists.
func (st *scriptState) pexpire(key, ms string) subReply {
	ttl, ok := directMillis(ms)
	if st.dispatch || !ok {
		return st.call("PEXPIRE", key, ms)
	}
	db := st.db0()
	r := subReply{kind: ':'}
	if db.Exists(key) {
		db.SetTTL(key, ttl+st.pending)
		r.n = 1
	}
	return r
}

var okBytes = []byte("OK")
