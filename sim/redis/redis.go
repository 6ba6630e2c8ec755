package sim

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
)

// RedisNode is a node running one in-process miniredis. Commands run
// atomically when they arrive, against the node's wall clock: before each
// command the miniredis clock is set to it (ClockTTL), so a forward step of
// the node's wall clock expires keys early, as in real Redis.
type RedisNode struct {
	w       *World
	node    *Node
	persist Persistence
	m       *miniredis.Miniredis // nil while crashed
	buf     bytes.Buffer

	log         writeLog
	lastSeen    time.Time // wall clock of the last access
	aging       aging     // when miniredis last aged its TTLs (aging.go)
	lastLogged  time.Time // wall clock of the last log entry
	crashAt     time.Duration
	hostCrash   bool          // the last crash took the host down
	fsyncPhase  time.Duration // of everysec's fsyncs, drawn at a host crash
	keysAtCrash []crashKey

	tracked  []*trackedKey
	trackIdx map[string]int
	freeKeys []*trackedKey // untracked, for reuse
	hashTTLs bool          // it may hold hash fields with TTLs (aging.go)
	commands uint64
	info     map[string]cmdInfo // by command name as sent
	scripts  scriptState        // script fast path (fastpath.go)
}

// RedisCommand is one command executed by a Redis node, as reported to the
// functions registered with OnRedisCommand.
type RedisCommand struct {
	At    time.Duration // true elapsed time of execution
	Wall  time.Time     // the Redis node's wall clock
	Node  *RedisNode
	From  *Node // the client node that sent it
	Args  []string
	Reply any   // go-redis shape; nil with Err for nil and error replies
	Err   error // redis.Nil (go-redis's, locks.ErrNil), a RedisError, or nil
}

// OnRedisCommand registers f to be called after every command a Redis node
// executes (its reply may still be lost on the way back). f runs on the
// scheduler and must not block.
func (w *World) OnRedisCommand(f func(RedisCommand)) {
	w.redisHooks = append(w.redisHooks, f)
}

// AddRedisNode adds a Redis node with persistence mode p.
func (w *World) AddRedisNode(name string, p Persistence) *RedisNode {
	n := w.AddNode(name)
	rn := &RedisNode{w: w, node: n, persist: p, trackIdx: map[string]int{}, info: map[string]cmdInfo{}}
	n.redis = rn
	rn.start(writeLog{})
	return rn
}

// Node returns the Redis node's Node, for faults and clocks.
func (rn *RedisNode) Node() *Node { return rn.node }

// Name returns the node's name.
func (rn *RedisNode) Name() string { return rn.node.name }

// Persistence returns the node's persistence mode.
func (rn *RedisNode) Persistence() Persistence { return rn.persist }

// SetPersistence sets what the node keeps on its next restarts. Every
// write is logged whatever the mode, so the mode in force at the restart
// decides.
func (rn *RedisNode) SetPersistence(p Persistence) {
	rn.persist = p
	rn.w.trace(trFault, uint64(rn.node.id), uint64(p), "persistence")
}

// Commands returns how many commands the node executed.
func (rn *RedisNode) Commands() uint64 { return rn.commands }

// Miniredis returns the node's miniredis, nil while the node is down. Its
// clock is the node's wall clock as of the last access; call Sync first to
// bring it to now.
//
// Once it has been called, the script fast path sends its reads through
// miniredis's Dispatch too, so that whatever the caller configures on the
// miniredis (authentication, error hooks) applies to them. Its pre-hook
// holds the node's Redis 7 replies (redishook.go): SetError replaces it.
func (rn *RedisNode) Miniredis() *miniredis.Miniredis {
	rn.scripts.dispatch = true
	return rn.m
}

// Sync sets the miniredis clock to the node's wall clock now (expiring what
// is due) and reports expiries.
func (rn *RedisNode) Sync() {
	if rn.m == nil {
		return
	}
	rn.syncClock()
	rn.noteGone(rn.trackedKeys())
}

// Get returns the string value of key now, and whether it exists.
func (rn *RedisNode) Get(key string) (string, bool) {
	if rn.m == nil {
		return "", false
	}
	db, _ := rn.readKey(key)
	v, err := db.Get(key) // an error if it does not exist or is no string
	return v, err == nil
}

// readKey prepares a read of key now, from outside a command: it returns
// database 0 unaged (aging.go) or, if the key may have expired unseen,
// aged by a tick, and the pending ageing; an expiry of key is reported.
func (rn *RedisNode) readKey(key string) (*miniredis.RedisDB, time.Duration) {
	_, db, pending, ok := rn.unaged([]string{key})
	if !ok {
		rn.syncClock() // expires what is due now
		db, pending = rn.aging.db, 0
	}
	rn.noteGoneKey(db, key)
	return db, pending
}

// PTTL returns the remaining time to live of key now, as Redis's PTTL does:
// -2 if it does not exist (or the node is down), -1 if it has no TTL.
func (rn *RedisNode) PTTL(key string) time.Duration {
	if rn.m == nil {
		return -2
	}
	db, pending := rn.readKey(key)
	if !db.Exists(key) {
		return -2
	}
	if ttl := db.TTL(key); ttl > 0 {
		return ttl - pending - deadlineBias // 0 at the deadline, as Redis's PTTL
	}
	return -1
}

// Keys returns the keys of the node now, sorted.
func (rn *RedisNode) Keys() []string {
	if rn.m == nil {
		return nil
	}
	rn.Sync()
	return rn.m.Keys()
}

// newMiniredis returns a miniredis with its commands registered and no
// goroutine or socket left behind, its clock at wall.
func newMiniredis(wall time.Time, seed int) *miniredis.Miniredis {
	m := miniredis.NewMiniRedis()
	c, err := m.Dial() // registers the commands on a listener-less server
	if err != nil {
		panic(fmt.Errorf("sim: start miniredis: %w", err))
	}
	_ = c.Close()
	m.Server().Close() // waits for the pipe's serving goroutine to end
	m.Seed(seed)
	m.SetTime(wall)
	m.ClockTTL(true)
	installHook(m) // redishook.go
	return m
}

// start makes a fresh miniredis and replays log into it: its snapshot,
// then its tail.
func (rn *RedisNode) start(log writeLog) {
	first := rn.wall()
	seed := int(rn.w.nodeStream(rn.node).Int64())
	if log.snap != nil {
		rn.m = log.snap.restore(seed)
		first = log.snap.wall
	} else {
		if log.Len() > 0 {
			first = log.entry(0).wall
		}
		rn.m = newMiniredis(first, seed)
	}
	peer := server.NewPeer(bufio.NewWriter(io.Discard))
	last := replayEntries(rn.m, &log, log.base(), log.Len(), first, func(args []string) {
		rn.replayDispatch(peer, args)
	})
	if log.Len() == log.base() {
		last = first
	}
	rn.log = log
	rn.lastSeen, rn.lastLogged = last, last
	rn.syncClock()
}

// crashKey is a key that existed at a crash, with its deadline on the
// node's Redis clock (zero: no TTL).
type crashKey struct {
	key, value string // value: if a string
	deadline   time.Time
}

func (rn *RedisNode) crash(host bool) {
	rn.crashAt = rn.w.now
	rn.hostCrash = host
	if host {
		rn.fsyncPhase = time.Duration(rn.w.nodeStream(rn.node).Int64N(int64(EverysecWindow)))
	}
	rn.syncClock()
	rn.keysAtCrash = rn.keysAtCrash[:0]
	for _, k := range rn.m.Keys() {
		ck := crashKey{key: k}
		ck.value, _ = rn.m.Get(k)
		if ttl := rn.m.TTL(k); ttl > 0 {
			ck.deadline = rn.lastSeen.Add(ttl - deadlineBias)
		}
		rn.keysAtCrash = append(rn.keysAtCrash, ck)
	}
	for _, tk := range rn.tracked {
		rn.w.cancel(&tk.timer)
	}
	rn.tracked = nil
	clear(rn.trackIdx)
	rn.m = nil
	rn.aging.forget()
}

func (rn *RedisNode) restart() {
	log := rn.persist.surviving(&rn.log, rn.crashAt, rn.hostCrash, rn.fsyncPhase)
	rn.start(log)
	w := rn.w
	w.trace(trFault, uint64(rn.node.id), uint64(log.Len()), "redis replay")
	w.emit(Event{Kind: EvRedisRestored, Node: rn.node.name, N: log.Len(), Wall: rn.node.WallNow()})
	for _, ck := range rn.keysAtCrash {
		if rn.m.Exists(ck.key) {
			continue
		}
		if !ck.deadline.IsZero() && ck.deadline.Before(rn.lastSeen) {
			rn.reportExpiry(ck.key, ck.value) // it would be gone anyway
			continue
		}
		w.trace(trFault, uint64(rn.node.id), 0, "key lost "+ck.key)
		w.emit(Event{Kind: EvKeyLost, Node: rn.node.name, Key: ck.key, Value: ck.value, Wall: rn.node.WallNow()})
	}
	rn.keysAtCrash = rn.keysAtCrash[:0]
	rn.retrack(rn.m.Keys())
}

// syncClock sets the miniredis clock to the node's Redis clock and ages its
// TTLs to it (a tick), so that miniredis's TTL baseline is the clock now
// (aging.go). When the clock went back, it first ages TTLs to the latest
// time seen and extends them by the step (redisclock.go), then logs that
// time and the new one, for replays.
func (rn *RedisNode) syncClock() time.Time {
	wall := rn.wall()
	if wall.Before(rn.lastSeen) {
		// the clock went back: log the latest time seen and the new
		// baseline, so that a replay extends TTLs exactly as this run did.
		if rn.lastSeen.After(rn.lastLogged) {
			rn.log.addTick(rn.lastSeen, rn.w.now)
		}
		rn.log.addTick(wall, rn.w.now)
		rn.lastLogged = wall
	}
	// a command may have left the TTLs unaged since an earlier instant
	// (aging.go): setRedisClock ages them before a step back.
	setRedisClock(rn.m, rn.lastSeen, wall)
	rn.lastSeen = wall
	rn.aging.ticked(rn.m.DB(0), wall)
	return wall
}

// exec runs one command now and returns its reply.
func (rn *RedisNode) exec(peer *server.Peer, from *Node, args []string) (any, error) {
	w := rn.w
	ci := rn.cmdInfo(args[0])
	keys := commandKeys(ci.keys, args)
	// The database, aged to the command's instant or (aging.go) left
	// unaged with the TTLs it names still alive: the clock does not move
	// during a command, so the accessors' own ticks would do nothing.
	wall, db := rn.clockFor(args, keys)
	for _, k := range keys {
		rn.noteGoneKey(db, k)
	}
	rn.buf.Reset()
	st := &rn.scripts
	if st.m == rn.m { // else dispatch resets the fast path first
		st.db, st.outPeer, st.out = db, peer, &rn.buf
	}
	interpreted := st.interpreted
	st.kept, st.valKey, st.val = false, "", ""
	rn.dispatch(peer, args) // fastpath.go: script fast path, else Dispatch
	st.db, st.outPeer, st.out = nil, nil, nil
	if ci.keys == keysNone || st.interpreted != interpreted {
		rn.aging.forget() // it may have swapped databases (SWAPDB in EXEC or a script)
	}
	if !rn.hashTTLs && mayHashTTL(args[0], ci, st.interpreted != interpreted) {
		rn.hashTTLs = true // for good: aging.go
	}
	rn.biasAfter(peer, db, ci, keys, st.interpreted != interpreted)
	peer.Flush()
	val, err := parseReply(rn.buf.Bytes())
	if re, ok := err.(RedisError); ok && ci.keys == keysEval {
		err = rn.scriptError(args, string(re)) // scripterr.go
	}
	rn.commands++
	w.stats.RedisCommands++
	if !ci.readOnly {
		rn.log.add(args, wall, w.now)
		rn.lastLogged = wall
	}
	for _, k := range keys {
		if k == st.valKey {
			rn.retrackValue(db, k, st.val)
		} else {
			rn.retrackKey(db, k, !ci.readOnly && !st.kept)
		}
	}
	rn.aging.done(st, wall)
	if ci.rescan {
		rn.rescan()
	}
	w.traceRedis(rn.node.id, args, val, err)
	if len(w.redisHooks) > 0 {
		c := RedisCommand{At: w.now, Wall: wall, Node: rn, From: from, Args: args, Reply: val, Err: err}
		for _, f := range w.redisHooks {
			f(c)
		}
	}
	if !ci.readOnly {
		rn.compactLog() // logsnapshot.go
	}
	return val, err
}

func (w *World) traceRedis(node int, args []string, val any, err error) {
	t := &w.tr
	t.n++
	t.u64(uint64(trRedis))
	t.u64(uint64(w.now))
	t.u64(uint64(node))
	for i, a := range args {
		if i == 1 && len(a) > 64 {
			if id, ok := w.traceScriptID(args[0], a); ok {
				t.u64(id) // a registered script: its ID, not its body
				continue
			}
		}
		t.str(a)
	}
	switch v := val.(type) {
	case string:
		if err == nil {
			t.str(v) // replyString(v, nil), without building it
			break
		}
		t.str2("!", err.Error())
	default:
		if err != nil {
			t.str2("!", err.Error()) // replyString's error form
			break
		}
		t.str(replyString(val, err))
	}
	if t.text != nil {
		fmt.Fprintf(t.text, "%s redis %d %q -> %s\n", w.now, node, args, replyString(val, err))
	}
}

// traceScriptID returns the trace ID of the script body of an EVAL, if
// the body has a registered fast path (RegisterFastPath): the first 8 bytes
// of its SHA-1, found without hashing the body unless a fast path made by
// digest has not seen its body yet (fastpath_digest.go). The ID depends on
// the body alone, never on whether the fast path runs or has learnt it.
func (w *World) traceScriptID(cmd, body string) (uint64, bool) {
	if len(cmd) != 4 || !strings.EqualFold(cmd, "EVAL") {
		return 0, false
	}
	if i := w.fastPathOfBody(body); i >= 0 {
		return w.fastPaths[i].id, true
	}
	return 0, false
}
