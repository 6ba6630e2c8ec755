package redis

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"

	"github.com/locksim/locksim/sim"
)

// Node is a node running one in-process miniredis. Commands run
// atomically when they arrive, against the node's wall clock: before each
// command the miniredis clock is set to it (ClockTTL), so a forward step of
// the node's wall clock expires keys early, as in real Redis.
type Node struct {
	w       *sim.World
	node    *sim.Node
	reg     *registry // the World's (registry.go)
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

// Command is one command executed by a Redis node, as reported to the
// functions registered with OnCommand.
type Command struct {
	At    time.Duration // true elapsed time of execution
	Wall  time.Time     // the Redis node's wall clock
	Node  *Node
	From  *sim.Node // the client node that sent it
	Args  []string
	Reply any   // go-redis shape; nil with Err for nil and error replies
	Err   error // redis.Nil (go-redis's, locks.ErrNil), an Error, or nil

	db *miniredis.RedisDB // the database the command ran on, for Holds
}

// Holds returns the string value key holds on the node right after the
// command, and whether it holds one, for a key the command names: the
// lifetime of a lock key, as the node really kept it. It reads without
// ticking the node's clock or ageing its TTLs, so that watching a run
// leaves its trace as it was; a key the command does not name may have
// expired unseen and read as still there.
func (c Command) Holds(key string) (string, bool) {
	if c.db == nil {
		return "", false
	}
	v, err := c.db.Get(key) // an error if it does not exist or is no string
	return v, err == nil
}

// OnCommand registers f to be called after every command a Redis node of
// w executes (its reply may still be lost on the way back). f runs on the
// scheduler and must not block.
func OnCommand(w *sim.World, f func(Command)) {
	r := registryOf(w)
	r.hooks = append(r.hooks, f)
}

// AddNode adds a Redis node called name to w, with persistence mode p: a
// server node (sim.World.AddServer) running this model.
func AddNode(w *sim.World, name string, p Persistence) *Node {
	rn := &Node{w: w, reg: registryOf(w), persist: p, trackIdx: map[string]int{}, info: map[string]cmdInfo{}}
	rn.node = w.AddServer(name, (*model)(rn))
	rn.start(writeLog{})
	return rn
}

// Node returns the Redis node's Node, for faults and clocks.
func (rn *Node) Node() *sim.Node { return rn.node }

// Name returns the node's name.
func (rn *Node) Name() string { return rn.node.Name() }

// Persistence returns the node's persistence mode.
func (rn *Node) Persistence() Persistence { return rn.persist }

// SetPersistence sets what the node keeps on its next restarts. Every
// write is logged whatever the mode, so the mode in force at the restart
// decides.
func (rn *Node) SetPersistence(p Persistence) {
	rn.persist = p
	rn.w.Trace(sim.TraceFault, uint64(rn.node.ID()), uint64(p), "persistence")
}

// Commands returns how many commands the node executed.
func (rn *Node) Commands() uint64 { return rn.commands }

// Miniredis returns the node's miniredis, nil while the node is down. Its
// clock is the node's wall clock as of the last access; call Sync first to
// bring it to now.
//
// Once it has been called, the script fast path sends its reads through
// miniredis's Dispatch too, so that whatever the caller configures on the
// miniredis (authentication, error hooks) applies to them. Its pre-hook
// holds the node's Redis 7 replies (redishook.go): SetError replaces it.
func (rn *Node) Miniredis() *miniredis.Miniredis {
	rn.scripts.dispatch = true
	return rn.m
}

// Sync sets the miniredis clock to the node's wall clock now (expiring what
// is due) and reports expiries.
func (rn *Node) Sync() {
	if rn.m == nil {
		return
	}
	rn.syncClock()
	rn.noteGone(rn.trackedKeys())
}

// Get returns the string value of key now, and whether it exists.
func (rn *Node) Get(key string) (string, bool) {
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
func (rn *Node) readKey(key string) (*miniredis.RedisDB, time.Duration) {
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
func (rn *Node) PTTL(key string) time.Duration {
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
func (rn *Node) Keys() []string {
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
		panic(fmt.Errorf("redis: start miniredis: %w", err))
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
func (rn *Node) start(log writeLog) {
	first := rn.wall()
	seed := int(rn.node.Rand().Int64())
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

func (rn *Node) crash(host bool) {
	rn.crashAt = rn.w.Elapsed()
	rn.hostCrash = host
	if host {
		rn.fsyncPhase = time.Duration(rn.node.Rand().Int64N(int64(EverysecWindow)))
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
		tk.Stop() // the kernel stopped it already: a crash cancels a node's timers
	}
	rn.tracked = nil
	clear(rn.trackIdx)
	rn.m = nil
	rn.aging.forget()
}

func (rn *Node) restart() {
	log := rn.persist.surviving(&rn.log, rn.crashAt, rn.hostCrash, rn.fsyncPhase)
	rn.start(log)
	w := rn.w
	w.Trace(sim.TraceFault, uint64(rn.node.ID()), uint64(log.Len()), "redis replay")
	w.Report(sim.Event{Kind: EvRestored, Node: rn.node.Name(), N: log.Len(), Wall: rn.node.WallNow()})
	for _, ck := range rn.keysAtCrash {
		if rn.m.Exists(ck.key) {
			continue
		}
		if !ck.deadline.IsZero() && ck.deadline.Before(rn.lastSeen) {
			rn.reportExpiry(ck.key, ck.value) // it would be gone anyway
			continue
		}
		rn.traceFault(0, "key lost ", ck.key)
		w.Report(sim.Event{Kind: EvKeyLost, Node: rn.node.Name(), Key: ck.key, Value: ck.value, Wall: rn.node.WallNow()})
	}
	rn.keysAtCrash = rn.keysAtCrash[:0]
	rn.retrack(rn.m.Keys())
}

// syncClock sets the miniredis clock to the node's Redis clock and ages its
// TTLs to it (a tick), so that miniredis's TTL baseline is the clock now
// (aging.go). When the clock went back, it first ages TTLs to the latest
// time seen and extends them by the step (redisclock.go), then logs that
// time and the new one, for replays.
func (rn *Node) syncClock() time.Time {
	wall := rn.wall()
	if wall.Before(rn.lastSeen) {
		// the clock went back: log the latest time seen and the new
		// baseline, so that a replay extends TTLs exactly as this run did.
		if rn.lastSeen.After(rn.lastLogged) {
			rn.log.addTick(rn.lastSeen, rn.w.Elapsed())
		}
		rn.log.addTick(wall, rn.w.Elapsed())
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
func (rn *Node) exec(peer *server.Peer, from *sim.Node, args []string) (any, error) {
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
	if re, ok := err.(Error); ok && ci.keys == keysEval {
		err = rn.scriptError(args, string(re)) // scripterr.go
	}
	rn.commands++
	now := w.Elapsed()
	if !ci.readOnly {
		rn.log.add(args, wall, now)
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
	rn.traceCommand(args, val, err)
	if hooks := rn.reg.hooks; len(hooks) > 0 {
		c := Command{At: now, Wall: wall, Node: rn, From: from, Args: args, Reply: val, Err: err, db: db}
		for _, f := range hooks {
			f(c)
		}
	}
	if !ci.readOnly {
		rn.compactLog() // logsnapshot.go
	}
	return val, err
}

// traceCommand adds the command and its reply to the run's trace, as a
// sim.TraceServer entry of the node: each argument (the body of an EVAL of
// a registered script as its ID, see traceScriptID), then the reply.
func (rn *Node) traceCommand(args []string, val any, err error) {
	node := rn.node.ID()
	t := rn.w.TraceEntry(sim.TraceServer, uint64(node))
	for i, a := range args {
		if i == 1 && len(a) > 64 {
			if id, ok := rn.reg.traceScriptID(args[0], a); ok {
				t.Uint64(id) // a registered script: its ID, not its body
				continue
			}
		}
		t.String(a)
	}
	switch v := val.(type) {
	case string:
		if err == nil {
			t.String(v) // replyString(v, nil), without building it
			break
		}
		t.String2("!", err.Error())
	default:
		if err != nil {
			t.String2("!", err.Error()) // replyString's error form
			break
		}
		t.String(replyString(val, err))
	}
	if text := t.Text(); text != nil {
		fmt.Fprintf(text, "%s redis %d %q -> %s\n", rn.w.Elapsed(), node, args, replyString(val, err))
	}
}

// traceFault adds a sim.TraceFault entry of the node with the number b and
// the string prefix+s, as the kernel traces a fault.
func (rn *Node) traceFault(b uint64, prefix, s string) {
	node := rn.node.ID()
	t := rn.w.TraceEntry(sim.TraceFault, uint64(node))
	t.Uint64(b)
	t.String2(prefix, s)
	if text := t.Text(); text != nil {
		fmt.Fprintf(text, "%s fault %d %d %s%s\n", rn.w.Elapsed(), node, b, prefix, s)
	}
}

// traceScriptID returns the trace ID of the script body of an EVAL, if
// the body has a registered fast path (RegisterFastPath): the first 8 bytes
// of its SHA-1, found without hashing the body unless a fast path made by
// digest has not seen its body yet (fastpath_digest.go). The ID depends on
// the body alone, never on whether the fast path runs or has learnt it.
func (r *registry) traceScriptID(cmd, body string) (uint64, bool) {
	if len(cmd) != 4 || !strings.EqualFold(cmd, "EVAL") {
		return 0, false
	}
	if i := r.fastPathOfBody(body); i >= 0 {
		return r.fastPaths[i].id, true
	}
	return 0, false
}
