package sim

// Script fast path.
//
// miniredis runs every EVAL and EVALSHA in a fresh gopher-lua state (about
// 200µs and 185KB each), which dominates a simulation of script-based locks.
// A Redis node therefore recognises the scripts of package locks
// (locks.Scripts) and runs them as Go code instead: the same Redis commands
// the script would call (EXISTS, GET, SET, INCR, DEL, PEXPIRE), dispatched to
// the node's miniredis in the same order, on a connection of its own, with
// the script's reply written to the client as miniredis's Lua bridge writes
// it. Nothing runs between those commands (the node executes a command
// atomically on its arrival), so the script stays atomic.
//
// What does not change, by construction: the command the node executes,
// logs (for persistence replay) and traces is the EVAL or EVALSHA itself;
// the key expiry tracking of exec sees the script's KEYS before and after;
// TTLs are those of the very SET PX and PEXPIRE commands the script would
// send, against the node's clock (ClockTTL, SetTime); the reply bytes are
// those of the interpreter, so traces are identical in both modes (the
// differential and trace tests check it).
//
// Recognition: EVAL by its body (the exact bytes of a locks script, which is
// the same as recognising its SHA-1), EVALSHA by the SHA-1 hex digest, in
// lower case as miniredis stores it, and only if miniredis has the script
// (an earlier EVAL, or SCRIPT LOAD); otherwise miniredis answers NOSCRIPT as
// before. A fast EVAL caches its script in miniredis (SCRIPT LOAD), as an
// interpreted one does, so a later EVALSHA finds it.
//
// The plain SET key value NX PX ms of redlock, and GET key and DEL key of
// one key, take a direct path too (fastSetNX, fastGetDel), under the same
// conditions.
//
// The interpreter still runs (so that every reply, error text and partial
// effect is miniredis's own):
//   - for every other script, EVAL_RO and EVALSHA_RO;
//   - under WithInterpretedScripts or RedisNode.SetInterpretedScripts;
//   - when the number of keys is not the script's, or arguments are missing;
//   - on a connection that ever sent MULTI, SELECT, HELLO, AUTH, RESET or a
//     SUBSCRIBE (its scripts may be queued, run on another database, or be
//     refused), or that speaks RESP3;
//   - when a command of the script would fail with an error before the
//     script wrote anything (the fast path then writes nothing and hands the
//     whole EVAL to the interpreter, which fails the same way), or when the
//     fenced acquire's INCR could fail or exceed Lua's 2^53 integer range.

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"

	"github.com/locksim/locksim/locks"
)

// WithInterpretedScripts makes every Redis node of the World run every
// EVAL and EVALSHA in miniredis's Lua interpreter, as if there were no
// script fast path. Replies, keyspaces and traces are the same either way;
// only the speed differs. By default the scripts of package locks take the
// fast path.
func WithInterpretedScripts() Option {
	return func(w *World) { w.interpretScripts = true }
}

// SetInterpretedScripts forces (on) the interpretation of every script on
// this node, or (off) lets the node use the fast path again unless the
// World was made WithInterpretedScripts. It takes effect at the next
// command; it is not a fault and is not traced.
func (rn *RedisNode) SetInterpretedScripts(on bool) { rn.scripts.interpret = on }

// ScriptStats returns how many EVAL/EVALSHA commands the node ran on the
// fast path and how many it handed to miniredis's interpreter (including
// those answered with an error such as NOSCRIPT), since it was added.
func (rn *RedisNode) ScriptStats() (fast, interpreted uint64) {
	return rn.scripts.fast, rn.scripts.interpreted
}

// scriptState is a Redis node's fast-path state. Everything but the
// counters and the interpret flag describes the miniredis m, and is reset
// when the node gets a new one (restart).
type scriptState struct {
	interpret         bool
	fast, interpreted uint64

	m        *miniredis.Miniredis
	peer     *server.Peer // the fast path's own connection
	buf      bytes.Buffer // its replies
	cmd      []string     // scratch for the commands it sends
	dispatch bool         // send reads (EXISTS, GET) through Dispatch too (fastread.go)
	x        fastCall     // scratch for the script being run
	loaded   uint32       // bit i: fastScripts.list[i] is in m's script cache
	stateful map[*server.Peer]bool

	// Set by exec for the command it runs, nil otherwise: the database,
	// already ticked to the command's instant (the clock does not move
	// during a command, so another tick would do nothing), and the
	// client's connection, whose replies go to the node's buffer out and
	// which holds nothing unflushed.
	db      *miniredis.RedisDB
	outPeer *server.Peer
	out     *bytes.Buffer

	// pending is how far the command's instant is ahead of miniredis's
	// TTL baseline (aging.go): 0 unless exec runs the command unaged.
	pending time.Duration

	// What a direct path tells exec's expiry tracking, which would
	// otherwise read the value of every key the command names: the
	// command changed no value (kept), or set key valKey to val.
	kept        bool
	valKey, val string
}

// db0 returns the database of the command being run.
func (st *scriptState) db0() *miniredis.RedisDB {
	if st.db != nil {
		return st.db
	}
	return st.m.DB(0)
}

// raw writes the reply bytes s to peer: directly to the node's buffer when
// peer is the connection of the command exec runs, which is what the
// peer's writer would do, without the formatting.
func (st *scriptState) raw(peer *server.Peer, s string) {
	if peer == st.outPeer {
		st.out.WriteString(s)
		return
	}
	peer.WriteRaw(s)
}

func (st *scriptState) reset(m *miniredis.Miniredis) {
	st.m = m
	st.buf.Reset()
	st.peer = server.NewPeer(bufio.NewWriter(&st.buf))
	st.loaded = 0
	clear(st.stateful)
}

// dispatch executes one command on the node's miniredis, writing its reply
// to peer: a recognised script on the fast path, anything else through
// miniredis's Dispatch.
func (rn *RedisNode) dispatch(peer *server.Peer, args []string) {
	st := &rn.scripts
	if st.m != rn.m {
		st.reset(rn.m)
	}
	name := args[0]
	isEval, isSHA := strings.EqualFold(name, "EVAL"), strings.EqualFold(name, "EVALSHA")
	if isEval || isSHA {
		if rn.fastEval(peer, args, isSHA) {
			st.fast++
			return
		}
		st.interpreted++
	} else if len(args) == 6 && rn.fastSetNX(peer, args) || len(args) == 2 && rn.fastGetDel(peer, args) {
		return
	}
	rn.m.Server().Dispatch(peer, args)
	st.aged()
	switch {
	case isEval || isSHA:
	case connStateCommand(name):
		if st.stateful == nil {
			st.stateful = map[*server.Peer]bool{}
		}
		st.stateful[peer] = true
	case strings.EqualFold(name, "SCRIPT"):
		st.loaded = 0 // SCRIPT FLUSH, or anything else: ask again
	}
}

// connStateCommand reports whether a command changes how later commands of
// its connection run (transactions, database, protocol, authentication,
// subscriptions).
func connStateCommand(name string) bool {
	switch len(name) {
	case 4:
		return strings.EqualFold(name, "AUTH")
	case 5:
		return strings.EqualFold(name, "MULTI") || strings.EqualFold(name, "HELLO") || strings.EqualFold(name, "RESET")
	case 6:
		return strings.EqualFold(name, "SELECT")
	case 9:
		return strings.EqualFold(name, "SUBSCRIBE")
	case 10:
		return strings.EqualFold(name, "PSUBSCRIBE") || strings.EqualFold(name, "SSUBSCRIBE")
	}
	return false
}

// fastEval runs an EVAL or EVALSHA of a recognised script on the fast path
// and reports whether it did; when it did not, it wrote nothing.
func (rn *RedisNode) fastEval(peer *server.Peer, args []string, isSHA bool) bool {
	st := &rn.scripts
	if st.interpret || rn.w.interpretScripts || len(args) < 3 || peer.Resp3 || st.stateful[peer] {
		return false
	}
	var fs *fastScript
	if isSHA {
		fs = fastScripts.bySHA[args[1]]
	} else {
		// not the byBody map: hashing a whole body costs more than
		// comparing it with a few, which mostly differ in length or
		// share the caller's constant's bytes (compared by pointer).
		for _, c := range fastScripts.list {
			if c.body == args[1] {
				fs = c
				break
			}
		}
	}
	if fs == nil {
		return false
	}
	n, err := strconv.Atoi(args[2])
	if err != nil || n != fs.keys || len(args)-3-n < fs.argv {
		return false
	}
	bit := uint32(1) << fs.idx
	if isSHA && st.loaded&bit == 0 {
		if r := st.call("SCRIPT", "EXISTS", fs.sha); r.kind != '*' || !bytes.Equal(r.raw, []byte("*1\r\n:1\r\n")) {
			return false // NOSCRIPT: miniredis says so
		}
		st.loaded |= bit
	}
	x := &st.x // reused: a fresh one would escape through fs.run
	*x = fastCall{st: st, peer: peer, keys: args[3 : 3+n], argv: args[3+n:]}
	ok := fs.run(x)
	*x = fastCall{}
	if !ok {
		return false
	}
	if st.loaded&bit == 0 {
		// an interpreted EVAL that succeeds caches its script
		if r := st.call("SCRIPT", "LOAD", fs.body); r.kind != '$' {
			panic(fmt.Sprintf("sim: SCRIPT LOAD of script %s: %q", fs.name, st.buf.Bytes()))
		}
		st.loaded |= bit
	}
	return true
}

// fastScript is a recognised script and its Go implementation.
type fastScript struct {
	name, body, sha string
	idx             int
	keys, argv      int // number of keys it takes; arguments it needs
	run             func(*fastCall) bool
}

// fastTable holds the recognised scripts.
type fastTable struct {
	list   []*fastScript
	byBody map[string]*fastScript
	bySHA  map[string]*fastScript
}

// fastScripts are the scripts of package locks that have a Go
// implementation; a locks script without one is interpreted.
var fastScripts = newFastTable(locks.Scripts())

// fastImpls are the Go implementations of the locks scripts, by name.
var fastImpls = map[string]struct {
	keys, argv int
	run        func(*fastCall) bool
}{
	locks.ScriptLuaAcquire:    {1, 2, runLuaAcquire},
	locks.ScriptFencedAcquire: {2, 2, runFencedAcquire},
	locks.ScriptRelease:       {1, 1, runRelease},
	locks.ScriptExtend:        {1, 2, runExtend},
}

func newFastTable(scripts []locks.Script) *fastTable {
	t := &fastTable{byBody: map[string]*fastScript{}, bySHA: map[string]*fastScript{}}
	for _, s := range scripts {
		impl, ok := fastImpls[s.Name]
		if !ok {
			continue
		}
		sum := sha1.Sum([]byte(s.Body))
		fs := &fastScript{name: s.Name, body: s.Body, sha: hex.EncodeToString(sum[:]), idx: len(t.list),
			keys: impl.keys, argv: impl.argv, run: impl.run}
		t.list = append(t.list, fs)
		t.byBody[fs.body] = fs
		t.bySHA[fs.sha] = fs
	}
	if len(t.list) > 32 {
		panic("sim: more than 32 fast-path scripts")
	}
	return t
}

// fastCall is one execution of a recognised script: its KEYS and ARGV, and
// the client's connection, where the script's reply goes.
type fastCall struct {
	st   *scriptState
	peer *server.Peer
	keys []string
	argv []string
}

// subReply is the reply of a command the fast path sent: kind is the RESP
// type byte ('+', '-', ':', '$', '*'); for '+' and '$' str is the text, nil
// reports a nil bulk; for ':' n is the integer. raw is the whole reply. They
// alias the fast path's buffer: valid until its next command.
type subReply struct {
	kind byte
	nil  bool
	n    int64
	str  []byte
	raw  []byte
}

// call sends one command on the fast path's connection and returns its
// reply.
func (st *scriptState) call(args ...string) subReply {
	st.cmd = append(st.cmd[:0], args...)
	st.buf.Reset()
	st.m.Server().Dispatch(st.peer, st.cmd)
	st.aged()
	st.peer.Flush()
	return parseSub(st.buf.Bytes())
}

// parseSub decodes the head of a RESP2 reply; an unknown or malformed reply
// gets kind 0.
func parseSub(b []byte) subReply {
	r := subReply{raw: b}
	i := bytes.IndexByte(b, '\n')
	if len(b) < 3 || i < 2 || b[i-1] != '\r' {
		return r
	}
	line := b[1 : i-1]
	switch b[0] {
	case '+', '-', '*':
		r.kind, r.str = b[0], line
	case ':':
		n, ok := atoi64(line)
		if !ok {
			return r
		}
		r.kind, r.n = ':', n
	case '$':
		n, ok := atoi64(line)
		switch {
		case !ok:
			return r
		case n < 0:
			r.kind, r.nil = '$', true
		case int64(len(b)-i-1) >= n+2:
			r.kind, r.str = '$', b[i+1:i+1+int(n)]
		}
	}
	return r
}

// atoi64 parses a decimal integer as Redis writes it.
func atoi64(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// reply writes the value of `return redis.call(...)` to the client as
// miniredis's Lua bridge converts it: a status reply stays a status, an
// integer an integer, a bulk string a bulk string, a nil bulk (Lua false) a
// nil. It reports false for other shapes, which the caller must only get
// before writing anything.
func (x *fastCall) reply(r subReply) bool {
	switch {
	case r.kind == '+' && string(r.str) == "OK":
		x.st.raw(x.peer, "+OK\r\n") // the bytes of WriteInline("OK")
	case r.kind == ':' && r.n == 0:
		x.st.raw(x.peer, ":0\r\n") // the bytes of WriteInt
	case r.kind == ':' && r.n == 1:
		x.st.raw(x.peer, ":1\r\n")
	case r.kind == '+':
		x.peer.WriteInline(string(r.str))
	case r.kind == ':' && r.n > -maxLuaInt && r.n < maxLuaInt:
		x.peer.WriteInt(int(r.n))
	case r.kind == '$' && r.nil:
		x.peer.WriteNull()
	case r.kind == '$':
		x.peer.WriteBulk(string(r.str))
	default:
		return false
	}
	return true
}

// maxLuaInt bounds the integers a Lua number (a float64) holds exactly.
const maxLuaInt = 1 << 53

// mustReply is reply for a command sent after the script wrote: its shape
// was checked beforehand, so anything else is a bug of the fast path.
func (x *fastCall) mustReply(r subReply, what string) {
	if !x.reply(r) {
		panic(fmt.Sprintf("sim: script fast path: %s after a write replied %q", what, r.raw))
	}
}

// runLuaAcquire is
//
//	if redis.call("exists", KEYS[1]) == 0 then
//	  return redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) end
//	return nil
func runLuaAcquire(x *fastCall) bool {
	r := x.st.exists(x.keys[0])
	if r.kind != ':' {
		return false
	}
	if r.n != 0 {
		x.st.raw(x.peer, "$-1\r\n") // WriteNull on RESP2
		x.st.kept = true
		return true
	}
	// SET fails (bad PX) before writing anything; the interpreter then
	// replies with its own error text.
	if !x.reply(x.st.setPX(x.keys[0], x.argv[0], x.argv[1])) {
		return false
	}
	x.st.valKey, x.st.val = x.keys[0], x.argv[0]
	return true
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
func runFencedAcquire(x *fastCall) bool {
	st := x.st
	key, tokenKey := x.keys[0], x.keys[1]
	r := st.exists(key)
	if r.kind != ':' {
		return false
	}
	if r.n != 0 {
		x.st.raw(x.peer, "$-1\r\n") // WriteNull on RESP2
		x.st.kept = true
		return true
	}
	if key == tokenKey {
		return false // INCR of the value just set
	}
	r = st.call("GET", tokenKey)
	switch {
	case r.kind != '$':
		return false // WRONGTYPE, or worse: let the interpreter fail
	case !r.nil:
		n, ok := atoi64(r.str)
		if !ok || strconv.FormatInt(n, 10) != string(r.str) || n+1 >= maxLuaInt || n+1 <= -maxLuaInt {
			return false
		}
	}
	if r = st.setPX(key, x.argv[0], x.argv[1]); r.kind != '+' {
		return false // nothing written
	}
	r = st.call("INCR", tokenKey)
	if r.kind != ':' {
		panic(fmt.Sprintf("sim: script fast path: INCR %q replied %q", tokenKey, r.raw))
	}
	x.mustReply(r, "INCR")
	st.valKey, st.val = key, x.argv[0]
	return true
}

// runRelease is
//
//	if redis.call("get", KEYS[1]) == ARGV[1] then
//	  return redis.call("del", KEYS[1]) else return 0 end
func runRelease(x *fastCall) bool {
	st := x.st
	is, ok := st.getIs(x.keys[0], x.argv[0])
	if !ok {
		return false // WRONGTYPE: the script fails before writing
	}
	if !is {
		x.st.raw(x.peer, ":0\r\n") // WriteInt(0)
		x.st.kept = true
		return true
	}
	r := st.del(x.keys[0])
	if r.kind != ':' {
		return false
	}
	x.mustReply(r, "DEL")
	return true
}

// runExtend is
//
//	if redis.call("get", KEYS[1]) == ARGV[1] then
//	  return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end
func runExtend(x *fastCall) bool {
	st := x.st
	is, ok := st.getIs(x.keys[0], x.argv[0])
	if !ok {
		return false
	}
	if !is {
		x.st.raw(x.peer, ":0\r\n") // WriteInt(0)
		x.st.kept = true
		return true
	}
	// PEXPIRE fails (bad milliseconds) before writing anything.
	if !x.reply(st.pexpire(x.keys[0], x.argv[1])) {
		return false
	}
	st.kept = true // a TTL, not a value
	return true
}

// direct reports whether a plain command of peer may take a direct path:
// not with the interpreter forced (the differential tests compare the two),
// nor a handed-out miniredis, nor on a RESP3 or stateful connection.
func (rn *RedisNode) direct(peer *server.Peer) bool {
	st := &rn.scripts
	return !st.dispatch && !st.interpret && !rn.w.interpretScripts && !peer.Resp3 && !st.stateful[peer]
}

// fastSetNX runs SET key value NX PX ms, redlock's acquire, directly on
// the database when the direct writes allow it (fastread.go), with the
// reply miniredis writes: a nil if the key exists, else OK. It reports
// whether it did; when it did not, it wrote nothing. Like the script fast
// path, it is off under WithInterpretedScripts and SetInterpretedScripts,
// so that the differential tests compare it with miniredis's own SET.
func (rn *RedisNode) fastSetNX(peer *server.Peer, args []string) bool {
	st := &rn.scripts
	if !rn.direct(peer) || !strings.EqualFold(args[0], "SET") || !strings.EqualFold(args[3], "NX") || !strings.EqualFold(args[4], "PX") {
		return false
	}
	ttl, ok := directMillis(args[5])
	if !ok {
		return false
	}
	key := args[1]
	db := st.db0()
	if db.Exists(key) {
		st.raw(peer, "$-1\r\n") // WriteNull on RESP2
		st.kept = true
		return true
	}
	if db.Set(key, args[2]) != nil {
		panic("sim: SET of a missing key failed")
	}
	db.SetTTL(key, ttl+st.pending)
	st.valKey, st.val = key, args[2]
	st.raw(peer, "+OK\r\n")
	return true
}

// fastGetDel runs GET key or DEL key (of one key) directly on the database,
// under fastSetNX's conditions, with the replies miniredis writes; a GET of
// a key of another type is dispatched, for miniredis's WRONGTYPE error. It
// reports whether it did; when it did not, it wrote nothing.
func (rn *RedisNode) fastGetDel(peer *server.Peer, args []string) bool {
	st := &rn.scripts
	if !rn.direct(peer) {
		return false
	}
	switch {
	case strings.EqualFold(args[0], "GET"):
		v, err := st.db0().Get(args[1])
		switch err {
		case nil:
			st.bulk(peer, v)
		case miniredis.ErrKeyNotFound:
			st.raw(peer, "$-1\r\n") // WriteNull on RESP2
		default:
			return false
		}
	case strings.EqualFold(args[0], "DEL"):
		if st.db0().Del(args[1]) {
			st.raw(peer, ":1\r\n")
		} else {
			st.raw(peer, ":0\r\n")
		}
	default:
		return false
	}
	return true
}

// bulk writes the bulk string reply v to peer, as WriteBulk does.
func (st *scriptState) bulk(peer *server.Peer, v string) {
	if peer != st.outPeer {
		peer.WriteBulk(v)
		return
	}
	b := st.out.AvailableBuffer()
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, "\r\n"...)
	b = append(b, v...)
	b = append(b, "\r\n"...)
	st.out.Write(b)
}
