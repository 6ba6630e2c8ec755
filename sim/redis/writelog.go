package redis

import (
	"encoding/binary"
	"slices"
	"time"
	"unsafe"

	"github.com/locksim/locksim/sim"
)

// writeLog is a Redis node's write log, from which a restart replays what
// the node's persistence mode keeps: every command that was not read-only,
// with the node's wall clock and the true time when it ran, and marks of
// the wall clock around backward steps (ticks), so that a replay ages and
// extends TTLs exactly as the original run did (redisclock.go).
//
// A log often holds hundreds of thousands of entries. It holds no
// pointers to them (arguments are copied into byte chunks, wall clocks kept
// as offsets from sim.Epoch), so the garbage collector never scans it, and it
// grows by chunks, so growth never copies what it holds: it used to be a
// slice of logged argument slices, which the collector scanned at each
// cycle and growth copied again and again, about a fifth of a simulated
// SET NX PX. The first chunks start small, as most runs log a few thousand
// commands.
//
// Old entries are compacted into a snapshot (logsnapshot.go): the log is
// the snapshot's entries, then the tail held in recs. Entries keep their
// numbers (Len counts the snapshot's too), so traces and events that report
// a replay's length do not depend on compaction.
type writeLog struct {
	recs  [][]logRec // chunks of recChunk tail entries (the last may hold fewer)
	n     int        // number of entries, the snapshot's included
	arena [][]byte   // chunks of encoded arguments; only the last one has room

	snap      *logSnapshot // the first snap.n entries, if compacted; immutable
	noCompact bool         // compaction met what a snapshot cannot hold
}

// base is the number of entries the snapshot replaces.
func (l *writeLog) base() int {
	if l.snap == nil {
		return 0
	}
	return l.snap.n
}

const (
	recChunk   = 4096     // entries per chunk of recs
	firstRecs  = 64       // capacity of the first chunk of recs, which append grows
	firstBytes = 1 << 10  // bytes of the first chunk of arena, doubling
	arenaChunk = 64 << 10 // bytes of a full-size chunk, unless one command needs more
)

// logRec is one entry of a writeLog.
type logRec struct {
	wall       time.Duration // the node's wall clock, less sim.Epoch
	at         time.Duration // true time it ran (and was acknowledged)
	chunk      int32         // its arguments: arena[chunk][start:end], as the number of
	start, end int32         // arguments then each one's length and bytes, in uvarints
	tick       bool          // a clock mark, not a command
}

// logEntry is one entry of a writeLog, decoded.
type logEntry struct {
	args []string // nil for a tick
	wall time.Time
	at   time.Duration
	tick bool
}

// Len returns the number of entries.
func (l *writeLog) Len() int { return l.n }

// add appends a command that ran at wall, at true time at.
func (l *writeLog) add(args []string, wall time.Time, at time.Duration) {
	size := uvarintLen(uint64(len(args)))
	for _, a := range args {
		size += uvarintLen(uint64(len(a))) + len(a)
	}
	last := len(l.arena) - 1
	if last < 0 || cap(l.arena[last])-len(l.arena[last]) < size {
		next := firstBytes
		if last >= 0 {
			next = min(2*cap(l.arena[last]), arenaChunk)
		}
		l.arena = append(l.arena, make([]byte, 0, max(next, size)))
		last++
	}
	b := l.arena[last]
	start := len(b)
	b = binary.AppendUvarint(b, uint64(len(args)))
	for _, a := range args {
		b = binary.AppendUvarint(b, uint64(len(a)))
		b = append(b, a...)
	}
	l.arena[last] = b
	l.push(logRec{wall: wall.Sub(sim.Epoch), at: at, chunk: int32(last), start: int32(start), end: int32(len(b))})
}

// addTick appends a mark of the wall clock wall, at true time at.
func (l *writeLog) addTick(wall time.Time, at time.Duration) {
	l.push(logRec{wall: wall.Sub(sim.Epoch), at: at, tick: true})
}

func (l *writeLog) push(r logRec) {
	if t := l.n - l.base(); t%recChunk == 0 {
		c := firstRecs
		if t > 0 {
			c = recChunk // the log is a long one
		}
		l.recs = append(l.recs, make([]logRec, 0, c))
	}
	last := len(l.recs) - 1
	l.recs[last] = append(l.recs[last], r) // grows a small chunk up to recChunk
	l.n++
}

// rec returns tail entry i (numbered from the log's start: i >= base).
func (l *writeLog) rec(i int) *logRec {
	i -= l.base()
	return &l.recs[i/recChunk][i%recChunk]
}

// at returns the true time entry i (of the tail) ran.
func (l *writeLog) at(i int) time.Duration { return l.rec(i).at }

// entry decodes entry i of the tail; its arguments are fresh strings.
func (l *writeLog) entry(i int) logEntry {
	r := l.rec(i)
	e := logEntry{wall: sim.Epoch.Add(r.wall), at: r.at, tick: r.tick}
	if r.tick {
		return e
	}
	b := l.arena[r.chunk][r.start:r.end]
	n, k := binary.Uvarint(b)
	b = b[k:]
	e.args = make([]string, n)
	for j := range e.args {
		size, k := binary.Uvarint(b)
		e.args[j] = string(b[k : k+int(size)])
		b = b[k+int(size):]
	}
	return e
}

// prefix returns the log of its first n entries (n >= base: the snapshot
// is in every log a restart keeps). It shares what it can with l; appending
// to either never changes the other.
func (l *writeLog) prefix(n int) writeLog {
	p := writeLog{n: n, snap: l.snap, noCompact: l.noCompact}
	t := n - l.base()
	if t < 0 {
		panic("redis: a write-log prefix shorter than its snapshot")
	}
	full := t / recChunk
	p.recs = l.recs[:full:full]
	if rest := t % recChunk; rest > 0 {
		p.recs = append(p.recs, slices.Clone(l.recs[full][:rest]))
	}
	chunk, end := -1, 0
	for i := n - 1; i >= p.base(); i-- { // the last command's arguments end the arena
		if r := p.rec(i); !r.tick {
			chunk, end = int(r.chunk), int(r.end)
			break
		}
	}
	if chunk < 0 {
		return p // ticks only
	}
	p.arena = make([][]byte, chunk+1)
	copy(p.arena, l.arena[:chunk+1])
	p.arena[chunk] = p.arena[chunk][:end:end] // full: the next add starts a chunk
	return p
}

// dropBefore replaces entries before k by s, their snapshot: the tail is
// copied, so the memory of the dropped entries is freed.
func (l *writeLog) dropBefore(k int, s *logSnapshot) {
	tail := writeLog{n: k, snap: s}
	for i := k; i < l.n; i++ {
		e := l.entry(i)
		if e.tick {
			tail.addTick(e.wall, e.at)
		} else {
			tail.add(e.args, e.wall, e.at)
		}
	}
	*l = tail
}

// uvarintLen is the length of binary.AppendUvarint's encoding of v.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// bytes estimates the memory the log holds: its tail's entries and
// arguments, and its snapshot.
func (l *writeLog) bytes() int64 {
	n := int64(l.n-l.base()) * int64(unsafe.Sizeof(logRec{}))
	if l.snap != nil {
		for _, k := range l.snap.keys {
			n += int64(len(k.key) + len(k.value) + 64)
			for _, h := range k.hash {
				n += int64(len(h) + 16)
			}
		}
		for _, b := range l.snap.scripts {
			n += int64(len(b))
		}
	}
	for _, a := range l.arena {
		n += int64(cap(a))
	}
	return n
}

// LogBytes estimates the memory the node's write log holds, for a run's
// resource budget.
func (rn *Node) LogBytes() int64 { return rn.log.bytes() }
