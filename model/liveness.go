package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/locksim/locksim/histories"
)

// CheckLiveness checks that, after the last fault healed, some client
// acquired each lock within opts.LivenessBound (derived by the caller from
// the TTL and the retry policy).
//
// The faults have healed at the latest fault-end. A crash, clock drift or
// clock step that never ends is permanent: the rest of the system must make
// progress from its start. Any other fault that never ends (a partition, a
// pause, loss, delay) makes the verdict Unknown. Per lock
// key: an acquire ok within (healed, healed+bound] is ok. Otherwise, if the
// history ends before healed+bound, or no client tried to acquire after
// healing, Unknown; when nobody tried before healing, the bound runs from
// the first attempt; else a violation, reported as a stuck lock when the
// last holder crashed without releasing and no expiry of its value was
// recorded.
func CheckLiveness(h histories.History, opts Options) Result {
	bound := opts.LivenessBound
	if bound <= 0 {
		return unknownResult(NameLiveness, "no liveness bound given")
	}
	if len(h) == 0 {
		return unknownResult(NameLiveness, "the history is empty")
	}
	healed, why := healedAt(faultSpans(h))
	if why != "" {
		return unknownResult(NameLiveness, "%s: liveness after healing cannot be judged", why)
	}
	end := h[len(h)-1].Time
	if at, ok := allClientsCrashed(h); ok {
		return okResult(NameLiveness, "every client crashed by %s and none restarts: no client is left to want a lock, so none can wait for ever", secs(at))
	}
	keys := lockKeys(h)
	if len(keys) == 0 {
		return unknownResult(NameLiveness, "no client tried to acquire a lock")
	}
	var violations, unknowns, oks []string
	for _, key := range keys {
		verdict, text := livenessOf(h, key, healed, bound, end)
		switch verdict {
		case Violation:
			violations = append(violations, text)
		case Unknown:
			unknowns = append(unknowns, text)
		default:
			oks = append(oks, text)
		}
	}
	since := fmt.Sprintf("after the last fault healed at %s", secs(healed))
	if healed == 0 {
		since = "with no fault"
	}
	switch {
	case len(violations) > 0:
		r := violationResult(NameLiveness, "%s (bound %s): %s", since, millis(bound), strings.Join(violations, "; "))
		r.From, r.To = healed, healed+bound
		return r
	case len(unknowns) > 0:
		return unknownResult(NameLiveness, "%s (bound %s): %s", since, millis(bound), strings.Join(unknowns, "; "))
	}
	return okResult(NameLiveness, "%s, %s", since, strings.Join(oks, "; "))
}

// allClientsCrashed reports whether every client process of h crashed (a
// crashed client never comes back: its node's restart starts no client),
// and when the last one did. Liveness is then vacuous: it speaks of clients
// that want the lock.
func allClientsCrashed(h histories.History) (time.Duration, bool) {
	alive := map[int]bool{}
	var last time.Duration
	for _, e := range h {
		switch {
		case e.Type == histories.Invoke && e.Process != 0:
			if _, seen := alive[e.Process]; !seen {
				alive[e.Process] = true
			}
		case e.Op == histories.OpCrash && e.Process != 0:
			alive[e.Process] = false
			last = e.Time
		}
	}
	if len(alive) == 0 {
		return 0, false
	}
	for _, a := range alive {
		if a {
			return 0, false
		}
	}
	return last, true
}

// permanentFaults are the fault kinds that may never end and yet leave a
// system that must make progress: a node that stays down, a clock that
// keeps drifting or has been stepped.
var permanentFaults = map[string]bool{"crash": true, "clock-drift": true, "clock-step": true}

// healedAt returns when the last fault healed, or why that is unknowable.
func healedAt(spans []faultSpan) (time.Duration, string) {
	var healed time.Duration
	for _, f := range spans {
		switch {
		case f.ended:
			healed = max(healed, f.end)
		case permanentFaults[f.start.Fault]:
			healed = max(healed, f.start.Time)
		default:
			return 0, f.String()
		}
	}
	return healed, ""
}

// lockKeys lists the lock keys acquired in h, in order of first appearance.
func lockKeys(h histories.History) []string {
	var keys []string
	seen := make(map[string]bool)
	for _, e := range h {
		if e.Op == histories.OpAcquire && e.Type == histories.Invoke && !seen[e.Key] {
			seen[e.Key] = true
			keys = append(keys, e.Key)
		}
	}
	return keys
}

func livenessOf(h histories.History, key string, healed, bound, end time.Duration) (Verdict, string) {
	// The clock starts when the faults have healed and someone tries.
	from := healed
	for _, e := range h {
		if e.Op == histories.OpAcquire && e.Key == key && e.Type == histories.Invoke {
			from = max(from, e.Time)
			break
		}
	}
	deadline := from + bound
	tried, failed := 0, 0
	for _, e := range h {
		if e.Op != histories.OpAcquire || e.Key != key || e.Time < healed || e.Time > deadline {
			continue
		}
		switch e.Type {
		case histories.Invoke:
			tried++
		case histories.OK:
			return OK, fmt.Sprintf("client %d acquired %q at %s", e.Process, key, secs(e.Time))
		case histories.Fail, histories.Info:
			failed++
		}
	}
	if end < deadline {
		return Unknown, fmt.Sprintf("no client acquired %q yet, but the history ends at %s, before the bound runs out at %s", key, secs(end), secs(deadline))
	}
	if tried == 0 {
		return Unknown, fmt.Sprintf("no client tried to acquire %q between %s and %s", key, secs(from), secs(deadline))
	}
	s := fmt.Sprintf("no client acquired %q by %s (%s, %d failed or timed out by then)",
		key, secs(deadline), plural(tried, "attempt", "attempts"), failed)
	if stuck := stuckHolder(h, key, deadline); stuck != "" {
		s = fmt.Sprintf("lock %q is stuck: %s; %s", key, stuck, s)
	}
	return Violation, s
}

// stuckHolder describes the holder of key at t if it crashed (a crash
// event of its process, or a crash fault on its node) without releasing,
// and no expiry of its value was recorded; "" otherwise.
func stuckHolder(h histories.History, key string, t time.Duration) string {
	var holder *histories.Event
	var crash *histories.Event
	for i, e := range h {
		if e.Time > t {
			break
		}
		switch {
		case e.Op == histories.OpAcquire && e.Type == histories.OK && e.Key == key:
			holder, crash = &h[i], nil
		case holder == nil:
		case e.Op == histories.OpRelease && e.Type == histories.OK && e.Key == key && (e.CS == holder.OpID || e.Value == holder.Value):
			holder, crash = nil, nil
		case (e.Op == histories.OpExpire || e.Op == histories.OpVanish) && e.Key == key && e.Value == holder.Value:
			holder, crash = nil, nil
		case crash != nil:
		case e.Op == histories.OpCrash && e.Process == holder.Process:
			crash = &h[i]
		case e.Op == histories.OpFaultStart && e.Fault == "crash" && e.Target == holder.Node:
			crash = &histories.Event{Time: e.Time, Node: e.Target}
		}
	}
	if holder == nil || crash == nil {
		return ""
	}
	return fmt.Sprintf("its holder client %d (value %s, acquired at %s) crashed on %s at %s without releasing it, and no expiry was recorded",
		holder.Process, holder.Value, secs(holder.Time), crash.Node, secs(crash.Time))
}
