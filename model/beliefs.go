package model

import (
	"fmt"
	"time"

	"github.com/locksim/locksim/histories"
)

// holding is what a client believed about one lock it acquired: the
// critical section named by the acquire's OpID.
type holding struct {
	cs       int
	client   int
	key      string
	value    string
	token    int64
	acquired time.Duration // true time of the acquire's ok
	// until is the true time the client's validity ran out; untilHow says
	// how it is known ("" if the lock has no validity).
	until    time.Duration
	untilHow string
	// released is the true time the client started releasing, if it did.
	released    time.Duration
	hasReleased bool
}

// holdings returns the successful acquires of h by critical section id,
// with validity updated by extends and ends by release invokes.
func holdings(h histories.History) map[int]*holding {
	hs := make(map[int]*holding)
	for _, e := range h {
		switch {
		case e.Op == histories.OpAcquire && e.Type == histories.OK:
			hd := &holding{cs: e.OpID, client: e.Process, key: e.Key, value: e.Value, token: e.Token, acquired: e.Time}
			hd.setValidity(e)
			hs[e.OpID] = hd
		case e.Op == histories.OpExtend && e.Type == histories.OK:
			if hd := hs[e.CS]; hd != nil {
				hd.setValidity(e)
			}
		case e.Op == histories.OpRelease && e.Type == histories.Invoke:
			if hd := hs[e.CS]; hd != nil && !hd.hasReleased {
				hd.released, hd.hasReleased = e.Time, true
			}
		}
	}
	return hs
}

// setValidity takes the validity of an acquire or extend completion.
func (hd *holding) setValidity(e histories.Event) {
	switch {
	case e.ValidUntilTrue > 0:
		hd.until, hd.untilHow = e.ValidUntilTrue, "validity"
	case e.ValidUntil > 0 && e.LocalTime > 0:
		hd.until, hd.untilHow = e.Time+(e.ValidUntil-e.LocalTime), "validity, estimated from its own clock"
	case e.ValidUntil > 0:
		hd.until, hd.untilHow = e.ValidUntil, "validity on its own clock, unknown in true time"
	}
}

// end is the true time the belief ended: validity or release, whichever
// came first; ok is false if it never ended within the history.
func (hd *holding) end() (time.Duration, bool) {
	exact := hd.untilHow == "validity" || hd.untilHow == "validity, estimated from its own clock"
	switch {
	case exact && hd.hasReleased:
		return min(hd.until, hd.released), true
	case exact:
		return hd.until, true
	case hd.hasReleased:
		return hd.released, true
	}
	return 0, false
}

// describe says when the client believed it held the lock.
func (hd *holding) describe() string {
	s := fmt.Sprintf("Client %d believed it held lock %q (value %s", hd.client, hd.key, hd.value)
	if hd.token != 0 {
		s += fmt.Sprintf(", token %d", hd.token)
	}
	s += fmt.Sprintf(") from %s (acquire ok)", secs(hd.acquired))
	switch {
	case hd.untilHow != "" && hd.hasReleased && hd.released < hd.until:
		s += fmt.Sprintf(" until its release at %s (%s until %s)", secs(hd.released), hd.untilHow, secs(hd.until))
	case hd.untilHow != "":
		s += fmt.Sprintf(" until %s (%s)", secs(hd.until), hd.untilHow)
		if hd.hasReleased {
			s += fmt.Sprintf(", released at %s", secs(hd.released))
		}
	case hd.hasReleased:
		s += fmt.Sprintf(" until its release at %s (no validity)", secs(hd.released))
	default:
		s += " and never released it (no validity)"
	}
	return s
}

// beliefOverlap is how long two holdings overlapped in true time; ok is
// false if it cannot be computed (a validity not known in true time).
func beliefOverlap(a, b *holding, historyEnd time.Duration) (time.Duration, bool) {
	ea, oka := a.end()
	eb, okb := b.end()
	if !oka {
		if a.untilHow != "" {
			return 0, false
		}
		ea = historyEnd
	}
	if !okb {
		if b.untilHow != "" {
			return 0, false
		}
		eb = historyEnd
	}
	return max(0, min(ea, eb)-max(a.acquired, b.acquired)), true
}
