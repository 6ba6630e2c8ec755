package sim

import "time"

// The seam to foreign code: code that does not run as a task (a published
// client library, with its own goroutines, timers and sockets) but shares
// the World's time, its network and its server nodes. A backend (see
// DESIGN.md, backend/unmodified) owns the impure part: it runs the foreign
// goroutines, collects what they do and hands it to the World only at
// quiescent points, through the idle hook, in an order of its own that does
// not depend on goroutine timing. The kernel itself stays pure: it starts
// no goroutine for foreign code and never waits for it except in the hook.

// IdleHook is called by the scheduler when no task is runnable, before
// true time jumps. next is the time of the next timer, or, when ok is false,
// the end of the current Run (no timer before it). Wait may block (that is
// where foreign code runs on); it returns the true time to advance to, at
// least the World's now and at most next. Right after time has advanced,
// the scheduler calls Deliver, which may submit foreign work into the World
// (Conn.Submit, the resume functions of External) from the World's
// goroutine.
type IdleHook struct {
	Wait    func(next time.Duration, ok bool) time.Duration
	Deliver func()
}

// WithIdleHook installs h. Without one the World never waits and behaves,
// trace hash included, as it always has.
func WithIdleHook(h IdleHook) Option {
	return func(w *World) { w.idleHook = &h }
}

// runIdleHook runs the idle hook when no task is runnable; it reports whether the
// scheduling loop must look again (time advanced or work was delivered)
// rather than jump to the next timer.
func (w *World) runIdleHook() bool {
	next, ok := w.until, false
	if len(w.timers) > 0 && w.timers[0].at <= w.until {
		next, ok = w.timers[0].at, true
	}
	if next < w.now {
		next = w.now
	}
	at := w.idleHook.Wait(next, ok)
	if at < w.now || at > next {
		panic("sim: idle hook returned a time outside [now, next]")
	}
	if at != w.now {
		w.steps = 0
	}
	w.now = at
	before := w.tr.n
	w.idleHook.Deliver()
	delivered := w.tr.n != before || len(w.runnable) > 0 || len(w.dying) > 0
	if !ok && at == next && !delivered {
		return false // the end of the Run: the loop returns
	}
	return at < next || delivered
}

// External blocks the calling task while foreign code works for it. start
// runs at once, on the task's goroutine, holding the baton: it must start
// the foreign work (on goroutines of its own) and return without waiting.
// When the work is over, the backend calls resume, from its idle hook's
// Deliver only, never from a foreign goroutine; the task then becomes
// runnable again. While it waits, the task counts as blocked on foreign work:
// the World is not idle. A crash of the task's node does not interrupt the
// wait (the foreign work may still hold the task's memory): the task unwinds
// once resumed. resume may be called once; later calls do nothing.
func (rt *Runtime) External(start func(resume func())) {
	w := rt.w
	t := w.enter()
	gen := t.prepare()
	w.external++
	t.foreign = true
	w.trace(trExternal, t.id, 0, "")
	done := false
	start(func() {
		if done {
			return
		}
		done = true
		w.external--
		t.foreign = false
		w.trace(trResume, t.id, 0, "")
		if t.killed {
			if t.gen == gen && t.state == stBlocked {
				t.state = stDying
				w.dying = append(w.dying, t)
			}
			return
		}
		w.wake(t, gen, wakeSignal)
	})
	t.state = stBlocked
	t.park()
}

// Externals returns the number of tasks waiting in External.
func (w *World) Externals() int { return w.external }

// Report hands e to the World's event observers (OnEvent) as if the World
// had seen it, at the World's current time: for a backend whose servers
// run outside the World (backend/live reports a real server's key
// expiries). Call it from the World's goroutine (an idle hook's Deliver).
func (w *World) Report(e Event) { w.emit(e) }
