package live

import (
	"context"
	"fmt"
	"time"

	"github.com/locksim/locksim/internal/respproxy"
	"github.com/locksim/locksim/sim"
)

// stepSlack is how far a real clock may be from its simulated node's
// before mirror steps it: the World's time trails real time by the time
// its tasks take to run, during which a drifting clock gains a little.
const stepSlack = 10 * time.Millisecond

// mirror makes the real servers and proxies what the World's Redis nodes
// and links are now: crashed, restarted, paused, their clocks, and the
// links between each client and each node. It runs on the World's
// goroutine (in the idle hook, or in a task before a command).
func (st *state) mirror() {
	w := st.w
	if st.nodes == nil {
		st.nodes = map[string]*sim.Node{}
		for _, n := range w.Nodes() {
			st.nodes[n.Name()] = n
		}
	}
	for _, srv := range st.servers {
		n := st.nodes[srv.name]
		if n == nil {
			continue
		}
		st.mirrorProcess(srv, n)
		st.mirrorClock(srv, n)
	}
	for key, p := range st.pairs {
		c, n := st.nodes[key[0]], st.nodes[key[1]]
		if c == nil || n == nil {
			continue
		}
		l := respproxy.Link{Requests: direction(w, c, n), Replies: direction(w, n, c)}
		if l != p.link {
			p.link = l
			p.proxy.SetLink(l)
		}
	}
}

// direction is what the World's network does to messages from a to b,
// its latency included: loopback's own (tens of microseconds) is far below
// the simulated link's, and a fault timed against a reply in flight must
// meet it in flight live too.
func direction(w *sim.World, a, b *sim.Node) respproxy.Direction {
	p, q := w.Loss(a, b), w.GlobalLoss()
	lat := w.Latency(a, b)
	return respproxy.Direction{Cut: !w.Reachable(a, b), Loss: p + q - p*q, Delay: lat.Base + w.ExtraDelay(a, b), Jitter: lat.Jitter}
}

// mirrorProcess kills, restarts, stops and continues srv as n is.
func (st *state) mirrorProcess(srv *server, n *sim.Node) {
	running := srv.s.PID() != 0
	if running && (n.Crashed() || n.Incarnation() != srv.inc) {
		if err := srv.s.Kill(); err != nil {
			st.fail(fmt.Errorf("live: kill -9 %s: %w", srv.name, err))
		}
		track(srv.s) // its PID is gone
		running, srv.paused = false, false
	}
	if !running && !n.Crashed() {
		if err := srv.s.Restart(); err != nil {
			st.fail(fmt.Errorf("live: restart %s: %w", srv.name, err))
			return
		}
		track(srv.s)
		if err := configure(context.Background(), srv.watcher.direct); err != nil {
			st.fail(fmt.Errorf("live: keyspace notifications of %s after its restart: %w", srv.name, err))
		}
		running = true
	}
	srv.inc = n.Incarnation()
	if !running || n.Paused() == srv.paused {
		return
	}
	var err error
	if n.Paused() {
		err = srv.s.Pause()
	} else {
		err = srv.s.Resume()
	}
	if err != nil {
		st.fail(fmt.Errorf("live: pause or resume %s: %w", srv.name, err))
		return
	}
	srv.paused = n.Paused()
}

// mirrorClock gives srv's wall clock n's drift and steps.
func (st *state) mirrorClock(srv *server, n *sim.Node) {
	clock := srv.s.Clock()
	if clock == nil {
		return
	}
	if n.Drift() != srv.rate {
		clock.SetRate(n.Drift())
		srv.rate = n.Drift()
	}
	want := n.WallNow().Sub(sim.Epoch) - st.w.Elapsed()
	if d := want - clock.Offset(); d > stepSlack || d < -stepSlack {
		clock.Step(d)
	}
}
