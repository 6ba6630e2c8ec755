package redis

import (
	"fmt"

	"github.com/alicebob/miniredis/v2/server"
)

// ScriptFunc is the Go implementation of one Lua script (a FastPath). It
// runs the Redis commands the script would call through c, in the
// script's order, and ends with one of c's Return methods, which writes
// the script's reply; it returns true then.
//
// It returns false to hand the whole EVAL to miniredis's interpreter, which
// then runs the script and writes every reply and error text itself: when
// the call is not one it implements (c.Keys or c.Args not of the script's
// arity), or when a command would fail with an error before the script
// wrote anything. It must decide that before its first write: a ScriptFunc
// that returns false after a command that may have written, or after a
// Return, panics (the interpreter would run the script a second time).
type ScriptFunc func(c *ScriptCall) bool

// ScriptCall is one run of a fast path: the script's KEYS and ARGV, and
// the commands it may send, each executed on the node's miniredis at once,
// as the script's redis.call would. It is valid only during the ScriptFunc
// call it is passed to.
type ScriptCall struct {
	Keys []string // KEYS
	Args []string // ARGV

	st      *scriptState
	peer    *server.Peer // the client's: the script's reply goes there
	fp      *FastPath
	wrote   bool // a command may have changed the keyspace
	replied bool
}

// ScriptReply is the reply of a command a script sent.
type ScriptReply struct {
	// Kind is the RESP type: '+' status, '-' error, ':' integer, '$' bulk
	// string, '*' array; 0 for a reply it could not decode.
	Kind byte
	// Nil reports a nil bulk string (Kind '$'), which Lua sees as false.
	Nil bool
	// Int is the integer of Kind ':'.
	Int int64
	// Str is the text of Kinds '+', '-' and '$'.
	Str string
}

// OK reports whether r is the status reply OK.
func (r ScriptReply) OK() bool { return r.Kind == '+' && r.Str == "OK" }

var statusOK = ScriptReply{Kind: '+', Str: "OK"}

// export converts a reply of the fast path's connection.
func (r subReply) export() ScriptReply {
	out := ScriptReply{Kind: r.kind, Nil: r.nil, Int: r.n}
	switch {
	case r.kind == '+' && string(r.str) == "OK":
		out.Str = "OK"
	case r.kind == '+' || r.kind == '-' || r.kind == '$':
		out.Str = string(r.str)
	}
	return out
}

// Exists runs EXISTS key.
func (c *ScriptCall) Exists(key string) ScriptReply { return c.st.exists(key) }

// Get runs GET key: a bulk string, nil if the key does not exist, or an
// error for a key of another type.
func (c *ScriptCall) Get(key string) ScriptReply { return c.st.get(key) }

// SetPX runs SET key value PX ms.
func (c *ScriptCall) SetPX(key, value, ms string) ScriptReply {
	r := c.st.setPX(key, value, ms)
	st := c.st
	switch {
	case r.Kind == '-':
	case r.Kind == '+' && (st.valKey == "" || st.valKey == key):
		c.wrote = true
		st.valKey, st.val = key, value
	default:
		c.wrote = true
		c.changed("") // two keys set, or who knows: exec reads the values
	}
	return r
}

// SetNXPX runs SET key value NX PX ms (in a script, the options in any
// order mean the same): OK if it set the key, a nil if the key exists (of
// any type), an error for a bad ms. Only an OK counts as a write, so a
// script may still decline after a nil.
func (c *ScriptCall) SetNXPX(key, value, ms string) ScriptReply {
	r := c.st.setNXPX(key, value, ms)
	st := c.st
	switch {
	case !r.OK():
	case st.valKey == "" || st.valKey == key:
		c.wrote = true
		st.valKey, st.val = key, value
	default:
		c.wrote = true
		c.changed("")
	}
	return r
}

// GetRange runs GETRANGE key start end: a bulk string ("" for a missing
// key), or an error for a key of another type or bad indices. It only
// reads.
func (c *ScriptCall) GetRange(key, start, end string) ScriptReply {
	return c.st.getRange(key, start, end)
}

// PTTL runs PTTL key: the milliseconds left, -1 for a key without a TTL,
// -2 for a missing key. It only reads.
func (c *ScriptCall) PTTL(key string) ScriptReply {
	return c.st.call("PTTL", key).export()
}

// Del runs DEL key.
func (c *ScriptCall) Del(key string) ScriptReply {
	r := c.st.del(key)
	if r.Kind != '-' {
		c.wrote = true
		c.changed(key)
	}
	return r
}

// PExpire runs PEXPIRE key ms.
func (c *ScriptCall) PExpire(key, ms string) ScriptReply {
	r := c.st.pexpire(key, ms)
	if r.Kind != '-' {
		c.wrote = true // a TTL, not a value: exec's hints stand
	}
	return r
}

// Call runs any other command, args[0] its name, through miniredis's
// Dispatch. Unless it replies with an error it counts as a write.
func (c *ScriptCall) Call(args ...string) ScriptReply {
	r := c.st.call(args...).export()
	if r.Kind != '-' {
		c.wrote = true
		c.changed("")
	}
	return r
}

// changed tells exec's expiry tracking that a command may have changed the
// value of key, or of any key if key is "".
func (c *ScriptCall) changed(key string) {
	st := c.st
	st.kept = false
	if key == "" || key == st.valKey {
		st.valKey, st.val = "", ""
	}
}

// Return writes r as the script's reply, as `return redis.call(...)` of
// the command that replied r does: a status stays a status, an integer an
// integer, a bulk string a bulk string, a nil bulk (Lua false) a nil. For
// any other reply (an error, an array, an integer beyond what a Lua number
// holds) it writes nothing and returns false, for the ScriptFunc to return
// false; after a write it panics instead, since the interpreter can no
// longer take over.
func (c *ScriptCall) Return(r ScriptReply) bool {
	c.replying()
	st := c.st
	switch {
	case r.Kind == '+' && r.Str == "OK":
		st.raw(c.peer, "+OK\r\n") // the bytes of WriteInline("OK")
	case r.Kind == '+':
		c.peer.WriteInline(r.Str)
	case r.Kind == ':':
		if r.Int <= -maxLuaInt || r.Int >= maxLuaInt {
			return c.cannot(r)
		}
		c.ReturnInt(r.Int)
		return true
	case r.Kind == '$' && r.Nil:
		st.raw(c.peer, "$-1\r\n") // WriteNull on RESP2
	case r.Kind == '$':
		st.bulk(c.peer, r.Str)
	default:
		return c.cannot(r)
	}
	c.replied = true
	return true
}

// maxLuaInt bounds the integers a Lua number (a float64) holds exactly.
const maxLuaInt = 1 << 53

// cannot is Return of a reply it cannot write.
func (c *ScriptCall) cannot(r ScriptReply) bool {
	if c.wrote {
		panic(fmt.Sprintf("redis: fast path %s: a command after a write replied %+v", c.fp.name, r))
	}
	return false
}

// ReturnNil writes the script's reply nil (`return nil`, or Lua false).
func (c *ScriptCall) ReturnNil() {
	c.replying()
	c.st.raw(c.peer, "$-1\r\n") // WriteNull on RESP2
	c.replied = true
}

// ReturnInt writes the integer n as the script's reply (`return n`).
func (c *ScriptCall) ReturnInt(n int64) {
	c.replying()
	switch n {
	case 0:
		c.st.raw(c.peer, ":0\r\n") // the bytes of WriteInt
	case 1:
		c.st.raw(c.peer, ":1\r\n")
	default:
		c.peer.WriteInt(int(n))
	}
	c.replied = true
}

// replying checks that the script has not replied yet.
func (c *ScriptCall) replying() {
	if c.replied {
		panic(fmt.Sprintf("redis: fast path %s replied twice", c.fp.name))
	}
}
