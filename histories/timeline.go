package histories

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Timeline renders the events of h whose true time lies in [from, to] as a
// text timeline, one event per line: the time, who (a client, a Redis or
// storage node, the fault injector) and what happened. Lines marked "!!"
// are faults, "**" are what clients cannot see (expiries, crashes), and
// "=>" lines show the lock holders (as the clients believe) whenever they
// change, flagged when two clients believe they hold the same lock. A
// header summarises the holders and active faults at from. to <= 0 means
// until the end of the history.
func Timeline(h History, from, to time.Duration, w io.Writer) error {
	bw := bufio.NewWriter(w)
	tl := newTimelineState()
	start := 0
	for start < len(h) && h[start].Time < from {
		tl.apply(h[start])
		start++
	}
	end := "end"
	if to > 0 {
		end = fmtSeconds(to)
	}
	fmt.Fprintf(bw, "timeline %s .. %s (true time)\n", fmtSeconds(from), end)
	fmt.Fprintf(bw, "legend: !! fault   ** not seen by clients   => lock holders, as the clients believe\n")
	if s := tl.summary(from); s != "" {
		fmt.Fprintf(bw, "at start: %s\n", s)
	}
	last := tl.holdersLine(from)
	for _, e := range h[start:] {
		if to > 0 && e.Time > to {
			break
		}
		tl.apply(e)
		fmt.Fprintf(bw, "%10s  %-14s %s\n", fmtSeconds(e.Time), who(e), describe(e))
		if line := tl.holdersLine(e.Time); line != last {
			fmt.Fprintf(bw, "%10s  %-14s => %s\n", "", "", line)
			last = line
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("render timeline: %w", err)
	}
	return nil
}

func fmtSeconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

func who(e Event) string {
	switch {
	case e.IsClient():
		return fmt.Sprintf("client %d", e.Process)
	case e.Op == OpFaultStart || e.Op == OpFaultEnd:
		return "faults"
	case e.Op == OpCrash:
		return fmt.Sprintf("client %d", e.Process)
	default:
		return e.Node
	}
}

// timelineState tracks believed lock holders and active faults.
type timelineState struct {
	holders map[string][]int         // lock key -> clients, in acquire order
	byCS    map[int]string           // acquire OpID -> key, for held locks
	csOf    map[int]int              // acquire OpID -> client
	until   map[string]time.Duration // "key/client" -> validity in true time
	faults  map[int]Event            // active faults by FaultID
}

func newTimelineState() *timelineState {
	return &timelineState{
		holders: make(map[string][]int),
		byCS:    make(map[int]string),
		csOf:    make(map[int]int),
		until:   make(map[string]time.Duration),
		faults:  make(map[int]Event),
	}
}

func holderKey(key string, p int) string { return fmt.Sprintf("%s/%d", key, p) }

// trueValidity is the validity of an acquire or extend in true time, 0 if
// unknown.
func trueValidity(e Event) time.Duration {
	switch {
	case e.ValidUntilTrue > 0:
		return e.ValidUntilTrue
	case e.ValidUntil > 0 && e.LocalTime > 0:
		return e.Time + e.ValidUntil - e.LocalTime
	}
	return 0
}

func (t *timelineState) apply(e Event) {
	switch {
	case e.Op == OpAcquire && e.Type == OK:
		t.byCS[e.OpID] = e.Key
		t.csOf[e.OpID] = e.Process
		t.holders[e.Key] = append(t.holders[e.Key], e.Process)
		t.until[holderKey(e.Key, e.Process)] = trueValidity(e)
	case e.Op == OpExtend && e.Type == OK:
		if v := trueValidity(e); v > 0 {
			t.until[holderKey(e.Key, e.Process)] = v
		}
	case e.Op == OpRelease && e.Type == Invoke:
		t.drop(e.Key, e.Process, e.CS)
	case e.Op == OpCrash:
		for cs, p := range t.csOf {
			if p == e.Process {
				t.drop(t.byCS[cs], p, cs)
			}
		}
	case e.Op == OpFaultStart:
		t.faults[e.FaultID] = e
	case e.Op == OpFaultEnd:
		delete(t.faults, e.FaultID)
	}
}

// drop removes client p from the holders of key (the section cs if known).
func (t *timelineState) drop(key string, p, cs int) {
	if cs != 0 {
		if k, ok := t.byCS[cs]; ok {
			key = k
		}
		delete(t.byCS, cs)
		delete(t.csOf, cs)
	}
	hs := t.holders[key]
	if i := slices.Index(hs, p); i >= 0 {
		t.holders[key] = slices.Delete(slices.Clone(hs), i, i+1)
	}
	if len(t.holders[key]) == 0 {
		delete(t.holders, key)
	}
}

func (t *timelineState) holdersLine(now time.Duration) string {
	if len(t.holders) == 0 {
		return "no holders"
	}
	keys := make([]string, 0, len(t.holders))
	for k := range t.holders {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		var cs []string
		for _, p := range t.holders[k] {
			h := fmt.Sprintf("client %d", p)
			if u := t.until[holderKey(k, p)]; u > 0 && now > u {
				h += fmt.Sprintf(" (past its validity at %s)", fmtSeconds(u))
			}
			cs = append(cs, h)
		}
		s := fmt.Sprintf("%q held by %s", k, strings.Join(cs, ", "))
		if len(cs) > 1 {
			s += fmt.Sprintf("  <-- %d HOLDERS", len(cs))
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func (t *timelineState) summary(now time.Duration) string {
	var parts []string
	if len(t.holders) > 0 {
		parts = append(parts, t.holdersLine(now))
	}
	ids := make([]int, 0, len(t.faults))
	for id := range t.faults {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		f := t.faults[id]
		parts = append(parts, fmt.Sprintf("fault %d active since %s: %s", id, fmtSeconds(f.Time), faultText(f)))
	}
	return strings.Join(parts, "; ")
}
