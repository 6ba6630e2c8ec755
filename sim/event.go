package sim

import "time"

// EventKind names what an Event reports.
type EventKind string

// The kinds of Event.
const (
	EvCrash        EventKind = "crash"         // Node crashed (its host too if Host)
	EvRestart      EventKind = "restart"       // Node restarted
	EvPause        EventKind = "pause"         // Node paused for D (0: until resumed)
	EvResume       EventKind = "resume"        // Node resumed
	EvPartition    EventKind = "partition"     // Nodes and Peers cut from each other
	EvPartitionOne EventKind = "partition-one" // Nodes cannot reach Peers
	EvHeal         EventKind = "heal"          // every partition healed
	EvLoss         EventKind = "loss"          // loss Rate set from Node to Peer ("" Node: global)
	EvDelay        EventKind = "delay"         // extra delay D from Node to Peer
	EvDrift        EventKind = "drift"         // Node's clocks drift at Rate
	EvStep         EventKind = "step"          // Node's wall clock stepped by D
)

// A server model reports events of kinds of its own (World.Report), with
// the fields Key, Value and N.

// Event is a fault or an observation of the World or of a server model,
// reported to the functions registered with OnEvent as it happens.
type Event struct {
	At    time.Duration // true elapsed time
	Kind  EventKind
	Node  string   // the node concerned, if one
	Peer  string   // the other end of a link, if one
	Nodes []string // one side of a partition
	Peers []string // the other side of a partition
	Key   string   // a server model's key, for its events
	Value string   // a server model's value, for its events
	Rate  float64  // drift or loss rate
	D     time.Duration
	N     int       // a count, for a server model's events
	Wall  time.Time // the wall clock of Node at the event, if one
	Host  bool      // EvCrash: a host crash (CrashHost), not a process crash
}

// OnEvent registers f to be called with every fault and observation.
// f runs on the scheduler and must not block or call into tasks.
func (w *World) OnEvent(f func(Event)) {
	w.events = append(w.events, f)
}

func (w *World) emit(e Event) {
	e.At = w.now
	for _, f := range w.events {
		f(e)
	}
}

func names(ns []*Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.name
	}
	return out
}
