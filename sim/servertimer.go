package sim

import "time"

// Timer is a timer of a server model on its node's monotonic clock: it
// fires a function when the clock reaches a deadline, following the
// node's drift changes, and never before (a wall-clock step does not move
// it). A crash of the node cancels it. The zero Timer is stopped; embed
// one in what it fires for to save an allocation per arming.
//
// A Timer fires on the scheduler, between tasks, whether or not the node
// is paused (its clocks run on during a pause; see Server.Paused).
type Timer struct {
	t  timer
	fn func()
}

// fire runs the timer's function.
func (tm *Timer) fire() { tm.fn() }

// SetTimer arms tm to call f once n's monotonic clock (Node.MonoNow)
// reads at least mono (at once, on the scheduler, if it already does),
// replacing any earlier arming of tm. It does nothing on a crashed node.
// A Timer must stay with the node it was first armed on.
func (n *Node) SetTimer(tm *Timer, mono time.Duration, f func()) {
	if n.crashed {
		return
	}
	w := n.w
	if tm.t.target == nil {
		tm.t.idx = -1
		tm.t.target = tm
		tm.t.server = true
	} else {
		w.cancel(&tm.t)
	}
	tm.fn = f
	w.pushLocal(n, mono, &tm.t)
}

// Stop cancels tm if it is pending, and reports whether it was.
func (tm *Timer) Stop() bool {
	if !tm.Pending() {
		return false
	}
	tm.t.node.w.cancel(&tm.t)
	return true
}

// Pending reports whether tm is armed and has not fired or been cancelled.
func (tm *Timer) Pending() bool {
	n := tm.t.node
	if n == nil || tm.t.idx < 0 {
		return false
	}
	h := n.w.timers
	return tm.t.idx < len(h) && h[tm.t.idx] == &tm.t
}

// Deadline returns the monotonic reading tm was last armed for.
func (tm *Timer) Deadline() time.Duration { return tm.t.mono }

// cancelServerTimers cancels the pending Timers of a crashed node.
func (w *World) cancelServerTimers(n *Node) {
	for _, t := range n.localTimers {
		if t.server {
			w.cancel(t)
		}
	}
}
