package scenario

import (
	"fmt"

	"github.com/locksim/locksim/histories"
)

// Workload names the protected resource a run's critical sections access.
type Workload string

// The workloads.
const (
	// Counter: each critical section reads a counter and writes it back
	// incremented. A lost update shows as a non-linearizable counter.
	Counter Workload = "counter"
	// Ledger: each critical section reads the wallet balances and writes a
	// transfer between two accounts. A lost update makes or loses money.
	Ledger Workload = "ledger"
)

// ParseWorkload returns the workload named s.
func ParseWorkload(s string) (Workload, error) {
	switch w := Workload(s); w {
	case Counter, Ledger:
		return w, nil
	}
	return "", fmt.Errorf("unknown workload %q (want counter or ledger)", s)
}

// resourceKey is the key of the protected resource at the storage node.
const resourceKey = "resource"

// ledgerAccounts are the wallet accounts of the ledger workload, each
// opened with ledgerOpening.
var ledgerAccounts = []string{"alice", "bob", "carol", "dave"}

const ledgerOpening = 100

// storageRequest is one access to the protected resource, sent by a client
// to the storage node over the simulated network.
type storageRequest struct {
	Op       histories.Op // OpRead, OpWrite or OpTransfer
	Process  int
	OpID     int
	CS       int
	Token    int64 // fencing token; 0 = none
	Counter  int64 // value written (OpWrite)
	From, To string
	Amount   int64
	Balances map[string]int64 // new balances of From and To (OpTransfer)
}

// storageReply is the storage's answer to a storageRequest.
type storageReply struct {
	Outcome  histories.Outcome
	Counter  int64
	Balances map[string]int64
}

// storage is the protected resource: a counter and a wallet ledger held on
// its own node. With fencing on it rejects any access, read or write, whose
// token is below the highest it has accepted: checking reads too is what
// makes a read-modify-write under a fenced lock safe.
//
// storage only executes and records; it never judges. Every access it
// executes becomes an observed event of the history at the storage's true
// time, which is what the mutual-exclusion check reads.
type storage struct {
	node     string
	fencing  bool
	workload Workload
	counter  int64
	balances map[string]int64
	highest  int64
	record   func(histories.Event)
}

func newStorage(node string, fencing bool, workload Workload, record func(histories.Event)) *storage {
	s := &storage{node: node, fencing: fencing, workload: workload, record: record, balances: map[string]int64{}}
	for _, a := range ledgerAccounts {
		s.balances[a] = ledgerOpening
	}
	return s
}

// handle executes one request atomically and records it.
func (s *storage) handle(req storageRequest) storageReply {
	outcome := histories.Accepted
	if s.fencing && req.Token < s.highest {
		outcome = histories.Rejected
	}
	if outcome == histories.Accepted && req.Token > s.highest {
		s.highest = req.Token
	}
	ev := histories.Event{
		Type: histories.Observed, Process: req.Process, Node: s.node, Key: resourceKey,
		OpID: req.OpID, CS: req.CS, Token: req.Token, Outcome: outcome,
	}
	var reply storageReply
	reply.Outcome = outcome
	switch req.Op {
	case histories.OpRead:
		ev.Op = histories.OpStorageRead
		if s.workload == Ledger {
			reply.Balances = copyBalances(s.balances)
			ev.Balances = copyBalances(s.balances)
		} else {
			reply.Counter = s.counter
			ev.Counter = histories.Int64(s.counter)
		}
	case histories.OpWrite:
		ev.Op = histories.OpStorageWrite
		ev.Counter = histories.Int64(req.Counter)
		if outcome == histories.Accepted {
			s.counter = req.Counter
		}
	case histories.OpTransfer:
		ev.Op = histories.OpStorageTransfer
		ev.From, ev.To, ev.Amount = req.From, req.To, req.Amount
		ev.Balances = copyBalances(req.Balances)
		if outcome == histories.Accepted {
			s.balances[req.From] = req.Balances[req.From]
			s.balances[req.To] = req.Balances[req.To]
		}
	default:
		panic(fmt.Sprintf("storage: unknown op %q", req.Op))
	}
	s.record(ev)
	return reply
}

// snapshot records the resource's state (at the start and end of a run).
func (s *storage) snapshot() {
	ev := histories.Event{Type: histories.Observed, Op: histories.OpStorageState, Node: s.node, Key: resourceKey}
	if s.workload == Ledger {
		ev.Balances = copyBalances(s.balances)
	} else {
		ev.Counter = histories.Int64(s.counter)
	}
	s.record(ev)
}

func copyBalances(b map[string]int64) map[string]int64 {
	if b == nil {
		return nil
	}
	c := make(map[string]int64, len(b))
	for k, v := range b {
		c[k] = v
	}
	return c
}
