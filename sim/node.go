package sim

import (
	"fmt"
	"time"
)

// Node is a process of the simulated system: a client that runs tasks, a
// service (see AddService) or a server node (AddServer). It has its own wall and
// monotonic clocks and can crash, restart and pause.
type Node struct {
	w    *World
	id   int
	name string

	clock       clock
	localTimers []*timer
	compactAt   int

	crashed     bool
	paused      bool
	incarnation uint64
	resumeTimer *timer

	tasks  []*task
	parked []*task    // runnable tasks held back while paused
	inbox  []*message // deliveries held back while paused
	held   []heldSend // replies and messages a paused server node sends on resume
	starts []func(*Node)

	handler Handler
	server  Server
}

// AddNode adds a client node, up and running, with clocks in step with true
// time.
func (w *World) AddNode(name string) *Node {
	n := &Node{w: w, id: len(w.nodes), name: name, compactAt: 64}
	w.nodes = append(w.nodes, n)
	for i, row := range w.links {
		w.links[i] = append(row, &link{})
	}
	row := make([]*link, len(w.nodes))
	for i := range row {
		row[i] = &link{}
	}
	w.links = append(w.links, row)
	w.trace(trFault, uint64(n.id), 0, "add "+name)
	return n
}

// Name returns the node's name.
func (n *Node) Name() string { return n.name }

// ID returns the node's index in the World, from 0 in order of creation.
func (n *Node) ID() int { return n.id }

// World returns the node's World.
func (n *Node) World() *World { return n.w }

func (n *Node) String() string { return n.name }

// Crashed reports whether the node is down.
func (n *Node) Crashed() bool { return n.crashed }

// Paused reports whether the node is paused.
func (n *Node) Paused() bool { return n.paused }

// Incarnation counts the node's crashes.
func (n *Node) Incarnation() uint64 { return n.incarnation }

// WallNow returns the node's wall clock.
func (n *Node) WallNow() time.Time { return n.clock.wall(n.w.now) }

// MonoNow returns the node's monotonic clock, which starts at 0 with the
// World, drifts with the node and never jumps.
func (n *Node) MonoNow() time.Duration { return n.clock.mono(n.w.now) }

// Drift returns the node's clock drift rate.
func (n *Node) Drift() float64 { return n.clock.rate }

// SetDrift makes both clocks of the node run at 1+rate times true time from
// now on: 0.05 runs 5% fast, -0.0002 runs 200 ppm slow. Timers and sleeps
// pending on the node follow the new rate. rate must be above -1.
func (n *Node) SetDrift(rate float64) {
	if !(rate > -1) {
		panic(fmt.Sprintf("sim: drift rate %v of node %s is not above -1", rate, n.name))
	}
	w := n.w
	n.clock.setRate(w.now, rate)
	w.rescheduleLocal(n)
	w.trace(trFault, uint64(n.id), uint64(int64(rate*1e9)), "drift")
	w.emit(Event{Kind: EvDrift, Node: n.name, Rate: rate, Wall: n.WallNow()})
}

// StepWall steps the node's wall clock by d (forward if positive). The
// monotonic clock does not move. A server node is told before and after
// (Server.WallStepping, WallStepped): one whose deadlines are absolute
// instants of its wall clock expires what a forward step passes.
func (n *Node) StepWall(d time.Duration) {
	w := n.w
	s := n.server
	if s != nil && !n.crashed {
		s.WallStepping(d)
	}
	n.clock.offset += d
	w.trace(trFault, uint64(n.id), uint64(d), "step")
	w.emit(Event{Kind: EvStep, Node: n.name, D: d, Wall: n.WallNow()})
	if s != nil && !n.crashed {
		s.WallStepped(d)
	}
}

// OnStart registers the node's program: f runs now (if the node is up) and
// again after every Restart, and typically spawns the node's tasks.
func (n *Node) OnStart(f func(n *Node)) {
	n.starts = append(n.starts, f)
	if !n.crashed {
		f(n)
	}
}
