package model

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
)

// resState is a state of the protected resource in the porcupine model.
// Values are immutable. A state may not know a value yet (no initial
// snapshot): the first read then tells it.
type resState interface {
	// read reports whether the read step is consistent with the state and
	// returns the state knowing what was read.
	read(s resStep) (resState, bool)
	// write applies a write or transfer step.
	write(s resStep) resState
	hash() uint64
	equal(o resState) bool
	String() string
}

// counterState is the counter: v if known.
type counterState struct {
	known bool
	v     int64
}

func (c counterState) read(s resStep) (resState, bool) {
	if !s.hasCounter {
		return c, true
	}
	if !c.known {
		return counterState{known: true, v: s.counter}, true
	}
	return c, c.v == s.counter
}

func (c counterState) write(s resStep) resState {
	if !s.hasCounter {
		return c
	}
	return counterState{known: true, v: s.counter}
}

func (c counterState) hash() uint64 {
	if !c.known {
		return 0x9e3779b97f4a7c15
	}
	return uint64(c.v)
}

func (c counterState) equal(o resState) bool {
	oc, ok := o.(counterState)
	return ok && oc == c
}

func (c counterState) String() string {
	if !c.known {
		return "?"
	}
	return fmt.Sprint(c.v)
}

// ledgerState is the known balances, sorted by account.
type ledgerState struct {
	accts []string
	vals  []int64
}

func newLedgerState(b map[string]int64) ledgerState {
	var l ledgerState
	for _, k := range sortedKeys(b) {
		l.accts = append(l.accts, k)
		l.vals = append(l.vals, b[k])
	}
	return l
}

func (l ledgerState) get(acct string) (int64, bool) {
	i, ok := slices.BinarySearch(l.accts, acct)
	if !ok {
		return 0, false
	}
	return l.vals[i], true
}

// with returns l with acct set to v.
func (l ledgerState) with(acct string, v int64) ledgerState {
	i, ok := slices.BinarySearch(l.accts, acct)
	n := ledgerState{accts: l.accts, vals: slices.Clone(l.vals)}
	if ok {
		n.vals[i] = v
		return n
	}
	n.accts = slices.Insert(slices.Clone(l.accts), i, acct)
	n.vals = slices.Insert(n.vals, i, v)
	return n
}

func (l ledgerState) read(s resStep) (resState, bool) {
	n := l
	for _, acct := range sortedKeys(s.balances) {
		v, known := n.get(acct)
		if !known {
			n = n.with(acct, s.balances[acct])
		} else if v != s.balances[acct] {
			return l, false
		}
	}
	return n, true
}

func (l ledgerState) write(s resStep) resState {
	n := l
	if s.balances != nil {
		for _, acct := range sortedKeys(s.balances) {
			n = n.with(acct, s.balances[acct])
		}
		return n
	}
	// An atomic transfer without balances moves the amount, where known.
	if v, ok := n.get(s.from); ok {
		n = n.with(s.from, v-s.amount)
	}
	if v, ok := n.get(s.to); ok {
		n = n.with(s.to, v+s.amount)
	}
	return n
}

func (l ledgerState) hash() uint64 {
	h := fnv.New64a()
	for i, a := range l.accts {
		fmt.Fprintf(h, "%s=%d;", a, l.vals[i])
	}
	return h.Sum64()
}

func (l ledgerState) equal(o resState) bool {
	ol, ok := o.(ledgerState)
	return ok && slices.Equal(l.accts, ol.accts) && slices.Equal(l.vals, ol.vals)
}

func (l ledgerState) String() string {
	parts := make([]string, len(l.accts))
	for i, a := range l.accts {
		parts[i] = fmt.Sprintf("%s=%d", a, l.vals[i])
	}
	return "{" + strings.Join(parts, " ") + "}"
}
