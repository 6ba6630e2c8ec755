package sim

import "time"

// Crash kills n's process: every task of n unwinds at its next seam call
// (no seam call of it, deferred ones included, reaches the World again),
// queued and in-flight messages to n are lost, and a server node loses
// what its model does not keep after a process crash (Server.Crashed).
// Requests that reach a crashed node are refused. Crashing a crashed node
// does nothing.
func (w *World) Crash(n *Node) { w.crash(n, false) }

// CrashHost is Crash of n's whole host (power loss, kernel panic): a
// server node's model also loses what its host had not written to disk.
func (w *World) CrashHost(n *Node) { w.crash(n, true) }

func (w *World) crash(n *Node, host bool) {
	if n.crashed {
		return
	}
	n.crashed = true
	n.incarnation++
	n.paused = false
	w.cancel(n.resumeTimer)
	n.resumeTimer = nil
	n.parked = nil
	for _, m := range n.inbox {
		w.inFlight--
		w.drop(m.id, "down")
	}
	n.inbox = nil
	n.held = nil
	w.killTasks(n)
	w.unwind()
	if host {
		w.trace(trFault, uint64(n.id), n.incarnation, "crash host")
	} else {
		w.trace(trFault, uint64(n.id), n.incarnation, "crash")
	}
	if n.server != nil {
		w.cancelServerTimers(n)
		n.server.Crashed(host)
	}
	w.emit(Event{Kind: EvCrash, Node: n.name, Wall: n.WallNow(), Host: host})
}

// Restart brings a crashed node back: a server node's model restores
// what it kept (Server.Restarted), and the functions registered with
// OnStart run again. Restarting a node
// that is up crashes it first.
func (w *World) Restart(n *Node) {
	if !n.crashed {
		w.Crash(n)
	}
	n.crashed = false
	w.trace(trFault, uint64(n.id), n.incarnation, "restart")
	w.emit(Event{Kind: EvRestart, Node: n.name, Wall: n.WallNow()})
	if n.server != nil {
		n.server.Restarted()
	}
	for _, f := range n.starts {
		f(n)
	}
}

// Pause stops every task of n for d of true time (d <= 0: until Resume).
// Its clocks keep running; messages arriving meanwhile are queued and
// delivered on resume. Pausing a paused node restarts the pause.
func (w *World) Pause(n *Node, d time.Duration) {
	if n.crashed {
		return
	}
	w.cancel(n.resumeTimer)
	n.resumeTimer = nil
	if !n.paused {
		n.paused = true
		keep := w.runnable[:0]
		for _, t := range w.runnable {
			if t.node == n {
				n.parked = append(n.parked, t)
			} else {
				keep = append(keep, t)
			}
		}
		clear(w.runnable[len(keep):])
		w.runnable = keep
	}
	if d > 0 {
		n.resumeTimer = w.schedule(w.now+d, func() { w.Resume(n) })
	}
	w.trace(trFault, uint64(n.id), uint64(d), "pause")
	w.emit(Event{Kind: EvPause, Node: n.name, D: d, Wall: n.WallNow()})
	if n.server != nil {
		n.server.Paused()
	}
}

// Resume ends a pause: n's runnable tasks may run again and the messages
// queued for it are delivered, in order of arrival.
func (w *World) Resume(n *Node) {
	if !n.paused {
		return
	}
	n.paused = false
	w.cancel(n.resumeTimer)
	n.resumeTimer = nil
	w.runnable = append(w.runnable, n.parked...)
	n.parked = nil
	w.trace(trFault, uint64(n.id), 0, "resume")
	w.emit(Event{Kind: EvResume, Node: n.name, Wall: n.WallNow()})
	held := n.held
	n.held = nil
	for _, h := range held {
		h.resend()
	}
	if n.server != nil {
		n.server.Resumed()
	}
	if n.crashed || n.paused {
		return // Resumed crashed or paused it again: the inbox waits or is gone
	}
	inbox := n.inbox
	n.inbox = nil
	for i, m := range inbox {
		if n.crashed || n.paused {
			// a delivery crashed or paused the node again: keep the rest.
			if n.paused {
				n.inbox = append(n.inbox, inbox[i:]...)
			}
			return
		}
		w.inFlight--
		w.trace(trDeliver, m.id, 0, "")
		m.receiver.receive()
	}
}
