package unmodified

import (
	"cmp"
	"github.com/locksim/locksim/sim/redis"
	"slices"
	"sync"
	"testing/synctest"
	"time"

	"github.com/locksim/locksim/sim"
)

// hub is the meeting point of one run's World and the foreign goroutines
// of the libraries under test, inside one synctest bubble. Foreign
// goroutines only ever put items into its inbox; the World takes them out
// in its idle hook, after synctest.Wait has let every foreign goroutine
// settle, and in the order of their keys, never of their arrival. That is
// the whole determinism argument: the World sees foreign activity only at
// quiescent points of the bubble, and in a sorted order, so goroutine
// scheduling cannot reorder what reaches the simulated wire.
//
// The bubble's fake clock is the World's true time: the World's time is
// time.Since(start) in the bubble. The World blocks (and the bubble's
// clock can move) only in the hook's Wait, which never waits past the
// World's next timer; while the World runs, its goroutine is never durably
// blocked, so the bubble's clock stands still.
type hub struct {
	start time.Time // the bubble's time at the World's true time 0
	w     *sim.World

	mu      sync.Mutex
	inbox   []item
	notify  chan struct{} // capacity 1: something entered the inbox
	closed  bool
	conns   []*conn
	dials   map[[2]int]int // (client node, Redis node) -> dials so far
	calls   map[int]int    // client node -> External calls so far; the World's goroutine only
	clients []closer       // go-redis clients to close at the end

	reorder func([]item) // test hook: perturbs the sorted delivery order
}

type closer interface{ Close() error }

// item is one thing a foreign goroutine did that the World must see: a
// command written on a connection, or an External call that returned.
type item struct {
	key    itemKey
	conn   *conn    // a command: its connection
	args   []string // a command: its arguments
	resume func()   // an External call that returned
	from   *sim.Node
}

// itemKey orders the items of one quiescent point: by client node, then
// by Redis node (0 for an External), then by connection (the n-th dial of
// that client to that node), then by sequence on the connection (or the
// External's sequence on the client).
type itemKey struct{ client, node, conn, seq int }

func compareKeys(a, b itemKey) int {
	return cmp.Or(cmp.Compare(a.client, b.client), cmp.Compare(a.node, b.node), cmp.Compare(a.conn, b.conn), cmp.Compare(a.seq, b.seq))
}

func newHub() *hub {
	return &hub{start: time.Now(), notify: make(chan struct{}, 1), dials: map[[2]int]int{}, calls: map[int]int{}}
}

// put adds an item from a foreign goroutine; after close it is dropped.
func (h *hub) put(it item) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.inbox = append(h.inbox, it)
	select {
	case h.notify <- struct{}{}:
	default:
	}
}

// elapsed is the bubble's time as the World's true time.
func (h *hub) elapsed() time.Duration { return time.Since(h.start) }

// hook is the World's idle hook.
func (h *hub) hook() sim.IdleHook {
	return sim.IdleHook{Wait: h.wait, Deliver: h.deliver}
}

// wait blocks until a foreign goroutine has done something for the World,
// or until the World's next timer, and returns the time reached.
func (h *hub) wait(next time.Duration, _ bool) time.Duration {
	synctest.Wait() // every foreign goroutine settled: the inbox is final for now
	h.failConns()
	for {
		select {
		case <-h.notify: // a stale token: ready says whether it still matters
		default:
		}
		if now := h.elapsed(); h.ready() || now >= next {
			return min(now, next)
		}
		t := time.NewTimer(next - h.elapsed())
		select {
		case <-h.notify:
		case <-t.C:
		}
		t.Stop()
		synctest.Wait() // whatever woke at this instant has settled too
		h.failConns()
	}
}

// ready reports whether the inbox holds an item the World can take now:
// a paused client's commands wait for it to resume.
func (h *hub) ready() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, it := range h.inbox {
		if it.resume != nil || !it.from.Paused() {
			return true
		}
	}
	return false
}

// deliver hands the World, sorted, every item it can take now.
func (h *hub) deliver() {
	h.mu.Lock()
	var now, keep []item
	for _, it := range h.inbox {
		if it.resume == nil && it.from.Paused() {
			keep = append(keep, it)
		} else {
			now = append(now, it)
		}
	}
	h.inbox = keep
	h.mu.Unlock()
	slices.SortFunc(now, func(a, b item) int { return compareKeys(a.key, b.key) })
	if h.reorder != nil {
		h.reorder(now)
	}
	for _, it := range now {
		if it.resume != nil {
			it.resume()
			continue
		}
		c := it.conn
		if c.from.Crashed() || c.from.Incarnation() != c.inc {
			continue // a crashed process sends nothing
		}
		c.sc.Submit(it.args, c.reply)
	}
}

// failConns closes the connections of client processes that crashed since
// they dialled: the library's calls on them fail at once, as on a dead
// process's sockets, and the External calls return.
func (h *hub) failConns() {
	h.mu.Lock()
	var dead []*conn
	for _, c := range h.conns {
		if c.from.Crashed() || c.from.Incarnation() != c.inc {
			dead = append(dead, c)
		}
	}
	h.mu.Unlock()
	for _, c := range dead {
		_ = c.Close()
	}
	if len(dead) > 0 {
		synctest.Wait()
	}
}

// dial opens the n-th connection of client from to Redis node rn.
func (h *hub) dial(from *sim.Node, rn *redis.Node) (*conn, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errClosed // (a crashed client's connections fail in failConns)
	}
	k := [2]int{from.ID(), rn.Node().ID()}
	h.dials[k]++
	c := &conn{
		h: h, sc: rn.Conn(from), from: from, inc: from.Incarnation(),
		key:      itemKey{client: from.ID(), node: rn.Node().ID(), conn: h.dials[k]},
		readable: make(chan struct{}, 1), done: make(chan struct{}),
	}
	h.conns = append(h.conns, c)
	return c, nil
}

// close ends the run's foreign side: every connection fails and every
// go-redis client closes, so that the foreign goroutines end (the bubble
// waits for them).
func (h *hub) close() {
	h.mu.Lock()
	h.closed = true
	h.inbox = nil
	conns, clients := h.conns, h.clients
	h.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	for _, c := range clients {
		_ = c.Close()
	}
}
