package model

import (
	"testing"

	"github.com/locksim/locksim/histories"
)

// gcPause is Kleppmann's story: client 1 acquires "L" and reads the
// counter, a GC pause outlasts its validity, the key expires, client 2
// acquires and increments, then client 1 wakes up and writes its stale
// increment. With fencing the storage rejects it (tokens 33 < 34).
func gcPause(t *testing.T, fenced bool) *builder {
	b := newBuilder(t)
	var tok1, tok2 int64
	if fenced {
		tok1, tok2 = 33, 34
	}
	b.counterState("counter", 0, 0)
	cs1 := b.acquire(1, "L", "v1", tok1, 1000, 1010, 1310)
	b.access(access{op: histories.OpRead, client: 1, cs: cs1, token: tok1, inv: 1020, at: 1025, done: 1030, counter: histories.Int64(0)})
	b.fault("pause", "c1", 1100, 3100)
	b.expire("redis-1", "L", "v1", 1310)
	cs2 := b.acquire(2, "L", "v2", tok2, 1400, 1410, 1710)
	b.rmw(2, cs2, tok2, 1420, 0, 1)
	b.release(2, cs2, "L", "v2", 1460, 1470, histories.OK)
	w := access{op: histories.OpWrite, client: 1, cs: cs1, token: tok1, inv: 3110, at: 3115, done: 3120, counter: histories.Int64(1)}
	if fenced {
		w.outcome, w.typ = histories.Rejected, histories.Fail
	}
	b.access(w)
	b.release(1, cs1, "L", "v1", 3130, 3140, histories.Fail)
	b.counterState("counter", 1, 3200)
	return b
}

// sequential is three clients taking turns correctly, with fencing tokens.
func sequential(t *testing.T) *builder {
	b := newBuilder(t)
	b.counterState("counter", 0, 0)
	for i := range 3 {
		c := i + 1
		start := 1000 * c
		value := "v" + string(rune('0'+c))
		cs := b.acquire(c, "L", value, int64(10+c), start, start+10, start+300)
		b.rmw(c, cs, int64(10+c), start+20, int64(i), int64(i+1))
		b.release(c, cs, "L", value, start+40, start+50, histories.OK)
	}
	b.counterState("counter", 3, 4000)
	return b
}

// timedOutWrite is client 1 reading the counter, then timing out on its
// write, which the storage has no record of; client 2 then increments it
// from 0 in its own critical section.
func timedOutWrite(t *testing.T) *builder {
	b := newBuilder(t)
	cs1 := b.acquire(1, "L", "v1", 0, 0, 10, 300)
	b.access(access{op: histories.OpRead, client: 1, cs: cs1, inv: 20, at: 21, done: 22, counter: histories.Int64(0)})
	b.access(access{op: histories.OpWrite, client: 1, cs: cs1, inv: 30, at: -1, done: 80, typ: histories.Info, counter: histories.Int64(1)})
	cs2 := b.acquire(2, "L", "v2", 0, 400, 410, 700)
	b.rmw(2, cs2, 0, 420, 0, 1)
	return b
}
