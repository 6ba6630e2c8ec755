package redis

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
)

// Write-log compaction: a snapshot plus a tail.
//
// A restart replays the part of the write log its persistence keeps: all
// of it (always, and everysec after a process crash), the entries up to the
// last fsync, at most EverysecWindow before the crash (everysec after a
// host crash), or nothing (none). A crash happens now or later, so the
// entries that ran more than EverysecWindow ago are in every replay that
// keeps anything: they can be replaced by the keyspace they leave, a
// snapshot, without changing any replay. A long run's log then holds a
// snapshot of the few keys a lock uses plus the last second of commands,
// instead of growing with simulated time (about 150 MB per simulated hour).
//
// The snapshot is taken by replaying the entries exactly as a restart
// does (SetTime to each entry's wall clock, a tick for a clock mark, else
// the command through miniredis) into a miniredis restored from the
// previous snapshot, then reading it back after a tick at the last entry's
// wall clock: every key of every database with its value and remaining
// TTL, and the scripts in the script cache. Restoring writes them back
// with miniredis's direct API at that wall clock, so TTLs are exact to the
// nanosecond. What the snapshot cannot hold (a key that is not a string, a
// hash field with its own TTL, a command that changes the connection's
// state, such as SELECT or MULTI) stops compaction of that log for good:
// the log then grows as before, and the run's budget bounds it.

// logSnapshot is the keyspace the first n entries of a write log leave.
type logSnapshot struct {
	n       int       // entries it replaces
	wall    time.Time // the wall clock of its last tick
	keys    []snapKey
	scripts []string // bodies in the script cache, sorted
}

// snapKey is one key of a snapshot.
type snapKey struct {
	db         int
	key, value string
	hash       []string // field, value pairs, for a hash
	ttl        time.Duration
}

// snapDBs is how many databases a snapshot reads (Redis's default 16).
const snapDBs = 16

// compactEvery is the tail length at which a log is compacted, if at
// least half of it is old enough (a variable for tests).
var compactEvery = 4096

// restore makes a fresh miniredis holding s, its clock at s.wall.
func (s *logSnapshot) restore(seed int) *miniredis.Miniredis {
	m := newMiniredis(s.wall, seed)
	if len(s.scripts) > 0 {
		peer := server.NewPeer(bufio.NewWriter(io.Discard))
		for _, body := range s.scripts {
			m.Server().Dispatch(peer, []string{"SCRIPT", "LOAD", body})
		}
	}
	for _, k := range s.keys {
		db := m.DB(k.db)
		if k.hash != nil {
			db.HSet(k.key, k.hash...)
		} else {
			_ = db.Set(k.key, k.value)
		}
		if k.ttl > 0 {
			db.SetTTL(k.key, k.ttl)
		}
	}
	return m
}

// replayEntries replays entries of l into m, whose clock reads clock, as a
// restart does, with dispatch running each command; a backward step of the
// clock between entries extends TTLs as it did in the run (redisclock.go).
func replayEntries(m *miniredis.Miniredis, l *writeLog, from, to int, clock time.Time, dispatch func(args []string)) time.Time {
	var last time.Time
	for i := from; i < to; i++ {
		e := l.entry(i)
		last = e.wall
		setRedisClock(m, clock, e.wall)
		clock = e.wall
		if e.tick {
			m.DB(0)
			continue
		}
		dispatch(e.args)
	}
	return last
}

// takeSnapshot reads m back as the snapshot of n entries, after a tick at
// wall; false if m holds what a snapshot cannot.
func takeSnapshot(m *miniredis.Miniredis, n int, wall time.Time, candidates []string) (*logSnapshot, bool) {
	m.SetTime(wall)
	s := &logSnapshot{n: n, wall: wall}
	for i := range snapDBs {
		db := m.DB(i) // ticks: expired keys go, TTLs are relative to wall
		for _, k := range db.Keys() {
			sk := snapKey{db: i, key: k, ttl: db.TTL(k)}
			switch db.Type(k) {
			case "string":
				v, err := db.Get(k)
				if err != nil {
					return nil, false
				}
				sk.value = v
			case "hash":
				fields, err := db.HKeys(k)
				if err != nil {
					return nil, false
				}
				sk.hash = []string{}
				for _, f := range fields {
					if db.HTTL(k, f) > 0 {
						return nil, false // a field TTL of its own
					}
					sk.hash = append(sk.hash, f, db.HGet(k, f))
				}
			default:
				return nil, false
			}
			s.keys = append(s.keys, sk)
		}
	}
	for _, body := range candidates {
		if scriptCached(m, body) {
			s.scripts = append(s.scripts, body)
		}
	}
	return s, true
}

// scriptCached reports whether body is in m's script cache.
func scriptCached(m *miniredis.Miniredis, body string) bool {
	var buf strings.Builder
	w := bufio.NewWriter(&buf)
	sum := sha1.Sum([]byte(body))
	m.Server().Dispatch(server.NewPeer(w), []string{"SCRIPT", "EXISTS", hex.EncodeToString(sum[:])})
	_ = w.Flush()
	return strings.HasSuffix(buf.String(), ":1\r\n")
}

// snapStateCommand reports whether a command changes how later commands of
// its connection run, which a snapshot of the keyspace cannot hold (the
// replay sends every entry on one connection).
func snapStateCommand(name string) bool {
	switch strings.ToUpper(name) {
	case "SELECT", "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "AUTH", "HELLO", "RESET",
		"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "CLIENT", "SWAPDB", "FUNCTION", "FCALL", "FCALL_RO":
		return true
	}
	return false
}

// scriptBodies adds to bodies the script bodies entry args may load.
func scriptBodies(bodies []string, args []string) []string {
	body := ""
	switch {
	case len(args) >= 2 && strings.EqualFold(args[0], "EVAL"):
		body = args[1]
	case len(args) >= 3 && strings.EqualFold(args[0], "SCRIPT") && strings.EqualFold(args[1], "LOAD"):
		body = args[2]
	default:
		return bodies
	}
	if i, found := slices.BinarySearch(bodies, body); !found {
		bodies = slices.Insert(bodies, i, body)
	}
	return bodies
}

// maxSnapScripts bounds the distinct script bodies a compactable log may
// have loaded: a workload that sends a new script each time gains nothing
// from compaction.
const maxSnapScripts = 256

// compact replaces the entries of l that ran at or before horizon by a
// snapshot, if there are enough of them; seed seeds the scratch miniredis
// (it draws nothing a snapshot keeps). A log that cannot be compacted is
// left alone and not tried again.
func (l *writeLog) compact(horizon time.Duration, seed int, with dispatcher) {
	if l.noCompact || l.n-l.base() < compactEvery {
		return
	}
	k := l.base()
	for k < l.n && l.at(k) <= horizon {
		k++
	}
	if k-l.base() < compactEvery/2 {
		return
	}
	s, ok := l.snapshotOf(k, seed, with)
	if !ok {
		l.noCompact = true
		return
	}
	l.dropBefore(k, s)
}

// snapshotOf returns the snapshot of the first k entries of l (k >= base),
// or false if they leave what a snapshot cannot hold.
func (l *writeLog) snapshotOf(k, seed int, with dispatcher) (*logSnapshot, bool) {
	var m *miniredis.Miniredis
	candidates := []string(nil)
	last := time.Time{}
	if l.snap != nil {
		m = l.snap.restore(seed)
		candidates = slices.Clone(l.snap.scripts)
		last = l.snap.wall
	} else {
		if k == 0 {
			return nil, false // nothing to snapshot
		}
		last = l.entry(0).wall
		m = newMiniredis(last, seed)
	}
	ok := true
	if k > l.base() {
		with(m, func(dispatch func(args []string)) {
			last = replayEntries(m, l, l.base(), k, last, func(args []string) {
				if snapStateCommand(args[0]) {
					ok = false
				}
				candidates = scriptBodies(candidates, args)
				dispatch(args)
			})
		})
	}
	if !ok || len(candidates) > maxSnapScripts {
		return nil, false
	}
	return takeSnapshot(m, k, last, candidates)
}

// dispatcher runs body with a function that executes commands on m, as a
// restart's replay does.
type dispatcher func(m *miniredis.Miniredis, body func(dispatch func(args []string)))

// plainDispatch executes commands through miniredis's Dispatch.
func plainDispatch(m *miniredis.Miniredis, body func(dispatch func(args []string))) {
	peer := server.NewPeer(bufio.NewWriter(io.Discard))
	body(func(args []string) {
		m.Server().Dispatch(peer, args)
		biasAll(m) // redisclock.go
	})
}

// nodeDispatch executes commands on m as the node's own replay does, with
// the script fast path (fastpath.go), about a hundred times cheaper than
// the interpreter: the node's miniredis and script state are set aside
// meanwhile and put back unchanged.
func (rn *Node) nodeDispatch(m *miniredis.Miniredis, body func(dispatch func(args []string))) {
	savedM, savedScripts := rn.m, rn.scripts
	rn.m, rn.scripts = m, scriptState{}
	defer func() { rn.m, rn.scripts = savedM, savedScripts }()
	peer := server.NewPeer(bufio.NewWriter(io.Discard))
	body(func(args []string) { rn.replayDispatch(peer, args) })
}

// compactLog compacts the node's write log up to what every replay keeps:
// a crash is now or later, so the entries older than EverysecWindow are in
// all of them. The scratch miniredis's seed is fixed: drawing it from the
// world would change the run.
func (rn *Node) compactLog() {
	rn.log.compact(rn.w.Elapsed()-EverysecWindow, 0, rn.nodeDispatch)
}
