package sim

import "time"

// timer is an entry of the World's timer heap, ordered by (at, seq). It is
// often embedded in what it fires for (a message, a context, a task), to
// save allocations; an embedded timer must start with idx -1.
type timer struct {
	at      time.Duration // true elapsed time at which it fires
	seq     uint64
	idx     int // position in the heap, -1 when not scheduled
	target  firer
	node    *Node         // non-nil for a timer on the node's monotonic clock
	mono    time.Duration // the monotonic deadline of a node timer
	inLocal bool          // listed in node.localTimers
	server  bool          // a server model's Timer, cancelled by a crash
}

// firer is what a timer fires.
type firer interface{ fire() }

// funcFirer adapts a function to a firer.
type funcFirer func()

func (f funcFirer) fire() { f() }

// timerHeap is a binary min-heap of timers.
type timerHeap []*timer

func (h timerHeap) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}

func (h timerHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h timerHeap) down(i int) bool {
	i0 := i
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h.less(r, l) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

func (h *timerHeap) push(t *timer) {
	t.idx = len(*h)
	*h = append(*h, t)
	h.up(t.idx)
}

func (h *timerHeap) pop() *timer {
	old := *h
	n := len(old) - 1
	old.swap(0, n)
	t := old[n]
	old[n] = nil
	*h = old[:n]
	if n > 0 {
		(*h).down(0)
	}
	t.idx = -1
	return t
}

func (h *timerHeap) remove(t *timer) {
	i := t.idx
	if i < 0 || i >= len(*h) || (*h)[i] != t {
		return
	}
	old := *h
	n := len(old) - 1
	if i != n {
		old.swap(i, n)
	}
	old[n] = nil
	*h = old[:n]
	if i != n {
		if !(*h).down(i) {
			(*h).up(i)
		}
	}
	t.idx = -1
}

func (h timerHeap) fix(t *timer) {
	if !h.down(t.idx) {
		h.up(t.idx)
	}
}

// schedule arranges for fn to run on the scheduler at true elapsed time at.
func (w *World) schedule(at time.Duration, fn func()) *timer {
	t := &timer{target: funcFirer(fn)}
	w.push(t, at)
	return t
}

// push schedules t (not scheduled) to fire at true elapsed time at.
func (w *World) push(t *timer, at time.Duration) {
	if at < w.now {
		at = w.now
	}
	w.seq++
	t.at = at
	t.seq = w.seq
	w.timers.push(t)
}

// pushLocal schedules t (not scheduled) to fire once n's monotonic clock
// reads mono. The timer follows later drift changes of n.
func (w *World) pushLocal(n *Node, mono time.Duration, t *timer) {
	w.push(t, n.clock.trueAt(w.now, mono))
	t.node = n
	t.mono = mono
	if t.inLocal {
		return
	}
	if len(n.localTimers) >= n.compactAt {
		n.compactLocal()
		n.compactAt = 2*len(n.localTimers) + 64
	}
	t.inLocal = true
	n.localTimers = append(n.localTimers, t)
}

// compactLocal forgets n's timers that fired or were cancelled.
func (n *Node) compactLocal() {
	live := n.localTimers[:0]
	for _, t := range n.localTimers {
		if t.idx >= 0 {
			live = append(live, t)
		} else {
			t.inLocal = false
		}
	}
	for i := len(live); i < len(n.localTimers); i++ {
		n.localTimers[i] = nil
	}
	n.localTimers = live
}

// cancel removes t from the heap if it is still scheduled.
func (w *World) cancel(t *timer) {
	if t != nil {
		w.timers.remove(t)
	}
}

// rescheduleLocal recomputes the true firing times of n's timers after a
// drift change, and forgets the ones that fired or were cancelled.
func (w *World) rescheduleLocal(n *Node) {
	n.compactLocal()
	for _, t := range n.localTimers {
		t.at = n.clock.trueAt(w.now, t.mono)
		w.timers.fix(t)
	}
}
