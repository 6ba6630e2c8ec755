package faults

import (
	"math"
	"time"
)

// Kind names what a fault does.
type Kind string

// The fault kinds. Each documents the fields it uses; Validate rejects a
// field that a kind does not use.
const (
	// Pause stops every task of Node for For (> 0); its clocks keep running
	// and messages to it queue. Resume is implied when For has passed.
	Pause Kind = "pause"
	// Crash kills Node. With For > 0 the node restarts For later; with For
	// == 0 it stays down until a Restart of it (or for ever). Persistence is
	// what a Redis node keeps when it restarts. A process crash (the
	// default) keeps every write everysec acknowledged; with Host the whole
	// host crashes and everysec also loses the writes after its last fsync
	// (JSON "host": true).
	Crash Kind = "crash"
	// Restart brings a crashed Node back up, with Persistence for a Redis
	// node. Restarting a node that is up does nothing.
	Restart Kind = "restart"
	// Partition drops every message between the nodes of A and those of B
	// (only from A to B when OneWay) for For, or until a Heal when For == 0.
	Partition Kind = "partition"
	// Heal restores the network: it ends every partition, loss and delay
	// active at that moment.
	Heal Kind = "heal"
	// Loss drops each message from From to To with probability Rate (in
	// (0, 1]) for For, or until a Heal when For == 0. Without From and To it
	// applies to every link.
	Loss Kind = "loss"
	// Delay adds Delay to every message from From to To for For, or until a
	// Heal when For == 0.
	Delay Kind = "delay"
	// ClockDrift makes both clocks of Node run at 1+Rate times true speed
	// (Rate 0.05 = 5% fast, -0.01 = 1% slow) for For, or for ever when For ==
	// 0. In JSON the rate may be given as "ppm" instead.
	ClockDrift Kind = "clock-drift"
	// ClockStep steps the wall clock of Node by Step (may be negative) at
	// once; the monotonic clock does not move.
	ClockStep Kind = "clock-step"
)

// Kinds lists every kind, simplest first (rapid shrinks towards the first).
var Kinds = []Kind{Pause, Crash, Restart, Partition, Heal, Loss, Delay, ClockDrift, ClockStep}

// Persistence is what a Redis node keeps across a crash and restart.
type Persistence string

// The persistence modes of a restarting Redis node.
const (
	// PersistNone restarts empty.
	PersistNone Persistence = "none"
	// PersistEverysec loses nothing acknowledged in a process crash, and
	// the writes after the last fsync (at most a second) in a host crash.
	PersistEverysec Persistence = "everysec"
	// PersistAlways loses nothing that was acknowledged. It is the mode used
	// when none is given.
	PersistAlways Persistence = "always"
)

// Persistences lists the modes.
var Persistences = []Persistence{PersistNone, PersistEverysec, PersistAlways}

// Never is the end of a fault that does not end by itself and is never
// healed, and the LastHeal of a schedule holding one.
const Never = time.Duration(math.MaxInt64)

// Fault is one timed or triggered fault. Which fields a kind uses is
// documented on the kinds; the zero value of an unused field means unset.
//
// Node, A, B, From and To hold node names or patterns: "client-2",
// "redis-1", "storage", "client-*" (every client), "redis-*" (every Redis
// node), "*" (every node) and "holder" (the client whose event fired the
// fault's trigger; only in a fault with When). A pattern naming several
// nodes applies the fault to each of them.
type Fault struct {
	Kind Kind
	// At is the virtual time the fault starts, since the run's start. Unused
	// (zero) when When is set.
	At time.Duration
	// When, if set, starts the fault on a history event instead of at At.
	When *Trigger

	Node        string
	For         time.Duration
	Persistence Persistence
	A, B        []string
	OneWay      bool
	From, To    string
	Rate        float64
	Delay       time.Duration
	Step        time.Duration
	Host        bool // a Crash of the whole host, not only the process
}

// Mode is the persistence a restart after this fault uses: Persistence, or
// PersistAlways when it is empty.
func (f Fault) Mode() Persistence {
	if f.Persistence == "" {
		return PersistAlways
	}
	return f.Persistence
}

// Instant reports whether the fault takes effect at once and has no
// duration: heal, restart and clock-step.
func (f Fault) Instant() bool {
	return f.Kind == Heal || f.Kind == Restart || f.Kind == ClockStep
}

// Permanent reports whether the fault lasts until another fault ends it (a
// heal or a restart) or for ever: a crash, partition, loss, delay or clock
// drift with For == 0.
func (f Fault) Permanent() bool {
	return !f.Instant() && f.Kind != Pause && f.For == 0
}

// End is when the fault, started at start, ends by itself: start for an
// instant fault, start+For for a timed one, Never for a permanent one.
func (f Fault) End(start time.Duration) time.Duration {
	switch {
	case f.Instant():
		return start
	case f.Permanent():
		return Never
	default:
		return addSat(start, f.For)
	}
}

// Isolate is a partition that cuts node off from every other node for d
// (d == 0: until a heal), starting at at.
func Isolate(node string, at, d time.Duration) Fault {
	return Fault{Kind: Partition, At: at, A: []string{node}, B: []string{"*"}, For: d}
}

// SplitRedis is a partition that cuts the minority of the Redis nodes
// (redis-1 .. redis-k, k = (M-1)/2) off from every other node, the
// majority and the clients included, for d starting at at. With fewer than
// three Redis nodes the minority is redis-1 alone.
func SplitRedis(topo Topology, at, d time.Duration) Fault {
	k := (topo.Redis - 1) / 2
	if k < 1 {
		k = 1
	}
	a := make([]string, 0, k)
	for i := 1; i <= k; i++ {
		a = append(a, topo.Server(i))
	}
	return Fault{Kind: Partition, At: at, A: a, B: []string{"*"}, For: d}
}

// On returns f triggered by tr instead of starting at a fixed time.
func (f Fault) On(tr Trigger) Fault {
	f.At = 0
	f.When = &tr
	return f
}
