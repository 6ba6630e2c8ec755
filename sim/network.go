package sim

import (
	"fmt"
	"time"
)

// Latency is a one-way latency distribution: Base plus a uniform jitter in
// [0, Jitter).
type Latency struct {
	Base, Jitter time.Duration
}

// link is the directed network path from one node to another.
type link struct {
	lat     *Latency // nil: the World's default
	loss    float64
	extra   time.Duration
	blocked bool
	last    time.Duration // latest delivery time scheduled, for FIFO
}

func (w *World) link(from, to *Node) *link { return w.links[from.id][to.id] }

// SetLatency sets the latency distribution of the link from -> to.
func (w *World) SetLatency(from, to *Node, l Latency) {
	w.link(from, to).lat = &l
	w.trace(trFault, uint64(from.id), uint64(to.id), "latency")
}

// SetLoss makes the link from -> to drop each message with probability p.
func (w *World) SetLoss(from, to *Node, p float64) {
	w.link(from, to).loss = p
	w.trace(trFault, uint64(from.id), uint64(to.id), "loss "+fmt.Sprint(p))
	w.emit(Event{Kind: EvLoss, Node: from.name, Peer: to.name, Rate: p})
}

// SetGlobalLoss makes every link drop each message with probability at
// least p.
func (w *World) SetGlobalLoss(p float64) {
	w.loss = p
	w.trace(trFault, 0, 0, "global loss "+fmt.Sprint(p))
	w.emit(Event{Kind: EvLoss, Rate: p})
}

// SetExtraDelay adds d to the latency of the link from -> to (0 clears it).
func (w *World) SetExtraDelay(from, to *Node, d time.Duration) {
	w.link(from, to).extra = d
	w.trace(trFault, uint64(from.id), uint64(to.id), "delay "+durStr(d))
	w.emit(Event{Kind: EvDelay, Node: from.name, Peer: to.name, D: d})
}

// Partition cuts every link between a node of a and a node of b, both ways.
// Messages in flight on a cut link are lost when they arrive.
func (w *World) Partition(a, b []*Node) {
	for _, x := range a {
		for _, y := range b {
			w.link(x, y).blocked = true
			w.link(y, x).blocked = true
		}
	}
	w.trace(trFault, uint64(len(a)), uint64(len(b)), "partition")
	w.emit(Event{Kind: EvPartition, Nodes: names(a), Peers: names(b)})
}

// PartitionOneWay cuts every link from a node of from to a node of to; the
// other direction still works.
func (w *World) PartitionOneWay(from, to []*Node) {
	for _, x := range from {
		for _, y := range to {
			w.link(x, y).blocked = true
		}
	}
	w.trace(trFault, uint64(len(from)), uint64(len(to)), "partition one-way")
	w.emit(Event{Kind: EvPartitionOne, Nodes: names(from), Peers: names(to)})
}

// Heal restores every link cut by a partition. Loss and delays stay.
func (w *World) Heal() {
	for _, row := range w.links {
		for _, l := range row {
			l.blocked = false
		}
	}
	w.trace(trFault, 0, 0, "heal")
	w.emit(Event{Kind: EvHeal})
}

// Reachable reports whether the link from -> to is not cut.
func (w *World) Reachable(from, to *Node) bool { return !w.link(from, to).blocked }

// receiver gets the messages sent to it, on arrival.
type receiver interface{ receive() }

// message is one message in flight; its timer fires on arrival.
type message struct {
	timer
	id       uint64
	to       *Node
	l        *link
	inc      uint64 // the destination's incarnation when sent
	receiver receiver
}

// send puts a message on the link from -> to; r.receive runs on arrival if
// the message is not lost, the link is not cut and the destination is the
// same incarnation, up and not paused (a paused one gets it on resume).
func (w *World) send(from, to *Node, r receiver) {
	w.sendMsg(from, to, r, nil)
}

// sendMsg is send with m, if not nil, as the message: a request and its
// reply, never in flight at once, share one message embedded in what they
// carry, which saves an allocation per send. m must not be scheduled.
func (w *World) sendMsg(from, to *Node, r receiver, m *message) {
	w.msgSeq++
	id := w.msgSeq
	w.stats.Messages++
	l := w.link(from, to)
	w.trace(trSend, id, uint64(from.id)<<32|uint64(to.id), "")
	if l.blocked {
		w.drop(id, "partition")
		return
	}
	if p := max(l.loss, w.loss); p > 0 && w.net.Float64() < p {
		w.drop(id, "loss")
		return
	}
	lat := w.latency
	if l.lat != nil {
		lat = *l.lat
	}
	d := lat.Base + l.extra
	if lat.Jitter > 0 {
		d += time.Duration(w.net.Int64N(int64(lat.Jitter)))
	}
	if w.latencyHook != nil {
		d = w.latencyHook(id, d)
	}
	at := max(w.now+d, l.last)
	l.last = at
	if m == nil {
		m = new(message)
	}
	*m = message{id: id, to: to, l: l, inc: to.incarnation, receiver: r}
	m.target = m
	w.push(&m.timer, at)
	w.inFlight++
}

// InFlight returns the number of messages sent and not yet delivered or
// dropped, those queued for a paused node included.
func (w *World) InFlight() int { return w.inFlight }

// fire is the message's arrival.
func (m *message) fire() { m.to.w.arrive(m) }

// arrive is the arrival of m at its destination.
func (w *World) arrive(m *message) {
	to := m.to
	switch {
	case m.l.blocked:
		w.inFlight--
		w.drop(m.id, "partition")
	case to.crashed || to.incarnation != m.inc:
		w.inFlight--
		if r, ok := m.receiver.(refuser); ok && r.refusable() {
			w.trace(trDrop, m.id, 0, "refused")
			r.refuse()
			return
		}
		w.drop(m.id, "down")
	case to.paused:
		w.trace(trQueue, m.id, 0, "")
		to.inbox = append(to.inbox, m)
	default:
		w.inFlight--
		w.trace(trDeliver, m.id, 0, "")
		m.receiver.receive()
	}
}

// refuser is a receiver whose message, reaching its node down, is refused
// (a connection refused) instead of lost.
type refuser interface {
	refusable() bool
	refuse()
}

// funcReceiver adapts a function to a receiver.
type funcReceiver func()

func (f funcReceiver) receive() { f() }

func (w *World) drop(id uint64, why string) {
	w.stats.Dropped++
	w.trace(trDrop, id, 0, why)
}
