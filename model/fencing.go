package model

import (
	"fmt"

	"github.com/locksim/locksim/histories"
)

// CheckFencing checks that the fencing tokens the storage accepted strictly
// increase across holders, per resource, in the storage's order: an accepted
// access carries a token above every token accepted before from another
// critical section, or repeats its own section's token, which must still be
// the highest. An accepted access without a token, once tokens are in use,
// is a violation. Without any token in the history the verdict is Unknown
// (the lock hands out none); without accepted accesses, Unknown.
func CheckFencing(h histories.History, opts Options) Result {
	type last struct {
		token int64
		cs    int
		e     histories.Event
		index int // of e in the history
	}
	high := make(map[string]last)
	tokens, accepted, rejected := false, 0, 0
	for _, e := range h {
		if e.Token != 0 && (e.IsStorageAccess() || e.Op == histories.OpAcquire) {
			tokens = true
		}
	}
	if !tokens {
		return unknownResult(NameFencing, "no fencing token appears in the history: the lock hands out none, or the storage is not told")
	}
	for i, e := range h {
		if !e.IsStorageAccess() {
			continue
		}
		if e.Outcome != histories.Accepted {
			rejected++
			continue
		}
		accepted++
		prev, seen := high[e.Key]
		switch {
		case e.Token == 0:
			r := violationResult(NameFencing, "the storage accepted an access without a fencing token on %q: client %d's %s at %s (cs %d)",
				e.Key, e.Process, accessText(e), secs(e.Time), e.CS)
			r.From, r.To = e.Time, e.Time
			r.Culprits = []int{i}
			return r
		case !seen || e.Token > prev.token:
			high[e.Key] = last{token: e.Token, cs: e.CS, e: e, index: i}
		case e.Token == prev.token && e.CS == prev.cs && e.CS != 0:
			// The same holder repeats its token.
			high[e.Key] = last{token: e.Token, cs: e.CS, e: e, index: i}
		default:
			what := "a lower token"
			if e.Token == prev.token {
				what = "the same token from another critical section"
			}
			r := violationResult(NameFencing,
				"the storage accepted %s on %q: token %d from client %d (cs %d) for its %s at %s, after it had accepted token %d from client %d (cs %d) for its %s at %s",
				what, e.Key, e.Token, e.Process, e.CS, accessText(e), secs(e.Time),
				prev.token, prev.e.Process, prev.cs, accessText(prev.e), secs(prev.e.Time))
			r.From, r.To = prev.e.Time, e.Time
			r.Culprits = []int{prev.index, i}
			return r
		}
	}
	if accepted == 0 {
		return unknownResult(NameFencing, "the storage accepted no access: nothing to check")
	}
	r := okResult(NameFencing, "the %s the storage accepted carry strictly increasing tokens across holders", plural(accepted, "access", "accesses"))
	if rejected > 0 {
		r.Notes = []string{fmt.Sprintf("%s rejected as stale", plural(rejected, "access", "accesses"))}
	}
	return r
}
