package model

import (
	"fmt"
	"time"

	"github.com/locksim/locksim/histories"
)

// Verdict is a check's conclusion. The zero Verdict is Unknown: nothing is
// ok until a check has shown it.
type Verdict int

// Verdicts, ordered by severity for Combine.
const (
	// Unknown: the check could not decide (a search ran out of steps,
	// indeterminate operations matter, the history lacks what it needs).
	Unknown Verdict = iota
	// OK: the check ran and found the property holds.
	OK
	// Violation: the check found the property broken.
	Violation
)

func (v Verdict) String() string {
	switch v {
	case Unknown:
		return "unknown"
	case OK:
		return "ok"
	case Violation:
		return "violation"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// MarshalText encodes v as "ok", "violation" or "unknown".
func (v Verdict) MarshalText() ([]byte, error) {
	if v < Unknown || v > Violation {
		return nil, fmt.Errorf("marshal verdict: invalid verdict %d", int(v))
	}
	return []byte(v.String()), nil
}

// UnmarshalText decodes "ok", "violation" or "unknown".
func (v *Verdict) UnmarshalText(b []byte) error {
	switch string(b) {
	case "unknown":
		*v = Unknown
	case "ok":
		*v = OK
	case "violation":
		*v = Violation
	default:
		return fmt.Errorf("unmarshal verdict: unknown verdict %q", b)
	}
	return nil
}

// Names of the checks, as Result.Check.
const (
	NameMutualExclusion      = "mutual-exclusion"
	NameResourceLinearizable = "linearizability"
	NameLockLinearizable     = "lock-linearizability"
	NameFencing              = "fencing"
	NameFencingOrder         = "fencing-order"
	NameLiveness             = "liveness"
	NameLedgerConservation   = "ledger-conservation"
	NameExtendHonest         = "extend-honest"
)

// IsProgress reports whether the check named name judges progress (the
// lock lets a holder or a waiter go on: liveness, extend-honest) rather
// than safety. Its violation is a stuck lock, not two holders.
func IsProgress(name string) bool { return name == NameLiveness || name == NameExtendHonest }

// Result is what one check concluded and why.
type Result struct {
	// Check names the check (one of the Name* constants).
	Check string `json:"check"`
	// Verdict is the conclusion.
	Verdict Verdict `json:"verdict"`
	// Explanation says why, for a person: for a violation who, when and
	// which faults were active; for unknown what is missing; for ok what
	// was checked.
	Explanation string `json:"explanation"`
	// Notes are observations that are not violations, such as a stale
	// access the storage rejected.
	Notes []string `json:"notes,omitempty"`
	// From and To bound the stretch of true time a violation is about,
	// for histories.Timeline; both zero when it is not known.
	From time.Duration `json:"from,omitempty"`
	To   time.Duration `json:"to,omitempty"`
	// Culprits are the history indices of the events that make the
	// violation, in history order: for mutual exclusion the access of one
	// critical section that lands inside the other and the other's next
	// access (the overlap's bounds); for fencing the accepted access and
	// the one it should have been refused after. Nil when the check names
	// no such events. A report marks them; an artifact does not keep them
	// (a replay recomputes them).
	Culprits []int `json:"-"`
	// Visualization is the path of a porcupine HTML visualization written
	// for this result, if any.
	Visualization string `json:"visualization,omitempty"`
}

// String renders r on one or more lines: "check: verdict: explanation".
func (r Result) String() string {
	return fmt.Sprintf("%s: %s: %s", r.Check, r.Verdict, r.Explanation)
}

// Record converts r for storage in a failure artifact.
func (r Result) Record() histories.Verdict {
	return histories.Verdict{Check: r.Check, Verdict: r.Verdict.String(), Explanation: r.Explanation}
}

// Combine is the overall verdict of several results: Violation if any is a
// violation, else Unknown if any is unknown or there are none, else OK.
func Combine(results []Result) Verdict {
	if len(results) == 0 {
		return Unknown
	}
	v := OK
	for _, r := range results {
		switch r.Verdict {
		case Violation:
			return Violation
		case OK:
		default:
			v = Unknown
		}
	}
	return v
}

func okResult(check, format string, args ...any) Result {
	return Result{Check: check, Verdict: OK, Explanation: fmt.Sprintf(format, args...)}
}

func unknownResult(check, format string, args ...any) Result {
	return Result{Check: check, Verdict: Unknown, Explanation: fmt.Sprintf(format, args...)}
}

func violationResult(check, format string, args ...any) Result {
	return Result{Check: check, Verdict: Violation, Explanation: fmt.Sprintf(format, args...)}
}
