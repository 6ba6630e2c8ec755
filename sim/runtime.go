package sim

import (
	"context"
	"math/rand/v2"
	"time"
)

// Runtime is the seam of a task: the node's clocks, scheduler-visible
// concurrency, the task's random source, and calls over the network. It
// has the methods of the seam of package locks (Now, Sleep, WithTimeout,
// Group, NewMutex, Rand), with Group and NewMutex returning this package's
// types, since sim knows no lock: package simlock adapts it to
// locks.Runtime. Its methods act for the task that calls them, so the
// functions of a Group may share their parent's Runtime.
type Runtime struct {
	w    *World
	node *Node
}

// World returns the World the Runtime belongs to.
func (rt *Runtime) World() *World { return rt.w }

// Node returns the node the Runtime's tasks run on.
func (rt *Runtime) Node() *Node { return rt.node }

// TaskName returns the name of the calling task.
func (rt *Runtime) TaskName() string { return rt.w.enter().name }

// Now returns the node's wall clock.
func (rt *Runtime) Now() time.Time {
	w := rt.w
	t := w.enter()
	w.seamAt(t, SeamNow)
	return t.node.WallNow()
}

// Mono returns the node's monotonic clock.
func (rt *Runtime) Mono() time.Duration {
	t := rt.w.enter()
	return t.node.MonoNow()
}

// Sleep waits d on the node's monotonic clock, or until ctx is done.
func (rt *Runtime) Sleep(ctx context.Context, d time.Duration) error {
	w := rt.w
	t := w.enter()
	w.seamAt(t, SeamSleep)
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if d < 0 {
		d = 0
	}
	t.prepare()
	w.pushLocal(t.node, t.node.MonoNow()+d, &t.sleep)
	if t.wait(ctx) != wakeTimer {
		w.cancel(&t.sleep)
		return ctx.Err()
	}
	return nil
}

// Yield lets the scheduler run another runnable task, if it picks one.
func (rt *Runtime) Yield() {
	w := rt.w
	t := w.enter()
	t.prepare()
	t.state = stBlocked
	w.wake(t, t.gen, wakeSignal)
	t.park()
}

// WithTimeout returns a child of ctx whose deadline fires after d on the
// node's monotonic clock.
func (rt *Runtime) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	t := rt.w.enter()
	return rt.w.withTimeout(t.node, ctx, d)
}

// WithCancel returns a cancellable child of ctx that the scheduler sees.
func (rt *Runtime) WithCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	rt.w.enter()
	return rt.w.withCancel(ctx)
}

// Rand returns the calling task's random source, seeded from the World's
// task stream when the task was spawned.
func (rt *Runtime) Rand() *rand.Rand { return rt.w.enter().rand() }

// Group returns a fan-out whose functions run as tasks of the node.
func (rt *Runtime) Group() *Group {
	rt.w.enter()
	g := &Group{w: rt.w}
	g.doneFn = g.done // once, not a method value per Go
	return g
}

// NewMutex returns a mutex whose waits the scheduler sees.
func (rt *Runtime) NewMutex() *Mutex {
	rt.w.enter()
	return &Mutex{w: rt.w}
}

// Go spawns f as a new task on the node of the calling task.
func (rt *Runtime) Go(name string, f func(rt *Runtime)) {
	t := rt.w.enter()
	rt.w.Spawn(t.node, name, f)
}

// Group is a fan-out of tasks whose waits the scheduler sees (the
// locks.Group of a simulated task).
type Group struct {
	w       *World
	doneFn  func()
	n       int
	seq     int
	waiters []waiter
}

// Go runs f as a new task on the caller's node.
func (g *Group) Go(f func()) {
	w := g.w
	t := w.enter()
	w.seamAt(t, SeamGo)
	g.n++
	g.seq++
	if t.goName == "" {
		t.goName = t.name + "/go"
	}
	w.spawn(t.node, t.goName, f, g.doneFn)
}

func (g *Group) done() {
	g.n--
	if g.n == 0 {
		for _, wt := range g.waiters {
			g.w.wake(wt.t, wt.gen, wakeSignal)
		}
		g.waiters = nil
	}
}

// Wait blocks until every function started with Go has returned.
func (g *Group) Wait() {
	t := g.w.enter()
	g.w.seamAt(t, SeamWait)
	if g.n == 0 {
		return
	}
	gen := t.prepare()
	g.waiters = append(g.waiters, waiter{t, gen})
	t.wait(context.Background())
}

// Mutex is a mutex of tasks with a FIFO queue of blocked tasks, whose
// waits the scheduler sees (the locks.Mutex of a simulated task).
type Mutex struct {
	w     *World
	held  bool
	queue []waiter
}

// Lock takes the mutex, or returns ctx.Err() once ctx is done.
func (m *Mutex) Lock(ctx context.Context) error {
	t := m.w.enter()
	m.w.seamAt(t, SeamMutexLock)
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !m.held {
		m.held = true
		return nil
	}
	gen := t.prepare()
	m.queue = append(m.queue, waiter{t, gen})
	if t.wait(ctx) == wakeSignal {
		return nil // ownership handed over by Unlock
	}
	return ctx.Err()
}

// Unlock releases the mutex, handing it to the first task still waiting.
func (m *Mutex) Unlock() {
	m.w.enter()
	if !m.held {
		panic("sim: unlock of unlocked mutex")
	}
	for len(m.queue) > 0 {
		wt := m.queue[0]
		m.queue[0] = waiter{}
		m.queue = m.queue[1:]
		if wt.live() && !wt.t.killed {
			m.w.wake(wt.t, wt.gen, wakeSignal)
			return
		}
	}
	m.held = false
}
