package sim

import "github.com/alicebob/miniredis/v2"

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
	if st.m.DB(0).Exists(key) {
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
	v, err := st.m.DB(0).Get(key)
	switch err {
	case nil:
		return v == want, true
	case miniredis.ErrKeyNotFound:
		return false, true
	}
	return false, false
}
