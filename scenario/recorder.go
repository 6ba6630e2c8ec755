package scenario

import (
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/sim"
)

// recorder appends events to the run's history at the world's true time and
// tells the fault injector about the client events its triggers watch. It
// only observes: nothing a client does depends on it, except through the
// faults the schedule aims at those events.
type recorder struct {
	w *sim.World
	// The history is recorded into one slice of sizeHint events, made
	// for the run's estimated length, and past it in chunks of chunkEvents:
	// never copied while the run goes on. A 24-hour run records about 1.5
	// million events (half a gigabyte); an append that grows one slice
	// would hold the old and the new copy at once, and so would joining
	// chunks at the end. take joins them only when the hint fell short.
	sizeHint int
	chunks   []histories.History
	cur      histories.History
	n        int
	opID     int
	// watch is called with every client event before the client carries
	// on; the injector fires triggered faults from it.
	watch func(e histories.Event)
}

// chunkEvents is the number of events of a chunk (about 5 MB).
const chunkEvents = 1 << 14

func (r *recorder) add(e histories.Event) {
	e.Time = r.w.Elapsed()
	if len(r.cur) == cap(r.cur) {
		size := max(r.sizeHint, 64)
		if r.cur != nil {
			r.chunks = append(r.chunks, r.cur)
			size = chunkEvents
		}
		r.cur = make(histories.History, 0, size)
	}
	r.cur = append(r.cur, e)
	r.n++
}

// last is the event recorded last.
func (r *recorder) last() histories.Event { return r.cur[len(r.cur)-1] }

// len is the number of events recorded.
func (r *recorder) len() int { return r.n }

// take returns the whole history, one slice, and empties the recorder.
func (r *recorder) take() histories.History {
	h := r.joined()
	r.chunks, r.cur, r.n = nil, nil, 0
	return h
}

// joined returns the events recorded so far as one slice: the recorder's
// own storage when it has not outgrown its first slice (the common case,
// no copy), else a copy joining its chunks.
func (r *recorder) joined() histories.History {
	if len(r.chunks) == 0 {
		return r.cur
	}
	h := make(histories.History, 0, r.n)
	for _, c := range r.chunks {
		h = append(h, c...)
	}
	return append(h, r.cur...)
}

// invoke records the start of a client operation and returns its OpID.
func (r *recorder) invoke(c *client, e histories.Event) int {
	r.opID++
	e.Type, e.OpID, e.Process, e.Node = histories.Invoke, r.opID, c.id, c.node.Name()
	e.LocalTime = c.local()
	r.add(e)
	if r.watch != nil {
		r.watch(r.last())
	}
	return e.OpID
}

// complete records the completion of operation opID.
func (r *recorder) complete(c *client, opID int, typ histories.Type, e histories.Event) {
	e.Type, e.OpID, e.Process, e.Node = typ, opID, c.id, c.node.Name()
	e.LocalTime = c.local()
	r.add(e)
	if r.watch != nil {
		r.watch(r.last())
	}
}

// observe records an event no client saw.
func (r *recorder) observe(e histories.Event) {
	e.Type = histories.Observed
	r.add(e)
}

// sinceEpoch turns a wall-clock reading into the history's time axis.
func sinceEpoch(t time.Time) time.Duration { return t.Sub(sim.Epoch) }

// historySizeHint is the number of events the recorder makes room for at
// the start: the run's estimate with a margin (the estimate fell 15% short
// of a measured 24-hour lua run), within the default budget. Room that is
// never written costs address space, not memory.
func historySizeHint(c Config) int {
	e := c.Estimate().HistoryEvents
	return int(min(e+e/2, uint64(DefaultBudget.HistoryEvents)))
}
