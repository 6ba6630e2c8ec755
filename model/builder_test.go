package model

import (
	"slices"
	"testing"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/require"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// builder makes hand-written histories readable: times are in ms, events
// may be added out of order and are sorted (stably) by time.
type builder struct {
	t       *testing.T
	h       histories.History
	nextOp  int
	faultID int
}

func newBuilder(t *testing.T) *builder { return &builder{t: t} }

func (b *builder) add(e histories.Event) { b.h = append(b.h, e) }

func (b *builder) op() int { b.nextOp++; return b.nextOp }

// history returns the events sorted by time, validated.
func (b *builder) history() histories.History {
	h := slices.Clone(b.h)
	slices.SortStableFunc(h, func(x, y histories.Event) int { return int(x.Time - y.Time) })
	require.NoError(b.t, h.Validate())
	return h
}

func node(client int) string { return "c" + string(rune('0'+client)) }

// acquire records a successful acquire; validUntil 0 means no validity. It
// returns the critical section id.
func (b *builder) acquire(client int, key, value string, token int64, inv, ok, validUntil int) int {
	id := b.op()
	b.add(histories.Event{Time: ms(inv), Type: histories.Invoke, Op: histories.OpAcquire, OpID: id, Process: client, Node: node(client), Key: key, Value: value})
	b.add(histories.Event{Time: ms(ok), Type: histories.OK, Op: histories.OpAcquire, OpID: id, Process: client, Node: node(client), Key: key, Value: value, Token: token, ValidUntilTrue: ms(validUntil)})
	return id
}

// acquireEnds records an acquire that ends with typ (fail or info) at done,
// or never completes if done < 0.
func (b *builder) acquireEnds(client int, key, value string, inv, done int, typ histories.Type) int {
	id := b.op()
	b.add(histories.Event{Time: ms(inv), Type: histories.Invoke, Op: histories.OpAcquire, OpID: id, Process: client, Node: node(client), Key: key, Value: value})
	if done >= 0 {
		b.add(histories.Event{Time: ms(done), Type: typ, Op: histories.OpAcquire, OpID: id, Process: client, Node: node(client), Key: key, Value: value, Error: "timeout"})
	}
	return id
}

func (b *builder) release(client, cs int, key, value string, inv, done int, typ histories.Type) {
	id := b.op()
	b.add(histories.Event{Time: ms(inv), Type: histories.Invoke, Op: histories.OpRelease, OpID: id, Process: client, Node: node(client), Key: key, Value: value, CS: cs})
	b.add(histories.Event{Time: ms(done), Type: typ, Op: histories.OpRelease, OpID: id, Process: client, Node: node(client), Key: key, Value: value, CS: cs})
}

// access records a client access to resource key: invoke at inv, the
// storage's execution at at (none if at < 0), completion typ at done (none
// if done < 0). For a read, counter/bal are what it read; for a write, what
// it writes.
type access struct {
	op       histories.Op
	client   int
	cs       int
	key      string
	token    int64
	inv, at  int
	done     int
	typ      histories.Type
	outcome  histories.Outcome
	counter  *int64
	bal      map[string]int64
	from, to string
	amount   int64
}

func (b *builder) access(a access) int {
	id := b.op()
	if a.key == "" {
		a.key = "counter"
	}
	if a.outcome == "" {
		a.outcome = histories.Accepted
	}
	if a.typ == "" {
		a.typ = histories.OK
	}
	e := histories.Event{Op: a.op, OpID: id, Process: a.client, Node: node(a.client), Key: a.key, CS: a.cs, Token: a.token,
		From: a.from, To: a.to, Amount: a.amount}
	inv := e
	inv.Time, inv.Type = ms(a.inv), histories.Invoke
	if a.op != histories.OpRead {
		inv.Counter, inv.Balances = a.counter, a.bal
	}
	b.add(inv)
	if a.at >= 0 {
		st := e
		st.Time, st.Type, st.Node, st.Outcome = ms(a.at), histories.Observed, "storage", a.outcome
		st.Op = map[histories.Op]histories.Op{histories.OpRead: histories.OpStorageRead, histories.OpWrite: histories.OpStorageWrite, histories.OpTransfer: histories.OpStorageTransfer}[a.op]
		st.Counter, st.Balances = a.counter, a.bal
		b.add(st)
	}
	if a.done >= 0 {
		c := e
		c.Time, c.Type = ms(a.done), a.typ
		if a.op == histories.OpRead && a.typ == histories.OK {
			c.Counter, c.Balances = a.counter, a.bal
		}
		if a.outcome == histories.Rejected {
			c.Outcome = histories.Rejected
		}
		b.add(c)
	}
	return id
}

// rmw records a read of r then a write of w by client in cs, starting at t
// (ms): read invoke t, storage t+1, ok t+2; write invoke t+3, storage t+4,
// ok t+5; all accepted.
func (b *builder) rmw(client, cs int, token int64, t int, r, w int64) {
	b.access(access{op: histories.OpRead, client: client, cs: cs, token: token, inv: t, at: t + 1, done: t + 2, counter: histories.Int64(r)})
	b.access(access{op: histories.OpWrite, client: client, cs: cs, token: token, inv: t + 3, at: t + 4, done: t + 5, counter: histories.Int64(w)})
}

func (b *builder) counterState(key string, v int64, t int) {
	b.add(histories.Event{Time: ms(t), Type: histories.Observed, Op: histories.OpStorageState, Node: "storage", Key: key, Counter: histories.Int64(v)})
}

func (b *builder) ledgerState(key string, bal map[string]int64, t int) {
	b.add(histories.Event{Time: ms(t), Type: histories.Observed, Op: histories.OpStorageState, Node: "storage", Key: key, Balances: bal})
}

// fault records a fault from start to end (ms); end < 0: never healed.
func (b *builder) fault(kind, target string, start, end int) {
	b.faultID++
	id := b.faultID
	b.add(histories.Event{Time: ms(start), Type: histories.Observed, Op: histories.OpFaultStart, FaultID: id, Fault: kind, Target: target})
	if end >= 0 {
		b.add(histories.Event{Time: ms(end), Type: histories.Observed, Op: histories.OpFaultEnd, FaultID: id})
	}
}

func (b *builder) expire(node, key, value string, t int) {
	b.add(histories.Event{Time: ms(t), Type: histories.Observed, Op: histories.OpExpire, Node: node, Key: key, Value: value})
}

func (b *builder) vanish(node, key, value string, t int) {
	b.add(histories.Event{Time: ms(t), Type: histories.Observed, Op: histories.OpVanish, Node: node, Key: key, Value: value})
}

func (b *builder) crash(client, t int) {
	b.add(histories.Event{Time: ms(t), Type: histories.Observed, Op: histories.OpCrash, Process: client, Node: node(client)})
}
