package sim

import (
	"context"
	"time"
)

// simCtx is a context whose deadline fires in virtual time, on the
// monotonic clock of the node that made it. Its Done channel is closed by
// the scheduler; tasks blocked in seam calls on it are woken directly.
type simCtx struct {
	w        *World
	parent   context.Context
	deadline time.Time
	hasDl    bool
	done     chan struct{}
	err      error
	tm       timer // the deadline, if scheduled
	children []*simCtx
	after    []*afterFunc
	waiters  []waiter
	wbuf     [8]waiter // waiters' first backing array: a redlock round's tasks
}

type afterFunc struct {
	f       func()
	stopped bool
}

type simCtxKey struct{}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// newSimCtx returns a child of parent, registered for its cancellation.
func newSimCtx(w *World, parent context.Context) *simCtx {
	if parent == nil {
		parent = context.Background()
	}
	c := &simCtx{w: w, parent: parent}
	c.tm.idx = -1
	if d, ok := parent.Deadline(); ok {
		c.deadline, c.hasDl = d, true
	}
	if p, ok := parent.(*simCtx); ok {
		if p.err != nil {
			c.err = p.err
			return c
		}
		if len(p.children) >= 16 {
			keep := p.children[:0]
			for _, ch := range p.children {
				if ch.err == nil {
					keep = append(keep, ch)
				}
			}
			clear(p.children[len(keep):])
			p.children = keep
		}
		p.children = append(p.children, c)
		return c
	}
	if d := parent.Done(); d != nil {
		select {
		case <-d:
			c.err = parent.Err()
		default:
			w.foreignCtx = append(w.foreignCtx, c)
		}
	}
	return c
}

// Deadline returns the deadline on the wall clock of the node that set it,
// as read when it was set.
func (c *simCtx) Deadline() (time.Time, bool) { return c.deadline, c.hasDl }

// Done returns a channel closed when the context is cancelled.
func (c *simCtx) Done() <-chan struct{} {
	if c.done == nil {
		if c.err != nil {
			return closedChan
		}
		c.done = make(chan struct{})
	}
	return c.done
}

// Err returns nil, context.Canceled or context.DeadlineExceeded.
func (c *simCtx) Err() error { return c.err }

// Value returns the parent's value for key.
func (c *simCtx) Value(key any) any {
	if key == (simCtxKey{}) {
		return c
	}
	return c.parent.Value(key)
}

// AfterFunc makes context.WithCancel and friends propagate the
// cancellation of a sim context synchronously, without a goroutine.
func (c *simCtx) AfterFunc(f func()) func() bool {
	a := &afterFunc{f: f}
	if c.err != nil {
		f()
		return func() bool { return false }
	}
	c.after = append(c.after, a)
	return func() bool {
		if a.stopped || c.err != nil {
			return false
		}
		a.stopped = true
		return true
	}
}

// fire is the deadline.
func (c *simCtx) fire() { c.cancel(context.DeadlineExceeded) }

func (c *simCtx) String() string { return "sim.context" }

func (c *simCtx) addWaiter(wt waiter) {
	if len(c.waiters) >= 16 {
		keep := c.waiters[:0]
		for _, x := range c.waiters {
			if x.live() {
				keep = append(keep, x)
			}
		}
		clear(c.waiters[len(keep):])
		c.waiters = keep
	}
	if c.waiters == nil {
		c.waiters = c.wbuf[:0]
	}
	c.waiters = append(c.waiters, wt)
}

// cancel cancels c and its descendants with err, and wakes their waiters.
func (c *simCtx) cancel(err error) {
	if c.err != nil {
		return
	}
	c.err = err
	if c.done != nil {
		close(c.done)
	}
	c.w.cancel(&c.tm)
	for _, wt := range c.waiters {
		c.w.wake(wt.t, wt.gen, wakeCtx)
	}
	c.waiters = nil
	for _, ch := range c.children {
		ch.cancel(err)
	}
	c.children = nil
	for _, a := range c.after {
		if !a.stopped {
			a.stopped = true
			a.f()
		}
	}
	c.after = nil
}

// withTimeout returns a child of parent cancelled once n's monotonic clock
// has advanced by d.
func (w *World) withTimeout(n *Node, parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	c := newSimCtx(w, parent)
	dl := n.WallNow().Add(d)
	if !c.hasDl || dl.Before(c.deadline) {
		c.deadline, c.hasDl = dl, true
	}
	if c.err == nil {
		if d <= 0 {
			c.cancel(context.DeadlineExceeded)
		} else {
			c.tm.target = c
			w.pushLocal(n, n.MonoNow()+d, &c.tm)
		}
	}
	return c, func() {
		if t := w.current; t != nil && t.killed {
			panic(errCrashed)
		}
		c.cancel(context.Canceled)
	}
}

// withCancel returns a cancellable child of parent.
func (w *World) withCancel(parent context.Context) (context.Context, context.CancelFunc) {
	c := newSimCtx(w, parent)
	return c, func() {
		if t := w.current; t != nil && t.killed {
			panic(errCrashed)
		}
		c.cancel(context.Canceled)
	}
}
