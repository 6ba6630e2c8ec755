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
	w       *sim.World
	history histories.History
	opID    int
	// watch is called with every client event before the client carries
	// on; the injector fires triggered faults from it.
	watch func(e histories.Event)
}

func (r *recorder) add(e histories.Event) {
	e.Time = r.w.Elapsed()
	r.history = append(r.history, e)
}

// invoke records the start of a client operation and returns its OpID.
func (r *recorder) invoke(c *client, e histories.Event) int {
	r.opID++
	e.Type, e.OpID, e.Process, e.Node = histories.Invoke, r.opID, c.id, c.node.Name()
	e.LocalTime = c.local()
	r.add(e)
	if r.watch != nil {
		r.watch(r.history[len(r.history)-1])
	}
	return e.OpID
}

// complete records the completion of operation opID.
func (r *recorder) complete(c *client, opID int, typ histories.Type, e histories.Event) {
	e.Type, e.OpID, e.Process, e.Node = typ, opID, c.id, c.node.Name()
	e.LocalTime = c.local()
	r.add(e)
	if r.watch != nil {
		r.watch(r.history[len(r.history)-1])
	}
}

// observe records an event no client saw.
func (r *recorder) observe(e histories.Event) {
	e.Type = histories.Observed
	r.add(e)
}

// sinceEpoch turns a wall-clock reading into the history's time axis.
func sinceEpoch(t time.Time) time.Duration { return t.Sub(sim.Epoch) }
