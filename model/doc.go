// Package model judges locksim histories: porcupine models of the protected
// resource and of the lock, and the checkers built on them. Every verdict
// the product prints comes from here.
//
// Each check returns a Result whose Verdict is OK, Violation or Unknown.
// Nothing is OK by default: the zero Verdict is Unknown, and a check that
// lacks what it needs (no storage record, a search that ran out of its
// step budget, an indeterminate operation that matters, a fault that never
// healed) says Unknown and why, never OK. A violation's Explanation names who, when, and
// which faults were active.
//
// The checks:
//
//   - CheckMutualExclusion: at the storage, the accepted accesses of two
//     critical sections never interleave. Accesses rejected by fencing are
//     noted ("stale access rejected"), not violations.
//   - CheckResourceLinearizable: the counter or ledger, each critical
//     section one operation, is linearizable (porcupine, per key).
//   - CheckLockLinearizable: acquires, releases, extends and recorded
//     expiries are linearizable against a lease mutex that knows its holder
//     (an acquisition, not a lock value).
//   - CheckFencing: tokens accepted by the storage strictly increase
//     across holders.
//   - CheckFencingOrder: tokens rise in the order the lock was granted, as
//     the history shows it (grants whose order is not known are skipped).
//   - CheckLiveness: after the last fault healed, each lock is acquired
//     within a bound; a lock whose holder crashed is reported stuck.
//   - CheckLedgerConservation: money is neither made nor lost, and no
//     balance goes negative.
//   - CheckExtendHonest: an extend by a holder with a clear margin of its
//     lease left and no fault touching it since its acquire returns ok
//     with a later validity (a progress check: its violation is stuck).
//
// # Verdicts do not depend on the machine
//
// A history gives the same results on any machine, however fast or
// loaded. Nothing here reads a clock: porcupine's searches run without its
// wall-clock timeout, and are bounded instead by a count of model steps,
// Options.SearchBudget (DefaultSearchBudget), shared by the keys of one
// check in order. Porcupine searches a history depth first, in one
// goroutine (the models define no partitions), in an order fixed by the
// history, so the steps a search takes are the same everywhere. A search
// that would need more steps than are left stops and gives Unknown, naming
// the key and the budget; keys not reached are named too. When the search
// that found a violation leaves too few steps for the verbose search that
// explains it, the violation stands without its longest-prefix detail.
//
// The package knows neither the simulator nor the locks; it reads only a
// histories.History (see the histories package for what the recorder must
// record).
//
// # Usage
//
//	results := model.CheckAll(h, model.Options{
//		Fencing:       true,                // the lock hands out tokens
//		Ledger:        false,               // counter workload
//		LivenessBound: ttl + retryWindow,   // 0 skips liveness
//		VisualizeDir:  filepath.Dir(artifactPath),
//		StorageComplete: true,              // the run drained the network
//	})
//	switch model.Combine(results) {
//	case model.Violation: // exit code 1; write the artifact with r.Record() for each result
//	case model.Unknown:   // say so; never report ok
//	case model.OK:
//	}
//	for _, r := range results {
//		fmt.Println(r) // "mutual-exclusion: violation: critical sections of client 1 and client 2 ..."
//	}
//
// Each check can also run alone, e.g. model.CheckMutualExclusion(h, opts).
// Checks expect a valid history (histories.History.Validate); CheckAll
// validates first.
package model
