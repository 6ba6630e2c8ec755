package model_test

import (
	"fmt"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/model"
)

// Two clients increment a counter under a lock; client 1 pauses past its
// validity and writes late, without fencing.
func Example() {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	c := histories.Int64
	ev := func(t int, typ histories.Type, op histories.Op, id, client, cs int) histories.Event {
		return histories.Event{Time: ms(t), Type: typ, Op: op, OpID: id, Process: client, Node: fmt.Sprint("c", client), Key: "counter", CS: cs}
	}
	with := func(e histories.Event, f func(*histories.Event)) histories.Event { f(&e); return e }
	acq := func(e histories.Event, v string, until int) histories.Event {
		e.Key, e.Value, e.ValidUntilTrue = "L", v, ms(until)
		return e
	}
	stored := func(e histories.Event, op histories.Op, v int64) histories.Event {
		e.Type, e.Op, e.Node, e.Outcome, e.Counter = histories.Observed, op, "storage", histories.Accepted, c(v)
		return e
	}
	h := histories.History{
		acq(ev(0, histories.Invoke, histories.OpAcquire, 1, 1, 0), "v1", 0),
		acq(ev(10, histories.OK, histories.OpAcquire, 1, 1, 0), "v1", 310),
		ev(20, histories.Invoke, histories.OpRead, 2, 1, 1),
		stored(ev(21, histories.Invoke, histories.OpRead, 2, 1, 1), histories.OpStorageRead, 0),
		with(ev(22, histories.OK, histories.OpRead, 2, 1, 1), func(e *histories.Event) { e.Counter = c(0) }),
		{Time: ms(100), Type: histories.Observed, Op: histories.OpFaultStart, FaultID: 1, Fault: "pause", Target: "c1"},
		{Time: ms(310), Type: histories.Observed, Op: histories.OpExpire, Node: "redis-1", Key: "L", Value: "v1"},
		acq(ev(400, histories.Invoke, histories.OpAcquire, 3, 2, 0), "v2", 0),
		acq(ev(410, histories.OK, histories.OpAcquire, 3, 2, 0), "v2", 710),
		ev(420, histories.Invoke, histories.OpRead, 4, 2, 3),
		stored(ev(421, histories.Invoke, histories.OpRead, 4, 2, 3), histories.OpStorageRead, 0),
		with(ev(422, histories.OK, histories.OpRead, 4, 2, 3), func(e *histories.Event) { e.Counter = c(0) }),
		with(ev(430, histories.Invoke, histories.OpWrite, 5, 2, 3), func(e *histories.Event) { e.Counter = c(1) }),
		stored(ev(431, histories.Invoke, histories.OpWrite, 5, 2, 3), histories.OpStorageWrite, 1),
		ev(432, histories.OK, histories.OpWrite, 5, 2, 3),
		{Time: ms(2100), Type: histories.Observed, Op: histories.OpFaultEnd, FaultID: 1},
		with(ev(2110, histories.Invoke, histories.OpWrite, 6, 1, 1), func(e *histories.Event) { e.Counter = c(1) }),
		stored(ev(2111, histories.Invoke, histories.OpWrite, 6, 1, 1), histories.OpStorageWrite, 1),
		ev(2112, histories.OK, histories.OpWrite, 6, 1, 1),
	}
	results := model.CheckAll(h, model.Options{})
	for _, r := range results {
		fmt.Printf("%s: %s\n", r.Check, r.Verdict)
	}
	fmt.Println("overall:", model.Combine(results))
	fmt.Println(results[0].Explanation)
	// Output:
	// mutual-exclusion: violation
	// linearizability: violation
	// lock-linearizability: ok
	// overall: violation
	// critical sections of client 1 and client 2 interleave at the storage on "counter" (overlap 10ms, 0.421s..0.431s): client 1 (cs 1) had accepted accesses read 0 at 0.021s, write 1 at 2.111s; client 2 (cs 3) had accepted accesses read 0 at 0.421s, write 1 at 0.431s. Client 1 believed it held lock "L" (value v1) from 0.010s (acquire ok) until 0.310s (validity). Client 2 believed it held lock "L" (value v2) from 0.410s (acquire ok) until 0.710s (validity). Their beliefs did not overlap. Client 1 was still accessing at 2.111s, 1801ms after its belief ended at 0.310s. Faults active: fault 1 pause c1 0.100s..2.100s.
}
