// Package model judges locksim histories: porcupine models of the protected
// resource and of the lock, and the checkers built on them. Every verdict
// the product prints comes from here.
//
// Each check returns a Result whose Verdict is OK, Violation or Unknown.
// Nothing is OK by default: the zero Verdict is Unknown, and a check that
// lacks what it needs (no storage record, a search that timed out, an
// indeterminate operation that matters, a fault that never healed) says
// Unknown and why, never OK. A violation's Explanation names who, when, and
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
//     expiries are linearizable against a lease mutex that knows the owner.
//   - CheckFencing: tokens accepted by the storage strictly increase
//     across holders.
//   - CheckLiveness: after the last fault healed, each lock is acquired
//     within a bound; a lock whose holder crashed is reported stuck.
//   - CheckLedgerConservation: money is neither made nor lost, and no
//     balance goes negative.
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
