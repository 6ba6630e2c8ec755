package model

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/locksim/locksim/histories"
)

// CheckMutualExclusion checks, at the storage, that the accepted accesses of
// two critical sections on the same resource never interleave: all of one
// section's accepted accesses come before the other's first, in the order
// the storage executed them (history order).
//
// A section whose accesses the storage rejected (fencing) is noted as
// "stale access rejected", not a violation. A violation names both clients,
// their accesses, the overlap at the storage in ms, when each believed it
// held the lock, and the faults active then. Client accesses the storage
// has no record of (indeterminate, unless opts.StorageComplete) may still
// happen: if one could interleave with another section the verdict is
// Unknown. Without any storage access the verdict is Unknown.
func CheckMutualExclusion(h histories.History, opts Options) Result {
	sections, n := storageSections(h)
	if n == 0 {
		return unknownResult(NameMutualExclusion, "the storage recorded no resource access: nothing shows the critical sections were exclusive")
	}
	hold := holdings(h)
	spans := faultSpans(h)
	notes := staleNotes(sections)

	definite := intervals(sections, false, false)
	if pairs := overlaps(definite); len(pairs) > 0 {
		text, from, to := explainOverlaps(h, pairs, hold, spans)
		r := violationResult(NameMutualExclusion, "%s", text)
		r.Notes, r.From, r.To = notes, from, to
		r.Culprits = culprits(pairs[0])
		return r
	}
	possible := intervals(sections, true, opts.StorageComplete)
	if pairs := overlaps(possible); len(pairs) > 0 {
		a, b := pairs[0].a, pairs[0].b
		var why []string
		for _, s := range []*section{a.s, b.s} {
			for _, p := range s.pending {
				if p.mayArrive && opts.StorageComplete {
					continue
				}
				why = append(why, p.String())
			}
		}
		r := unknownResult(NameMutualExclusion,
			"no accepted accesses interleave, but %s and %s on %q might: %s",
			a.s.name(), b.s.name(), a.s.key, strings.Join(why, "; "))
		r.Notes = notes
		return r
	}
	r := okResult(NameMutualExclusion, "the accepted accesses of %s never interleave at the storage (%s)",
		plural(countSections(sections), "critical section", "critical sections"), plural(n, "storage access", "storage accesses"))
	r.Notes = notes
	return r
}

// interval is a section's accesses as history indices [lo, hi].
type interval struct {
	s      *section
	lo, hi int
}

// intervals returns the sections' accepted spans, widened by their pending
// accesses if withPending (ignoring the ones that may still arrive when the
// storage record is complete), sorted by start.
func intervals(sections []*section, withPending, complete bool) []interval {
	var out []interval
	for _, s := range sections {
		lo, hi, ok := s.span()
		if !ok {
			lo, hi = infinity, -1
		}
		if withPending {
			for _, p := range s.pending {
				if p.mayArrive && complete {
					continue
				}
				lo, hi = min(lo, p.from), max(hi, p.to)
			}
		}
		if lo <= hi {
			out = append(out, interval{s: s, lo: lo, hi: hi})
		}
	}
	slices.SortStableFunc(out, func(a, b interval) int { return a.lo - b.lo })
	return out
}

type overlap struct{ a, b interval }

// overlaps finds, per resource key, sections whose intervals overlap: for
// each section, the earlier section reaching furthest into it.
func overlaps(ivs []interval) []overlap {
	var pairs []overlap
	reach := make(map[string]interval) // per key: the interval with the largest hi so far
	for _, iv := range ivs {
		r, ok := reach[iv.s.key]
		if ok && iv.lo < r.hi {
			pairs = append(pairs, overlap{a: r, b: iv})
		}
		if !ok || iv.hi > r.hi {
			reach[iv.s.key] = iv
		}
	}
	return pairs
}

// culprits are the two accesses that bound the overlap of p: the first
// accepted access of the later section, which lands inside the earlier
// one, and the earlier section's next accepted access after it.
func culprits(p overlap) []int {
	inside := p.b.s.accepted[0].index
	for _, a := range p.a.s.accepted {
		if a.index > inside {
			return []int{inside, a.index}
		}
	}
	return []int{inside} // unreachable: overlaps found p.b's start before p.a's end
}

const maxReported = 3

// explainOverlaps explains the first interleaving pairs and returns the
// stretch of time the first one is about.
func explainOverlaps(h histories.History, pairs []overlap, hold map[int]*holding, spans []faultSpan) (string, time.Duration, time.Duration) {
	var b strings.Builder
	var from, to time.Duration
	for i, p := range pairs {
		if i == maxReported {
			fmt.Fprintf(&b, "\n(and %d more interleaving pairs)", len(pairs)-maxReported)
			break
		}
		if i > 0 {
			b.WriteString("\n")
		}
		text, f, t := explainPair(h, p.a.s, p.b.s, hold, spans)
		if i == 0 {
			from, to = f, t
		}
		b.WriteString(text)
	}
	return b.String(), from, to
}

func explainPair(h histories.History, a, b *section, hold map[int]*holding, spans []faultSpan) (string, time.Duration, time.Duration) {
	aFirst, aLast := a.accepted[0].e.Time, a.accepted[len(a.accepted)-1].e.Time
	bFirst, bLast := b.accepted[0].e.Time, b.accepted[len(b.accepted)-1].e.Time
	from, to := max(aFirst, bFirst), min(aLast, bLast)
	var s strings.Builder
	fmt.Fprintf(&s, "critical sections of client %d and client %d interleave at the storage on %q (overlap %s, %s..%s): ",
		a.client, b.client, a.key, millis(max(0, to-from)), secs(from), secs(to))
	fmt.Fprintf(&s, "%s had accepted accesses %s; %s had accepted accesses %s.",
		a.name(), accessList(a.accepted), b.name(), accessList(b.accepted))
	windowFrom, windowTo := min(aFirst, bFirst), max(aLast, bLast)
	ha, hb := hold[a.cs], hold[b.cs]
	for _, hd := range []*holding{ha, hb} {
		if hd != nil {
			fmt.Fprintf(&s, " %s.", hd.describe())
			windowFrom = min(windowFrom, hd.acquired)
		}
	}
	if ha != nil && hb != nil {
		if d, ok := beliefOverlap(ha, hb, h[len(h)-1].Time); ok {
			if d > 0 {
				fmt.Fprintf(&s, " Their beliefs overlapped by %s.", millis(d))
			} else {
				s.WriteString(" Their beliefs did not overlap.")
			}
		}
	}
	for _, sec := range []*section{a, b} {
		hd := hold[sec.cs]
		if hd == nil {
			continue
		}
		last := sec.accepted[len(sec.accepted)-1].e.Time
		if end, ok := hd.end(); ok && last > end {
			fmt.Fprintf(&s, " Client %d was still accessing at %s, %s after its belief ended at %s.",
				sec.client, secs(last), millis(last-end), secs(end))
		}
	}
	for _, sec := range []*section{a, b} {
		if sec.cs < 0 {
			fmt.Fprintf(&s, " Client %d accessed the resource outside any critical section.", sec.client)
		} else if hold[sec.cs] == nil {
			fmt.Fprintf(&s, " No successful acquire is recorded for cs %d.", sec.cs)
		}
	}
	fmt.Fprintf(&s, " Faults active: %s.", activeFaults(spans, windowFrom, windowTo))
	return s.String(), windowFrom, windowTo
}

// staleNotes describes the accesses the storage rejected.
func staleNotes(sections []*section) []string {
	var notes []string
	for _, s := range sections {
		if len(s.rejected) > 0 {
			notes = append(notes, fmt.Sprintf("stale access rejected: %s: %s rejected by the storage",
				s.name(), accessList(s.rejected)))
		}
	}
	return notes
}

func countSections(sections []*section) int {
	n := 0
	for _, s := range sections {
		if len(s.accepted) > 0 {
			n++
		}
	}
	return n
}
