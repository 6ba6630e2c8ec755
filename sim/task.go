package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
)

type taskState uint8

const (
	stNew      taskState = iota // spawned, goroutine not started
	stRunnable                  // in World.runnable or Node.parked
	stRunning                   // holds the baton
	stBlocked                   // waiting in a seam call
	stDying                     // killed, waiting to unwind
	stDone
)

type wakeReason uint8

const (
	wakeNone wakeReason = iota
	wakeTimer
	wakeCtx
	wakeReply
	wakeSignal
)

// crashed is the panic value that unwinds a task of a crashed node.
type crashed struct{}

var errCrashed = &crashed{}

// task is a goroutine that runs only while it holds the baton.
type task struct {
	w      *World
	id     uint64
	name   string
	node   *Node
	fn     func()
	exit   func()     // on normal return, not on a kill
	rng    *rand.Rand // made on first use (Runtime.Rand) from seed
	seed   [2]uint64  // drawn from the World's task stream at the spawn
	goName string     // name+"/go", the name of its Group tasks, once built
	resume chan struct{}

	state   taskState
	killed  bool
	started bool
	foreign bool // waiting in External
	nodeIdx int

	gen    uint64
	reason wakeReason
	calls  int   // seam calls since the task last blocked
	sleep  timer // the timer of Sleep, embedded to save an allocation
}

// rand returns the task's random source, seeded at its spawn: making it
// lazily changes no draw, as the seed was taken from the task stream then.
func (t *task) rand() *rand.Rand {
	if t.rng == nil {
		t.rng = rand.New(rand.NewPCG(t.seed[0], t.seed[1]))
	}
	return t.rng
}

// fire ends a Sleep.
func (t *task) fire() { t.w.wake(t, t.gen, wakeTimer) }

// waiter names one blocking of a task; a wake for an older one is ignored.
type waiter struct {
	t   *task
	gen uint64
}

func (wt waiter) live() bool { return wt.t.gen == wt.gen && wt.t.state == stBlocked }

// Spawn starts a task named name on node n, running f with a Runtime of n.
// It does nothing on a crashed node or a closed World.
func (w *World) Spawn(n *Node, name string, f func(rt *Runtime)) {
	rt := &Runtime{w: w, node: n}
	w.spawn(n, name, func() { f(rt) }, nil)
}

func (w *World) spawn(n *Node, name string, fn func(), exit func()) *task {
	if n.crashed || w.closed {
		return nil
	}
	w.taskSeq++
	var t *task
	var gen uint64
	if k := len(w.freeTasks); k > 0 {
		t = w.freeTasks[k-1]
		w.freeTasks[k-1] = nil
		w.freeTasks = w.freeTasks[:k-1]
		gen = t.gen // kept: a stale wake names an older generation
	} else {
		t = new(task)
	}
	*t = task{
		w: w, id: w.taskSeq, name: name, node: n, fn: fn, exit: exit,
		seed:    [2]uint64{w.taskRand.Uint64(), w.taskRand.Uint64()},
		nodeIdx: len(n.tasks),
		gen:     gen,
	}
	t.sleep.idx = -1
	t.sleep.target = t
	n.tasks = append(n.tasks, t)
	w.trace(trSpawn, t.id, uint64(n.id), name)
	w.makeRunnable(t)
	return t
}

func (w *World) makeRunnable(t *task) {
	if t.state != stNew {
		t.state = stRunnable
	}
	if t.node.paused {
		t.node.parked = append(t.node.parked, t)
	} else {
		w.runnable = append(w.runnable, t)
	}
}

// prepare starts a blocking of the calling task and returns its generation,
// for the wake sources to name it.
func (t *task) prepare() uint64 {
	t.gen++
	t.reason = wakeNone
	return t.gen
}

// wait blocks the task until a wake for its current generation, or until
// ctx is done, and returns why it woke.
func (t *task) wait(ctx context.Context) wakeReason {
	w := t.w
	if ctx != nil && ctx != context.Background() {
		if c, ok := ctx.(*simCtx); ok {
			c.addWaiter(waiter{t, t.gen})
		} else if d := ctx.Done(); d != nil {
			w.foreign = append(w.foreign, foreignWait{waiter{t, t.gen}, d})
		}
	}
	t.state = stBlocked
	t.park()
	return t.reason
}

// park gives up the baton: the task runs the scheduling loop itself and
// hands the baton to the task picked, unless that is itself; it returns once
// it holds the baton again.
func (t *task) park() {
	w := t.w
	t.calls = 0
	if next := w.next(); next != t {
		w.handTo(next)
		<-t.resume
	} else {
		if t.state != stDying {
			t.state = stRunning
		}
		w.current = t
	}
	if t.killed {
		panic(errCrashed)
	}
}

// wake makes a blocked task runnable, if it still waits in blocking gen.
func (w *World) wake(t *task, gen uint64, r wakeReason) {
	if t.gen != gen || t.state != stBlocked {
		return
	}
	t.reason = r
	w.makeRunnable(t)
}

// start gives the task a goroutine, an idle one of the World's if there is
// one (see worker); it waits for its first baton.
func (t *task) start() {
	t.started = true
	w := t.w
	var wk *worker
	if n := len(w.idle); n > 0 {
		wk = w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
	} else {
		wk = &worker{w: w, resume: make(chan struct{})}
		go wk.loop()
	}
	wk.t = t
	t.resume = wk.resume
}

// worker is a goroutine that runs tasks, one after the other: when its task
// ends it waits, idle, for the World to start another on it. A fresh
// goroutine per task would cost its creation and, above all, the growth of
// its stack from the minimum, every time (redlock fans out a task per node
// per round). Which goroutine runs a task is invisible to the simulation.
type worker struct {
	w      *World
	t      *task // the task to run next; nil: exit (Close)
	resume chan struct{}
}

// maxIdleWorkers bounds the idle goroutines a World keeps.
const maxIdleWorkers = 256

func (wk *worker) loop() {
	w := wk.w
	done := false
	defer func() {
		if !done {
			// runtime.Goexit in a task (t.FailNow in a test): the
			// goroutine ends holding the baton, which must go on.
			w.handTo(w.next())
		}
	}()
	<-wk.resume
	for {
		t := wk.t
		if t == nil {
			done = true
			return
		}
		wk.t = nil
		t.main()
		// t has exited and this goroutine holds the baton.
		next := w.next()
		if next != nil && !next.started && !w.closed {
			// a new task: run it here, as handTo would hand it over.
			if next.state != stDying {
				next.state = stRunning
			}
			w.current = next
			next.started = true
			next.resume = wk.resume
			wk.t = next
			w.stats.Switches++
			continue
		}
		if w.closed || len(w.idle) >= maxIdleWorkers {
			done = true
			w.handTo(next)
			return
		}
		// next is nil or started, so handTo does not start a task on
		// this goroutine, which is not waiting yet.
		w.idle = append(w.idle, wk)
		w.handTo(next)
		<-wk.resume
	}
}

// stopIdle ends the idle goroutines (Close).
func (w *World) stopIdle() {
	for _, wk := range w.idle {
		wk.t = nil
		wk.resume <- struct{}{}
	}
	w.idle = nil
}

// main runs the task's function on its first baton and returns holding the
// baton, the task exited.
func (t *task) main() {
	w := t.w
	defer func() {
		r := recover()
		if r != nil && r != errCrashed {
			w.panicked = fmt.Sprintf("sim: task %s on node %s panicked: %v\n%s", t.name, t.node.name, r, debug.Stack())
		}
		w.taskExit(t)
	}()
	if !t.killed {
		t.fn()
	}
}

// taskExit is the bookkeeping of a task that returned or unwound.
func (w *World) taskExit(t *task) {
	t.state = stDone
	n := t.node
	last := len(n.tasks) - 1
	if i := t.nodeIdx; i <= last && n.tasks[i] == t {
		n.tasks[i] = n.tasks[last]
		n.tasks[i].nodeIdx = i
		n.tasks[last] = nil
		n.tasks = n.tasks[:last]
	}
	if !t.killed {
		w.trace(trExit, t.id, 0, "")
		if t.exit != nil {
			t.exit()
		}
		if t.sleep.idx < 0 && !t.sleep.inLocal && len(w.freeTasks) < maxFreeTasks {
			// Nothing will use t again but a stale waiter, which its
			// generation voids (wake and live compare it), so a later
			// spawn may reuse it. A task whose Sleep timer is still
			// scheduled (killed) or listed by its node (it slept) is
			// not reused.
			w.freeTasks = append(w.freeTasks, t)
		}
	}
}

// maxFreeTasks bounds the ended tasks a World keeps for reuse.
const maxFreeTasks = 256

// killTasks marks every task of n killed and queues it to unwind.
func (w *World) killTasks(n *Node) {
	if len(n.tasks) == 0 {
		return
	}
	tasks := append([]*task(nil), n.tasks...)
	for _, t := range tasks {
		t.killed = true
		switch t.state {
		case stNew:
			w.taskExit(t)
		case stBlocked:
			if t.foreign && !w.closing {
				continue // unwinds when External resumes it
			}
			t.state = stDying
			if t.started {
				w.dying = append(w.dying, t)
			} else {
				w.taskExit(t)
			}
		case stRunnable:
			t.state = stDying
			if t.started {
				w.dying = append(w.dying, t)
			} else {
				w.taskExit(t)
			}
		}
	}
	keep := w.runnable[:0]
	for _, t := range w.runnable {
		if !t.killed {
			keep = append(keep, t)
		}
	}
	clear(w.runnable[len(keep):])
	w.runnable = keep
	n.parked = nil
}

// enter is the first step of every seam call: it returns the calling task,
// unwinds it if its node crashed, and holds it until its node resumes if the
// node was paused while it ran (a pause stops a task at its next seam call,
// so a holder paused right after its acquire returned sends nothing more).
func (w *World) enter() *task {
	t := w.current
	if t == nil {
		panic("sim: seam call outside a task (from the scheduler or another goroutine)")
	}
	if t.killed || t.node.paused {
		w.holdIfStopped(t) // out of line: the common case is two loads
	}
	if t.calls++; t.calls > maxCallsWithoutBlocking {
		panic(fmt.Sprintf("sim: task %s on node %s made %d seam calls without blocking: a livelock (a retry loop on an expired context?)", t.name, t.node.name, t.calls))
	}
	return t
}

// holdIfStopped unwinds t if its node crashed, and holds it until its node
// resumes if the node is paused.
func (w *World) holdIfStopped(t *task) {
	if t.killed {
		panic(errCrashed)
	}
	if t.node.paused {
		t.prepare()
		t.state = stBlocked
		w.wake(t, t.gen, wakeSignal) // parks it with its node
		t.park()
	}
}

// maxCallsWithoutBlocking bounds the seam calls a task makes between two
// blockings, to turn a livelock into a panic.
const maxCallsWithoutBlocking = 10_000_000

// maxStepsPerInstant bounds the scheduling steps at one virtual instant, to
// turn a livelock (say, Sleep(0) forever) into a panic.
const maxStepsPerInstant = 10_000_000
