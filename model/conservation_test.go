package model

import (
	"testing"

	"github.com/locksim/locksim/histories"
)

// transfer records a ledger critical section: read the balances of from
// and to, then write their new balances, at t (ms).
func (b *builder) transfer(client, cs int, t int, read map[string]int64, from, to string, amount int64) {
	b.access(access{op: histories.OpRead, client: client, cs: cs, key: "wallet", inv: t, at: t + 1, done: t + 2, bal: read})
	written := map[string]int64{from: read[from] - amount, to: read[to] + amount}
	b.access(access{op: histories.OpTransfer, client: client, cs: cs, key: "wallet", inv: t + 3, at: t + 4, done: t + 5, bal: written, from: from, to: to, amount: amount})
}

func wallet(t *testing.T, lostUpdate bool) *builder {
	b := newBuilder(t)
	b.ledgerState("wallet", map[string]int64{"a": 100, "b": 0, "c": 0}, 0)
	cs1 := b.acquire(1, "W", "v1", 0, 100, 110, 400)
	b.transfer(1, cs1, 120, map[string]int64{"a": 100, "b": 0}, "a", "b", 30)
	b.release(1, cs1, "W", "v1", 130, 140, histories.OK)
	if lostUpdate {
		// Client 2 read before client 1 wrote: two holders.
		cs2 := b.acquire(2, "W", "v2", 0, 105, 112, 400)
		b.transfer(2, cs2, 121, map[string]int64{"a": 100, "c": 0}, "a", "c", 50)
		b.release(2, cs2, "W", "v2", 150, 160, histories.OK)
		b.ledgerState("wallet", map[string]int64{"a": 50, "b": 30, "c": 50}, 1000)
		return b
	}
	cs2 := b.acquire(2, "W", "v2", 0, 200, 210, 500)
	b.transfer(2, cs2, 220, map[string]int64{"a": 70, "c": 0}, "a", "c", 50)
	b.release(2, cs2, "W", "v2", 230, 240, histories.OK)
	b.ledgerState("wallet", map[string]int64{"a": 20, "b": 30, "c": 50}, 1000)
	return b
}

func TestLedgerConservation(t *testing.T) {
	runCheckCases(t, NameLedgerConservation, CheckLedgerConservation, []checkCase{
		{"transfers conserve money", func(t *testing.T) histories.History { return wallet(t, false).history() },
			OK, []string{"1 ledger conserved their totals and never went negative over 2 accepted transfers"}},
		{"lost update creates money", func(t *testing.T) histories.History { return wallet(t, true).history() },
			Violation, []string{"ledger \"wallet\" after client 2's transfer of 50 from a to c (cs 5) at 0.125s: the balances {a=50 b=30 c=50} sum to 130 instead of 100 (30 was created); the ledger started at 0.000s with {a=100 b=0 c=0} (sum 100)"}},
		{"overdraft", func(t *testing.T) histories.History {
			b := wallet(t, false)
			cs3 := b.acquire(3, "W", "v3", 0, 600, 610, 900)
			b.transfer(3, cs3, 620, map[string]int64{"a": 20, "b": 30}, "a", "b", 40)
			return b.history()
		}, Violation, []string{"negative balance a=-20"}},
		{"snapshot disagrees", func(t *testing.T) histories.History {
			b := wallet(t, false)
			b.ledgerState("wallet", map[string]int64{"a": 20, "b": 30, "c": 49}, 2000)
			return b.history()
		}, Violation, []string{"the storage's snapshot at 2.000s {a=20 b=30 c=49} sums to 99, not 100"}},
		{"no initial snapshot", func(t *testing.T) histories.History {
			b := wallet(t, false)
			b.h = b.h[1:]
			return b.history()
		}, Unknown, []string{"ledger \"wallet\" has a transfer at 0.124s before any storage-state snapshot"}},
		{"no ledger", func(t *testing.T) histories.History { return sequential(t).history() },
			Unknown, []string{"no ledger snapshot"}},
	})
}
