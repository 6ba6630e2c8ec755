package model

import (
	"fmt"
	"strings"

	"github.com/locksim/locksim/histories"
)

// storageAccess is one access as the storage executed it.
type storageAccess struct {
	index int
	e     histories.Event
}

// section is the storage's view of one critical section on one resource:
// the accesses it executed for it, and the client accesses it may still
// execute.
type section struct {
	key    string
	cs     int // the acquire's OpID; negative for an access outside any critical section
	client int
	token  int64

	accepted []storageAccess
	rejected []storageAccess
	// pending are client accesses that the storage has not recorded: they
	// timed out (or never completed) and may still happen, or the record
	// is incomplete.
	pending []pendingAccess
}

type sectionID struct {
	key string
	cs  int
}

// storageSections groups the storage's accesses by resource key and
// critical section, and attaches the client accesses the storage has no
// record of. It returns the sections in order of first appearance and the
// number of storage accesses.
func storageSections(h histories.History) ([]*section, int) {
	byID := make(map[sectionID]*section)
	var order []*section
	get := func(key string, cs, client int, token int64) *section {
		id := sectionID{key, cs}
		s := byID[id]
		if s == nil {
			s = &section{key: key, cs: cs, client: client, token: token}
			byID[id] = s
			order = append(order, s)
		}
		if s.token == 0 {
			s.token = token
		}
		return s
	}
	recorded := make(map[int]bool) // client OpIDs the storage executed
	n := 0
	for i, e := range h {
		if !e.IsStorageAccess() {
			continue
		}
		n++
		cs := e.CS
		if cs == 0 {
			cs = -(i + 1) // outside any critical section: a section of its own
		}
		s := get(e.Key, cs, e.Process, e.Token)
		a := storageAccess{index: i, e: e}
		if e.Outcome == histories.Accepted {
			s.accepted = append(s.accepted, a)
		} else {
			s.rejected = append(s.rejected, a)
		}
		if e.OpID != 0 {
			recorded[e.OpID] = true
		}
	}
	linked := len(recorded) > 0
	for _, op := range h.Operations() {
		inv := op.Invoke
		if !inv.IsResourceOp() || recorded[inv.OpID] {
			continue
		}
		p := pendingAccess{op: op, from: op.InvokeIndex}
		switch {
		case op.Status() == histories.Fail:
			continue
		case op.Status() == histories.Info:
			p.to, p.mayArrive = infinity, true
		case op.Completion.Outcome == histories.Rejected:
			continue
		case linked:
			// It completed ok, yet the storage has no record of it.
			p.to = op.CompletionIndex
		default:
			continue // storage events carry no OpIDs: cannot match
		}
		cs := inv.CS
		if cs == 0 {
			cs = -(op.InvokeIndex + 1)
		}
		s := get(inv.Key, cs, inv.Process, inv.Token)
		s.pending = append(s.pending, p)
	}
	return order, n
}

// infinity is an index after every event.
const infinity = int(^uint(0) >> 1)

// pendingAccess is a client access the storage did not record: it may take
// effect anywhere in [from, to] (history indices).
type pendingAccess struct {
	op       histories.Operation
	from, to int
	// mayArrive: it timed out, so it may still arrive (to is infinity);
	// otherwise it completed ok and the storage record is incomplete.
	mayArrive bool
}

func (p pendingAccess) String() string {
	inv := p.op.Invoke
	if p.mayArrive {
		return fmt.Sprintf("client %d's %s (op %d, invoked at %s) is indeterminate and the storage has no record of it: it may still arrive",
			inv.Process, inv.Op, inv.OpID, secs(inv.Time))
	}
	return fmt.Sprintf("client %d's %s (op %d, invoked at %s) completed ok but the storage has no record of it: the storage record is incomplete",
		inv.Process, inv.Op, inv.OpID, secs(inv.Time))
}

// span is the section's accepted accesses as history indices; ok is false
// if it has none.
func (s *section) span() (first, last int, ok bool) {
	if len(s.accepted) == 0 {
		return 0, 0, false
	}
	return s.accepted[0].index, s.accepted[len(s.accepted)-1].index, true
}

// name identifies the section for a person.
func (s *section) name() string {
	var parts []string
	if s.cs > 0 {
		parts = append(parts, fmt.Sprintf("cs %d", s.cs))
	} else {
		parts = append(parts, "outside any critical section")
	}
	if s.token != 0 {
		parts = append(parts, fmt.Sprintf("token %d", s.token))
	}
	return fmt.Sprintf("client %d (%s)", s.client, strings.Join(parts, ", "))
}

// accessList describes accesses: "read 5 at 1.200s, write 6 at 1.900s".
func accessList(as []storageAccess) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = accessText(a.e) + " at " + secs(a.e.Time)
	}
	return strings.Join(parts, ", ")
}

func accessText(e histories.Event) string {
	switch e.Op {
	case histories.OpStorageWrite:
		return "write " + num(e.Counter)
	case histories.OpStorageTransfer:
		return fmt.Sprintf("transfer %d %s->%s", e.Amount, e.From, e.To)
	}
	if e.Counter != nil {
		return "read " + num(e.Counter)
	}
	if e.Balances != nil {
		return "read " + balancesString(e.Balances)
	}
	return "read"
}

func num(p *int64) string {
	if p == nil {
		return "?"
	}
	return fmt.Sprint(*p)
}
