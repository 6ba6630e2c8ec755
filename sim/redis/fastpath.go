package redis

// Script fast path.
//
// miniredis runs every EVAL and EVALSHA in a fresh gopher-lua state (about
// 200µs and 185KB each), which dominates a simulation of script-based locks.
// A World therefore lets its user register Go implementations of scripts
// (FastPath, RegisterFastPath): each under the SHA-1 of the exact body it
// implements, so that a script whose text changed no longer matches and
// runs in the interpreter, with its new semantics, instead of the stale Go
// code. sim knows no lock: the implementations of the locks' scripts live
// in package simlock, which knows both.
//
// A fast path runs the same Redis commands the script would call (through
// ScriptCall: EXISTS, GET, GETRANGE, SET PX, SET NX PX, DEL, PEXPIRE, PTTL,
// or any command), on the node's miniredis, in the same order, on a
// connection of its own, and its reply is written to the client as
// miniredis's Lua bridge writes it.
// Nothing runs between those commands (the node executes a command
// atomically on its arrival), so the script stays atomic.
//
// What does not change, by construction: the command the node executes,
// logs (for persistence replay) and traces is the EVAL or EVALSHA itself;
// the key expiry tracking of exec sees the script's KEYS before and after;
// TTLs are those of the very SET PX and PEXPIRE commands the script would
// send, against the node's clock (ClockTTL, SetTime); the reply bytes are
// those of the interpreter, so traces are identical in both modes (the
// differential and trace tests of package simlock check it).
//
// Recognition: EVAL by its body (the exact bytes of a registered body,
// which is the same as recognising its SHA-1; for a fast path registered
// by the SHA-1 alone, NewFastPathSHA1, by hashing the body until it has
// been seen, fastpath_digest.go), EVALSHA by the SHA-1 hex
// digest, in lower case as miniredis stores it, and only if miniredis has
// the script (an earlier EVAL, or SCRIPT LOAD); otherwise miniredis answers
// NOSCRIPT as before. A fast EVAL caches its script in miniredis (SCRIPT
// LOAD), as an interpreted one does, so a later EVALSHA finds it.
//
// The plain SET key value NX PX ms of redlock (also with the options the
// other way round, or EX seconds: go-redis's SetNX, go-redsync's acquire),
// and GET key and DEL key of one key, take a direct path too (fastSetNX,
// fastGetDel), under the same conditions.
//
// The interpreter still runs (so that every reply, error text and partial
// effect is miniredis's own):
//   - for every body without a registered fast path, EVAL_RO and
//     EVALSHA_RO;
//   - under WithInterpretedScripts or Node.SetInterpretedScripts;
//   - when the number of keys is not a number or exceeds the arguments;
//   - on a connection that ever sent MULTI, SELECT, HELLO, AUTH, RESET or a
//     SUBSCRIBE (its scripts may be queued, run on another database, or be
//     refused), or that speaks RESP3;
//   - when the fast path declines (ScriptFunc returns false): wrong arity,
//     or a command of the script would fail with an error before the
//     script wrote anything (the fast path then writes nothing and hands the
//     whole EVAL to the interpreter, which fails the same way).

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"

	"github.com/locksim/locksim/sim"
)

// WithInterpretedScripts makes every Redis node of the World run every
// EVAL and EVALSHA in miniredis's Lua interpreter, as if no fast path were
// registered, and turns the direct paths of SET NX PX, GET and DEL off.
// Replies, keyspaces and traces are the same either way; only the speed
// differs.
func WithInterpretedScripts() sim.Option {
	return func(w *sim.World) { registryOf(w).interpretScripts = true }
}

// SetInterpretedScripts forces (on) the interpretation of every script on
// this node, or (off) lets the node use the fast path again unless the
// World was made WithInterpretedScripts. It takes effect at the next
// command; it is not a fault and is not traced.
func (rn *Node) SetInterpretedScripts(on bool) { rn.scripts.interpret = on }

// ScriptStats returns how many EVAL/EVALSHA commands the node ran on the
// fast path and how many it handed to miniredis's interpreter (including
// those answered with an error such as NOSCRIPT), since it was added.
func (rn *Node) ScriptStats() (fast, interpreted uint64) {
	return rn.scripts.fast, rn.scripts.interpreted
}

// FastPath is the Go implementation of one Lua script, bound to the exact
// body it implements: a Redis node runs it for an EVAL of that body, or an
// EVALSHA of its SHA-1, and for nothing else. Make it once (NewFastPath)
// and register it on each World (RegisterFastPath, WithFastPaths).
type FastPath struct {
	name, body string
	sha        string // lower-case hex SHA-1 of body, as EVALSHA takes it
	id         uint64 // the body's ID in the trace: its SHA-1's first 8 bytes
	run        ScriptFunc
	byDigest   bool // made by NewFastPathSHA1: body unknown (fastpath_digest.go)
}

// NewFastPath returns the fast path run for the script body: name is for
// messages and tools, body the script's text byte for byte, run its Go
// implementation (see ScriptFunc).
func NewFastPath(name, body string, run ScriptFunc) *FastPath {
	if run == nil {
		panic("redis: fast path " + name + " without a function")
	}
	sum := sha1.Sum([]byte(body))
	return &FastPath{name: name, body: body, sha: hex.EncodeToString(sum[:]),
		id: binary.BigEndian.Uint64(sum[:8]), run: run}
}

// Name returns the name the fast path was made with.
func (fp *FastPath) Name() string { return fp.name }

// Body returns the exact script body the fast path implements, or "" for
// one made by NewFastPathSHA1, which knows only the body's SHA-1.
func (fp *FastPath) Body() string { return fp.body }

// SHA1 returns the SHA-1 of Body in lower-case hex: the digest EVALSHA
// takes, under which the fast path is registered.
func (fp *FastPath) SHA1() string { return fp.sha }

// maxFastPaths bounds the fast paths of a World: a node records which of
// them miniredis has cached in one bit each.
const maxFastPaths = 64

// RegisterFastPath makes every Redis node of the World run fp for its
// body. It panics if another fast path is registered for the same body;
// registering fp again does nothing. Register before the World runs: a
// registered body is also how the trace names the script (an ID instead of
// the body), so registering changes the trace hash, though not the
// replies.
func RegisterFastPath(w *sim.World, fp *FastPath) { registryOf(w).register(fp) }

func (w *registry) register(fp *FastPath) {
	for _, o := range w.fastPaths {
		switch {
		case o == fp:
			return
		case o.sha == fp.sha:
			panic(fmt.Sprintf("redis: fast paths %s and %s for the same script body (SHA-1 %s)", o.name, fp.name, fp.sha))
		}
	}
	if len(w.fastPaths) == maxFastPaths {
		panic(fmt.Sprintf("redis: more than %d fast paths", maxFastPaths))
	}
	w.fastPaths = append(w.fastPaths, fp)
	w.fastBodies = append(w.fastBodies, fp.body)
	if fp.byDigest {
		w.unknownBodies++
	} else {
		w.knownBodies |= 1 << (len(w.fastPaths) - 1)
	}
}

// WithFastPaths registers fps on the World (RegisterFastPath).
func WithFastPaths(fps ...*FastPath) sim.Option {
	return func(sw *sim.World) {
		w := registryOf(sw)
		w.fastPaths = slices.Grow(w.fastPaths, len(fps))
		w.fastBodies = slices.Grow(w.fastBodies, len(fps))
		for _, fp := range fps {
			w.register(fp)
		}
	}
}

// FastPaths returns the fast paths registered on the World, in
// registration order.
func FastPaths(w *sim.World) []*FastPath { return append([]*FastPath(nil), registryOf(w).fastPaths...) }

// fastPathOf returns the index of the registered fast path of an EVAL body
// or an EVALSHA digest, -1 if there is none.
func (w *registry) fastPathOf(arg string, isSHA bool) int {
	if !isSHA {
		return w.fastPathOfBody(arg) // fastpath_digest.go
	}
	for i, fp := range w.fastPaths {
		if fp.sha == arg {
			return i
		}
	}
	return -1
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
	x        ScriptCall   // scratch for the script being run
	loaded   uint64       // bit i: the World's fast path i is in m's script cache
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

	// What a direct path or a fast script tells exec's expiry tracking,
	// which would otherwise read the value of every key the command
	// names: the command changed no value but perhaps valKey's (kept),
	// and set key valKey to val.
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
// to peer: a registered script on the fast path, anything else through
// miniredis's Dispatch.
func (rn *Node) dispatch(peer *server.Peer, args []string) {
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
	case connStateCommand(args):
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
// subscriptions). A HELLO that only names protocol 2 or 3, as go-redis
// sends on every new connection, changes nothing a fast path depends on
// (RESP3 is checked on the peer itself); one with AUTH or SETNAME does.
func connStateCommand(args []string) bool {
	name := args[0]
	switch len(name) {
	case 4:
		return strings.EqualFold(name, "AUTH")
	case 5:
		return strings.EqualFold(name, "MULTI") || strings.EqualFold(name, "HELLO") && len(args) > 2 || strings.EqualFold(name, "RESET")
	case 6:
		return strings.EqualFold(name, "SELECT")
	case 9:
		return strings.EqualFold(name, "SUBSCRIBE")
	case 10:
		return strings.EqualFold(name, "PSUBSCRIBE") || strings.EqualFold(name, "SSUBSCRIBE")
	}
	return false
}

// fastEval runs an EVAL or EVALSHA of a registered script on the fast path
// and reports whether it did; when it did not, it wrote nothing.
func (rn *Node) fastEval(peer *server.Peer, args []string, isSHA bool) bool {
	st := &rn.scripts
	if st.interpret || rn.reg.interpretScripts || len(args) < 3 || peer.Resp3 || st.stateful[peer] {
		return false
	}
	i := rn.reg.fastPathOf(args[1], isSHA)
	if i < 0 {
		return false
	}
	fp := rn.reg.fastPaths[i]
	n, err := strconv.Atoi(args[2])
	if err != nil || n < 0 || 3+n > len(args) {
		return false
	}
	bit := uint64(1) << i
	if isSHA && st.loaded&bit == 0 {
		if r := st.call("SCRIPT", "EXISTS", fp.sha); r.kind != '*' || !bytes.Equal(r.raw, []byte("*1\r\n:1\r\n")) {
			return false // NOSCRIPT: miniredis says so
		}
		st.loaded |= bit
	}
	if !st.run(fp, peer, args[3:3+n], args[3+n:]) {
		return false
	}
	if st.loaded&bit == 0 {
		// an interpreted EVAL that succeeds caches its script
		if r := st.call("SCRIPT", "LOAD", rn.reg.fastBodies[i]); r.kind != '$' {
			panic(fmt.Sprintf("redis: SCRIPT LOAD of script %s: %q", fp.name, st.buf.Bytes()))
		}
		st.loaded |= bit
	}
	return true
}

// run runs fp with KEYS keys and ARGV argv, its reply going to peer, and
// reports whether it did, holding it to ScriptFunc's contract.
func (st *scriptState) run(fp *FastPath, peer *server.Peer, keys, argv []string) bool {
	x := &st.x // reused: a fresh one would escape through fp.run
	*x = ScriptCall{Keys: keys, Args: argv, st: st, peer: peer, fp: fp}
	st.kept, st.valKey, st.val = true, "", "" // nothing written yet
	ok := fp.run(x)
	wrote, replied := x.wrote, x.replied
	*x = ScriptCall{}
	switch {
	case ok && !replied:
		panic(fmt.Sprintf("redis: fast path %s returned without a reply", fp.name))
	case !ok && (wrote || replied):
		panic(fmt.Sprintf("redis: fast path %s declined after it wrote (the interpreter would run the script again)", fp.name))
	case !ok:
		st.kept, st.valKey, st.val = false, "", "" // the interpreter's turn
	}
	return ok
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

// direct reports whether a plain command of peer may take a direct path:
// not with the interpreter forced (the differential tests compare the two),
// nor a handed-out miniredis, nor on a RESP3 or stateful connection.
func (rn *Node) direct(peer *server.Peer) bool {
	st := &rn.scripts
	return !st.dispatch && !st.interpret && !rn.reg.interpretScripts && !peer.Resp3 && !st.stateful[peer]
}

// fastSetNX runs SET key value NX PX ms, redlock's acquire (or PX ms NX,
// EX s NX, NX EX s: go-redis's SetNX), directly on the database when the
// direct writes allow it (fastread.go), with the reply miniredis writes: a
// nil if the key exists, else OK. It reports whether it did; when it did
// not, it wrote nothing. Like the script fast path, it is off under
// WithInterpretedScripts and SetInterpretedScripts, so that the
// differential tests compare it with miniredis's own SET.
func (rn *Node) fastSetNX(peer *server.Peer, args []string) bool {
	st := &rn.scripts
	if !rn.direct(peer) || !strings.EqualFold(args[0], "SET") {
		return false
	}
	ttl, ok := setNXTTL(args[3:])
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
		panic("redis: SET of a missing key failed")
	}
	db.SetTTL(key, ttl+st.pending+deadlineBias)
	st.valKey, st.val = key, args[2]
	st.raw(peer, "+OK\r\n")
	return true
}

// setNXTTL reads the three options of a SET NX with a TTL: NX then PX ms
// or EX s, or the other way round; it reports false for anything else.
func setNXTTL(opts []string) (time.Duration, bool) {
	var unit, n string
	switch {
	case strings.EqualFold(opts[0], "NX"):
		unit, n = opts[1], opts[2]
	case strings.EqualFold(opts[2], "NX"):
		unit, n = opts[0], opts[1]
	default:
		return 0, false
	}
	switch {
	case strings.EqualFold(unit, "PX"):
		return directMillis(n)
	case strings.EqualFold(unit, "EX") && len(n) <= 9:
		ms, ok := directMillis(n)
		return ms * 1000, ok // n seconds
	}
	return 0, false
}

// fastGetDel runs GET key or DEL key (of one key) directly on the database,
// under fastSetNX's conditions, with the replies miniredis writes; a GET of
// a key of another type is dispatched, for miniredis's WRONGTYPE error. It
// reports whether it did; when it did not, it wrote nothing.
func (rn *Node) fastGetDel(peer *server.Peer, args []string) bool {
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
