package model

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/locksim/locksim/histories"
)

// resStep is one client access within a critical section, as the client
// saw it.
type resStep struct {
	write      bool // a write or transfer; otherwise a read
	maybe      bool // an indeterminate write: it may or may not have happened
	hasCounter bool
	counter    int64
	balances   map[string]int64
	from, to   string
	amount     int64
}

func (s resStep) String() string {
	var v string
	switch {
	case s.hasCounter:
		v = fmt.Sprint(s.counter)
	case s.balances != nil:
		v = balancesString(s.balances)
	}
	switch {
	case !s.write:
		return "read " + v
	case s.from != "":
		v = fmt.Sprintf("transfer %d %s->%s %s", s.amount, s.from, s.to, v)
	default:
		v = "write " + v
	}
	if s.maybe {
		v += "?"
	}
	return v
}

// resOp is one critical section on one resource: a single operation of the
// resource model. A resource is a ledger if any critical section on it
// transfers, else a counter; reads constrain only the matching values.
type resOp struct {
	key    string
	client int
	cs     int
	steps  []resStep
	ledger bool
	start  time.Duration
}

func (o *resOp) String() string {
	parts := make([]string, len(o.steps))
	for i, s := range o.steps {
		parts[i] = s.String()
	}
	return fmt.Sprintf("client %d cs %d: %s", o.client, o.cs, strings.Join(parts, ", "))
}

// resourceOps turns the client's resource accesses into one porcupine
// operation per critical section, grouped by resource key, with history
// indices as times. A read that did not return a value constrains
// nothing; a write that failed or that the storage rejected is a no-op;
// an indeterminate write may or may not happen, so its section returns at
// infinity.
func resourceOps(h histories.History) (map[string][]porcupine.Operation, []string) {
	type group struct {
		op        *resOp
		call, ret int64
	}
	groups := make(map[sectionID]*group)
	var order []sectionID
	for _, o := range h.Operations() {
		inv := o.Invoke
		if !inv.IsResourceOp() {
			continue
		}
		cs := inv.CS
		if cs == 0 {
			cs = -(o.InvokeIndex + 1)
		}
		id := sectionID{inv.Key, cs}
		g := groups[id]
		if g == nil {
			g = &group{op: &resOp{key: inv.Key, client: inv.Process, cs: inv.CS, start: inv.Time}, call: int64(o.InvokeIndex)}
			groups[id] = g
			order = append(order, id)
		}
		ret := int64(math.MaxInt64)
		if o.Completion != nil {
			ret = int64(o.CompletionIndex)
		}
		step, ok := accessStep(o)
		if !ok {
			if o.Status() != histories.Info && ret > g.ret {
				g.ret = ret
			}
			continue
		}
		if inv.Op == histories.OpTransfer {
			g.op.ledger = true
		}
		g.op.steps = append(g.op.steps, step)
		if step.maybe {
			ret = math.MaxInt64
		}
		g.ret = max(g.ret, ret)
	}
	byKey := make(map[string][]porcupine.Operation)
	var keys []string
	for _, id := range order {
		g := groups[id]
		if len(g.op.steps) == 0 {
			continue
		}
		if _, ok := byKey[id.key]; !ok {
			keys = append(keys, id.key)
		}
		byKey[id.key] = append(byKey[id.key], porcupine.Operation{
			ClientId: g.op.client,
			Input:    g.op,
			Call:     g.call,
			Return:   max(g.ret, g.call),
		})
	}
	return byKey, keys
}

// accessStep is the model step of one client access; ok is false if it
// constrains nothing.
func accessStep(o histories.Operation) (resStep, bool) {
	inv := o.Invoke
	status := o.Status()
	if status == histories.Fail || (status == histories.OK && o.Completion.Outcome == histories.Rejected) {
		return resStep{}, false
	}
	if inv.Op == histories.OpRead {
		if status != histories.OK {
			return resStep{}, false
		}
		c := o.Completion
		s := resStep{balances: c.Balances}
		if c.Counter != nil {
			s.hasCounter, s.counter = true, *c.Counter
		}
		return s, true
	}
	s := resStep{write: true, maybe: status == histories.Info, balances: inv.Balances,
		from: inv.From, to: inv.To, amount: inv.Amount}
	if inv.Counter != nil {
		s.hasCounter, s.counter = true, *inv.Counter
	}
	return s, true
}

// initialState is the resource's first storage-state snapshot of the
// right kind (a snapshot may hold both a counter and balances), or an
// unknown state that the first read fills in.
func initialState(h histories.History, key string, ledger bool) resState {
	for _, e := range h {
		if e.Op != histories.OpStorageState || e.Key != key {
			continue
		}
		if ledger && e.Balances != nil {
			return newLedgerState(e.Balances)
		}
		if !ledger && e.Counter != nil {
			return counterState{known: true, v: *e.Counter}
		}
	}
	if ledger {
		return ledgerState{}
	}
	return counterState{}
}
