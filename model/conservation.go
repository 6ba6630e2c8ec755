package model

import (
	"fmt"
	"maps"
	"strings"

	"github.com/locksim/locksim/histories"
)

// CheckLedgerConservation checks the wallet ledger at the storage: starting
// from the first storage-state snapshot of each ledger, it replays the
// transfers the storage accepted (a transfer sets the new balances of its
// two accounts, or moves Amount when it carries no balances) and checks
// that after each the sum of balances is unchanged and no balance is
// negative. Later snapshots and the balances the storage returned to reads
// must agree with the replay's sum and be non-negative too. A ledger
// without an initial snapshot is Unknown, as is a history without ledgers.
func CheckLedgerConservation(h histories.History, opts Options) Result {
	type ledger struct {
		balances map[string]int64
		total    int64
		init     histories.Event
	}
	ledgers := make(map[string]*ledger)
	var unknownWhy []string
	transfers := 0
	for _, e := range h {
		isLedger := e.Balances != nil || e.Op == histories.OpStorageTransfer
		if e.Type != histories.Observed || !isLedger {
			continue
		}
		l := ledgers[e.Key]
		if e.Op == histories.OpStorageState && l == nil {
			ledgers[e.Key] = &ledger{balances: maps.Clone(e.Balances), total: sum(e.Balances), init: e}
			if neg := negative(e.Balances); neg != "" {
				return violationResult(NameLedgerConservation, "ledger %q starts with a negative balance at %s: %s", e.Key, secs(e.Time), neg)
			}
			continue
		}
		if !e.IsStorageAccess() && e.Op != histories.OpStorageState {
			continue
		}
		if l == nil {
			if e.Op == histories.OpStorageTransfer && e.Outcome == histories.Accepted {
				unknownWhy = append(unknownWhy, fmt.Sprintf("ledger %q has a transfer at %s before any storage-state snapshot", e.Key, secs(e.Time)))
				ledgers[e.Key] = &ledger{} // report once
			}
			continue
		}
		if l.balances == nil || e.Outcome == histories.Rejected {
			continue
		}
		var what string
		switch e.Op {
		case histories.OpStorageTransfer:
			transfers++
			if e.Balances != nil {
				maps.Copy(l.balances, e.Balances)
			} else {
				l.balances[e.From] -= e.Amount
				l.balances[e.To] += e.Amount
			}
			what = fmt.Sprintf("after client %d's transfer of %d from %s to %s (cs %d) at %s", e.Process, e.Amount, e.From, e.To, e.CS, secs(e.Time))
			if err := conserved(l.balances, l.total); err != "" {
				return violationResult(NameLedgerConservation, "ledger %q %s: %s; the ledger started at %s with %s (sum %d)",
					e.Key, what, err, secs(l.init.Time), balancesString(l.init.Balances), l.total)
			}
			continue
		case histories.OpStorageState:
			what = fmt.Sprintf("the storage's snapshot at %s", secs(e.Time))
		default:
			what = fmt.Sprintf("the balances the storage returned to client %d's read at %s", e.Process, secs(e.Time))
		}
		if neg := negative(e.Balances); neg != "" {
			return violationResult(NameLedgerConservation, "ledger %q: %s has a negative balance: %s", e.Key, what, neg)
		}
		if e.Op == histories.OpStorageState {
			if s := sum(e.Balances); s != l.total {
				return violationResult(NameLedgerConservation, "ledger %q: %s %s sums to %d, not %d as at %s",
					e.Key, what, balancesString(e.Balances), s, l.total, secs(l.init.Time))
			}
		}
	}
	if len(unknownWhy) > 0 {
		return unknownResult(NameLedgerConservation, "%s: its initial total is unknown", strings.Join(unknownWhy, "; "))
	}
	if len(ledgers) == 0 {
		return unknownResult(NameLedgerConservation, "no ledger snapshot (storage-state with balances) in the history")
	}
	return okResult(NameLedgerConservation, "%s conserved their totals and never went negative over %s",
		plural(len(ledgers), "ledger", "ledgers"), plural(transfers, "accepted transfer", "accepted transfers"))
}

func sum(b map[string]int64) int64 {
	var s int64
	for _, v := range b {
		s += v
	}
	return s
}

// negative describes the negative balances of b, "" if none.
func negative(b map[string]int64) string {
	var parts []string
	for _, k := range sortedKeys(b) {
		if b[k] < 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, b[k]))
		}
	}
	return strings.Join(parts, " ")
}

// conserved says what is wrong with balances given the expected total.
func conserved(b map[string]int64, total int64) string {
	var problems []string
	if s := sum(b); s != total {
		how := "created"
		if s < total {
			how = "lost"
		}
		problems = append(problems, fmt.Sprintf("the balances %s sum to %d instead of %d (%d was %s)", balancesString(b), s, total, abs(s-total), how))
	}
	if neg := negative(b); neg != "" {
		problems = append(problems, "negative balance "+neg)
	}
	return strings.Join(problems, "; ")
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
