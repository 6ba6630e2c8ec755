package sim

import (
	"fmt"
	"time"
)

// The baton: exactly one goroutine touches the World at a time, either the
// one that called Run (or Crash, Close from outside Run) or a task. The
// holder runs the scheduling loop (next) itself when it gives the baton up,
// and passes it straight to the task picked, or back to the Run goroutine:
// one channel operation per switch, none when a task is picked again.

// foreignWait is a task blocked on a context that is not a sim context; the
// scheduler polls its Done channel at every step.
type foreignWait struct {
	waiter
	done <-chan struct{}
}

// Run runs the World until true elapsed time until, or until nothing is
// left to do (no runnable task, no timer). Runnable tasks run in an order
// drawn from the scheduler's stream; time advances only when none is
// runnable. Run must be called from outside the World's tasks; a panic of a
// task is re-raised.
func (w *World) Run(until time.Duration) {
	if w.closed {
		return
	}
	if w.running || w.current != nil {
		panic("sim: Run called from inside the World")
	}
	w.running = true
	defer func() { w.running = false }()
	w.until = until
	w.drive()
}

// drive hands the baton to the tasks picked by next until next says stop,
// then returns on the calling (non-task) goroutine.
func (w *World) drive() {
	if t := w.next(); t != nil {
		w.handTo(t)
		<-w.mainCh
	}
	w.current = nil
	if p := w.panicked; p != nil {
		w.panicked = nil
		panic(p)
	}
}

// RunFor runs the World for d more of true time.
func (w *World) RunFor(d time.Duration) { w.Run(w.now + d) }

// Idle reports whether nothing is left to do: no runnable task, no timer.
func (w *World) Idle() bool {
	return len(w.runnable) == 0 && len(w.dying) == 0 && len(w.timers) == 0 && w.external == 0
}

// next runs scheduling steps (firing timers, advancing time) until it picks
// a task to run, or returns nil when the baton must go back to the Run
// goroutine.
func (w *World) next() *task {
	w.current = nil
	for {
		w.poll()
		if w.panicked != nil {
			return nil
		}
		if n := len(w.dying); n > 0 {
			t := w.dying[n-1]
			w.dying[n-1] = nil
			w.dying = w.dying[:n-1]
			return t
		}
		if !w.running {
			return nil // unwinding only
		}
		if n := len(w.runnable); n > 0 {
			i := 0
			if n > 1 {
				i = w.sched.IntN(n)
			}
			if w.pickHook != nil {
				i = w.pickHook(w.runnable, i)
			}
			t := w.runnable[i]
			w.runnable[i] = w.runnable[n-1]
			w.runnable[n-1] = nil
			w.runnable = w.runnable[:n-1]
			w.stats.Picks++
			w.trace(trPick, t.id, uint64(n), "")
			if w.steps++; w.steps > maxStepsPerInstant {
				w.panicked = fmt.Sprintf("sim: %d scheduling steps at %v without time advancing: a livelock", w.steps, w.now)
				w.runnable = append(w.runnable, t)
				return nil
			}
			return t
		}
		if w.idleHook != nil && (w.external > 0 || len(w.timers) > 0) {
			if w.runIdleHook() {
				continue
			}
			if len(w.timers) == 0 || w.timers[0].at > w.until {
				return nil // the hook brought time to until
			}
		}
		if len(w.timers) == 0 || w.timers[0].at > w.until {
			if w.until > w.now && len(w.timers) > 0 {
				w.now = w.until
			}
			return nil
		}
		tm := w.timers.pop()
		if tm.at != w.now {
			w.steps = 0
		}
		w.now = tm.at
		w.stats.Timers++
		w.trace(trTimer, tm.seq, 0, "")
		tm.target.fire()
	}
}

// handTo gives the baton to t, or to the Run goroutine if t is nil. The
// caller must not touch the World afterwards.
func (w *World) handTo(t *task) {
	if t == nil {
		w.current = nil
		w.mainCh <- struct{}{}
		return
	}
	if t.state != stDying {
		t.state = stRunning
	}
	w.current = t
	if !t.started {
		t.start()
	}
	w.stats.Switches++
	t.resume <- struct{}{}
}

// poll wakes tasks blocked on foreign contexts that are done, and cancels
// sim contexts whose foreign parent is done.
func (w *World) poll() {
	if len(w.foreign) > 0 {
		keep := w.foreign[:0]
		for _, f := range w.foreign {
			if !f.live() {
				continue
			}
			select {
			case <-f.done:
				w.wake(f.t, f.gen, wakeCtx)
			default:
				keep = append(keep, f)
			}
		}
		clear(w.foreign[len(keep):])
		w.foreign = keep
	}
	if len(w.foreignCtx) > 0 {
		keep := w.foreignCtx[:0]
		for _, c := range w.foreignCtx {
			if c.err != nil {
				continue
			}
			select {
			case <-c.parent.Done():
				c.cancel(c.parent.Err())
			default:
				keep = append(keep, c)
			}
		}
		clear(w.foreignCtx[len(keep):])
		w.foreignCtx = keep
	}
}

// unwind lets the killed tasks unwind now when called from outside the
// World (a test or Close); inside it, the scheduling loop does it next.
func (w *World) unwind() {
	if w.running || w.current != nil || len(w.dying) == 0 {
		return
	}
	w.drive()
}

// Close unwinds every task still alive, as if every node crashed, without
// reporting anything, and drops every timer. A closed World does nothing.
// Call it from outside Run.
func (w *World) Close() {
	if w.closed {
		return
	}
	w.closing = true // tasks in External unwind too: nothing will resume them
	for _, n := range w.nodes {
		w.killTasks(n)
	}
	w.unwind()
	w.closed = true
	w.stopIdle()
	w.timers = nil
	w.runnable = nil
	w.foreign = nil
	w.foreignCtx = nil
	for _, n := range w.nodes {
		n.inbox = nil
		n.parked = nil
		n.localTimers = nil
	}
}
