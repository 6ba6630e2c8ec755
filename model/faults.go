package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/locksim/locksim/histories"
)

// faultSpan is one fault from its start to its end (if it ended).
type faultSpan struct {
	start      histories.Event
	startIndex int
	end        time.Duration
	endIndex   int
	ended      bool
}

// faultSpans pairs fault-start and fault-end events by FaultID, in start
// order.
func faultSpans(h histories.History) []faultSpan {
	var spans []faultSpan
	open := make(map[int]int)
	for i, e := range h {
		switch e.Op {
		case histories.OpFaultStart:
			open[e.FaultID] = len(spans)
			spans = append(spans, faultSpan{start: e, startIndex: i})
		case histories.OpFaultEnd:
			if j, ok := open[e.FaultID]; ok {
				spans[j].end, spans[j].endIndex, spans[j].ended = e.Time, i, true
				delete(open, e.FaultID)
			}
		}
	}
	return spans
}

func (f faultSpan) String() string {
	s := fmt.Sprintf("fault %d %s", f.start.FaultID, f.start.Fault)
	if f.start.Target != "" {
		s += " " + f.start.Target
	}
	if f.start.Detail != "" {
		s += " (" + f.start.Detail + ")"
	}
	if f.ended {
		return s + fmt.Sprintf(" %s..%s", secs(f.start.Time), secs(f.end))
	}
	return s + fmt.Sprintf(" from %s, never healed", secs(f.start.Time))
}

// activeFaults describes the faults active at some moment of [from, to].
func activeFaults(spans []faultSpan, from, to time.Duration) string {
	var parts []string
	for _, f := range spans {
		if f.start.Time <= to && (!f.ended || f.end >= from) {
			parts = append(parts, f.String())
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}
