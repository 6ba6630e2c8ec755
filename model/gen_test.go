package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/locksim/locksim/histories"
)

// serialOp is one critical section of a serial execution: it read r and
// wrote w at its linearization point.
type serialOp struct {
	key    string
	client int
	r, w   int64
	point  int // linearization point, in µs
	call   int // invoke of the read
	ret    int // completion of the write
	info   bool
	noWrit bool
}

// counterHistory turns serial ops into a history of client events: read
// invoke at call, read ok and write invoke at the point, write completion at
// ret (info if op.info). Events are sorted stably by time.
func counterHistory(ops []serialOp) histories.History {
	var h histories.History
	id := 0
	for i, op := range ops {
		cs := 10000 + i
		node := fmt.Sprintf("c%d", op.client)
		t := func(us int) time.Duration { return time.Duration(us) * time.Microsecond }
		id++
		h = append(h,
			histories.Event{Time: t(op.call), Type: histories.Invoke, Op: histories.OpRead, OpID: id, Process: op.client, Node: node, Key: op.key, CS: cs},
			histories.Event{Time: t(op.point), Type: histories.OK, Op: histories.OpRead, OpID: id, Process: op.client, Node: node, Key: op.key, CS: cs, Counter: histories.Int64(op.r)})
		if op.noWrit {
			continue
		}
		id++
		typ := histories.OK
		if op.info {
			typ = histories.Info
		}
		h = append(h,
			histories.Event{Time: t(op.point), Type: histories.Invoke, Op: histories.OpWrite, OpID: id, Process: op.client, Node: node, Key: op.key, CS: cs, Counter: histories.Int64(op.w)},
			histories.Event{Time: t(op.ret), Type: typ, Op: histories.OpWrite, OpID: id, Process: op.client, Node: node, Key: op.key, CS: cs})
	}
	slices.SortStableFunc(h, func(a, b histories.Event) int { return int(a.Time - b.Time) })
	return h
}

// stretchedCounterHistory is a correct serial execution of n increments on
// keys counters, stretched into overlapping intervals of up to stretch
// points on either side; with lost, one increment re-reads the previous
// value (a lost update). Deterministic in seed.
func stretchedCounterHistory(n, keys, stretch int, seed uint64, lost bool) histories.History {
	rng := rand.New(rand.NewPCG(seed, 1))
	values := make([]int64, keys)
	ops := make([]serialOp, n)
	for i := range ops {
		k := rng.IntN(keys)
		point := 10 * (i + 1)
		ops[i] = serialOp{key: fmt.Sprintf("k%d", k), client: rng.IntN(8), r: values[k], w: values[k] + 1, point: point,
			call: max(0, point-rng.IntN(10*stretch+1)), ret: point + rng.IntN(10*stretch+1)}
		values[k]++
	}
	if lost {
		// The last op on k0 reads and writes what the one before it did.
		var prev, last = -1, -1
		for i := range ops {
			if ops[i].key == "k0" {
				prev, last = last, i
			}
		}
		if prev >= 0 {
			ops[last].r, ops[last].w = ops[prev].r, ops[prev].w
		}
	}
	return counterHistory(ops)
}
