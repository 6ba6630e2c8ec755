package model

import (
	"github.com/locksim/locksim/histories"
)

// CheckAll validates h and runs mutual exclusion, resource and lock-level
// linearizability, and, as opts selects, fencing (at the storage and in
// grant order), ledger conservation, liveness and extend-honest. An invalid history gives a single Unknown result naming the
// problem. Use Combine for the overall verdict.
func CheckAll(h histories.History, opts Options) []Result {
	if err := h.Validate(); err != nil {
		return []Result{unknownResult("history", "the history is invalid, nothing can be checked: %v", err)}
	}
	results := []Result{
		CheckMutualExclusion(h, opts),
		CheckResourceLinearizable(h, opts),
		CheckLockLinearizable(h, opts),
	}
	if opts.Fencing {
		results = append(results, CheckFencing(h, opts), CheckFencingOrder(h, opts))
	}
	if opts.Ledger {
		results = append(results, CheckLedgerConservation(h, opts))
	}
	if opts.LivenessBound > 0 {
		results = append(results, CheckLiveness(h, opts))
	}
	if opts.ExtendMargin > 0 {
		results = append(results, CheckExtendHonest(h, opts))
	}
	return results
}
