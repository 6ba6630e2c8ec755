package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/locksim/locksim/histories"
)

// CheckExtendHonest checks that a lock extends the lease of a holder that
// still holds it: every extend invoked while the holder's lease is valid by
// its own clock with at least opts.ExtendMargin to spare, in a clean
// window, must return ok with a validity later than the one it extended.
// A refused, indeterminate or failed extend there, or an ok one that did
// not move the validity, is a violation.
//
// The window runs from the invoke of the acquire that began the lease to
// the extend's completion. It is clean when no fault that could touch this
// holder's extend is active at any moment of it: a fault on the holder's
// node, on any Redis node (or a pattern that may name one), or on a link
// between the holder and a Redis node. Faults aimed only at other clients
// or at the storage node cannot stop a valid holder's extend and do not
// count. A fault that started before the acquire and is still active
// (a drift, a node that stays down) makes the window unclean.
//
// It is a progress check, of the liveness class, not a safety check: in
// the clean window a wrong extend shows as a correct holder refused (it
// loses a lock it holds, or is told it holds it for no longer), not as two
// holders; scenario counts its violation as "stuck". Extends it cannot
// judge are left out and counted: those outside a clean window, those
// invoked with less than the margin left or on a lease without a validity,
// those after an earlier extend of the same lease failed, and those still
// pending when the history ends. With no extend judged the property holds
// vacuously and the verdict is ok, saying so; without a margin the check
// is Unknown.
func CheckExtendHonest(h histories.History, opts Options) Result {
	margin := opts.ExtendMargin
	if margin <= 0 {
		return unknownResult(NameExtendHonest, "no extend margin given")
	}
	spans := faultSpans(h)
	leases := map[int]*heldLease{}        // acquire OpID -> the lease it began
	pending := map[int]*extendAttempt{}   // extend OpID -> the attempt
	acquires := map[int]histories.Event{} // acquire OpID -> invoke
	var skipped skipCounts
	judged := 0
	for _, e := range h {
		switch {
		case e.Op == histories.OpAcquire && e.Type == histories.Invoke:
			acquires[e.OpID] = e
		case e.Op == histories.OpAcquire && e.Type == histories.OK:
			leases[e.OpID] = &heldLease{acquire: acquires[e.OpID], validUntil: e.ValidUntil, usable: true}
		case e.Op == histories.OpExtend && e.Type == histories.Invoke:
			l := leases[e.CS]
			switch {
			case l == nil || !l.usable:
				skipped.broken++
			case l.validUntil == 0:
				skipped.noValidity++
			case e.LocalTime+margin > l.validUntil:
				skipped.late++
			default:
				pending[e.OpID] = &extendAttempt{invoke: e, lease: l, prev: l.validUntil}
			}
			if l != nil {
				l.usable = false // until this extend returns ok
			}
		case e.Op == histories.OpExtend && e.IsCompletion():
			if l := leases[e.CS]; l != nil && e.Type == histories.OK {
				l.validUntil, l.usable = e.ValidUntil, true
			}
			a := pending[e.OpID]
			if a == nil {
				continue
			}
			delete(pending, e.OpID)
			if touchingFault(spans, a.lease.acquire.Node, a.lease.acquire.Time, e.Time) != "" {
				skipped.faulty++
				continue
			}
			judged++
			if r, bad := a.judge(e, margin); bad {
				return r
			}
		}
	}
	skipped.pending = len(pending)
	r := okResult(NameExtendHonest, "%s invoked by a holder with at least %s of its lease left and no fault touching it since its acquire: each returned ok with a later validity",
		plural(judged, "extend", "extends"), millis(margin))
	if judged == 0 {
		r.Explanation = "not applicable: no extend was invoked by a holder with " + millis(margin) + " of its lease left and no fault touching it since its acquire, so there was nothing to judge"
	}
	if s := skipped.String(); s != "" {
		r.Notes = append(r.Notes, "not judged: "+s)
	}
	return r
}

// heldLease is what a holder knows of its lease: when it asked for it and
// until when (by its own clock) it believes it holds it.
type heldLease struct {
	acquire    histories.Event // the acquire's invoke
	validUntil time.Duration
	usable     bool // no extend of it is pending or failed
}

// extendAttempt is a judged extend awaiting its completion.
type extendAttempt struct {
	invoke histories.Event
	lease  *heldLease
	prev   time.Duration // the validity it extends
}

// judge returns the violation that completion e of a's extend shows, if
// any.
func (a *extendAttempt) judge(e histories.Event, margin time.Duration) (Result, bool) {
	who := fmt.Sprintf("client %d's extend (op %d, invoked %s with its lease valid for %s more by its own clock, margin %s, no fault touching it since its acquire at %s)",
		e.Process, e.OpID, secs(a.invoke.Time), millis(a.prev-a.invoke.LocalTime), millis(margin), secs(a.lease.acquire.Time))
	var r Result
	switch {
	case e.Type == histories.Fail:
		r = violationResult(NameExtendHonest, "%s was refused at %s: %s; a holder whose lease is valid must be able to extend it", who, secs(e.Time), errText(e))
	case e.Type == histories.Info:
		r = violationResult(NameExtendHonest, "%s ended indeterminate at %s: %s; with no fault nothing should stop it", who, secs(e.Time), errText(e))
	case e.ValidUntil <= a.prev:
		r = violationResult(NameExtendHonest, "%s returned ok at %s but its validity did not move forward (%s by its clock, was %s): the extend claims a success it did not deliver", who, secs(e.Time), secs(e.ValidUntil), secs(a.prev))
	default:
		return Result{}, false
	}
	r.From, r.To = a.invoke.Time, e.Time
	return r, true
}

func errText(e histories.Event) string {
	if e.Error == "" {
		return "no error given"
	}
	return e.Error
}

// skipCounts counts the extends left unjudged, by reason.
type skipCounts struct {
	broken, noValidity, late, faulty, pending int
}

func (s skipCounts) String() string {
	var parts []string
	add := func(n int, why string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, why))
		}
	}
	add(s.broken, "after an earlier extend of the same lease did not return ok (or with no lease)")
	add(s.noValidity, "on a lease without a validity")
	add(s.late, "invoked with less than the margin left")
	add(s.faulty, "with a fault touching the holder, its Redis nodes or the links between them since its acquire")
	add(s.pending, "still pending when the history ends")
	return strings.Join(parts, "; ")
}

// touchingFault describes a fault active at some moment of [from, to] that
// could touch the extend of the client on node; "" if none.
func touchingFault(spans []faultSpan, node string, from, to time.Duration) string {
	for _, f := range spans {
		if f.start.Time > to || (f.ended && f.end < from) {
			continue
		}
		if faultTouches(f.start.Target, node) {
			return f.String()
		}
	}
	return ""
}

// faultTouches reports whether a fault on target may touch the path of the
// client on node to the Redis nodes. Only targets that name nothing but
// other clients or the storage are known not to; patterns and unknown
// names are assumed to.
func faultTouches(target, node string) bool {
	for _, sep := range []string{" <-> ", " -> "} {
		if a, b, ok := strings.Cut(target, sep); ok {
			return (sideMay(a, node, true) && sideMay(b, node, false)) || (sideMay(b, node, true) && sideMay(a, node, false))
		}
	}
	return sideMay(target, node, true) || sideMay(target, node, false)
}

// sideMay reports whether a comma-separated list of names may name the
// client's node (self) or a Redis node (!self).
func sideMay(list, node string, self bool) bool {
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		switch {
		case strings.ContainsAny(name, "*?[") || name == "" || name == "holder":
			return true
		case name == node:
			if self {
				return true
			}
		case name == "storage" || strings.HasPrefix(name, "client-"):
		default: // a Redis node, or a name this check does not know
			if !self {
				return true
			}
		}
	}
	return false
}
