package live

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/internal/realredis"
	"github.com/locksim/locksim/internal/respproxy"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/scenario"
	"github.com/locksim/locksim/sim"
)

// state is one run's real side: its servers, the proxies and go-redis
// clients between each client node and each server, and the inbox through
// which finished Redis calls reach the World.
type state struct {
	w       *sim.World
	servers []*server            // redis-1 first
	pairs   map[[2]string]*pair  // (client node, Redis node) names
	nodes   map[string]*sim.Node // the World's nodes by name, once known
	begin   time.Time            // real time at the World's true time 0
	began   bool

	mu     sync.Mutex
	inbox  []func()    // resume functions of finished calls
	events []sim.Event // what the watchers saw, for the World's observers
	notify chan struct{}
	calls  sync.WaitGroup
	err    error // the first failure of a real fault
}

// server is one real redis-server and the simulated node state last
// mirrored onto it.
type server struct {
	name    string
	s       *realredis.Server
	inc     uint64
	paused  bool
	rate    float64
	watcher *watcher
}

// pair is one client node's way to one server.
type pair struct {
	proxy  *respproxy.Proxy
	client *redis.Client
	conn   locks.Conn
	link   respproxy.Link
}

// start starts cfg's servers in dir, and the proxies and clients to them.
func start(cfg scenario.Config, dir string, o Options) (st *state, err error) {
	st = &state{pairs: map[[2]string]*pair{}, notify: make(chan struct{}, 1)}
	defer func() {
		if err != nil {
			_ = st.close()
		}
	}()
	mode, err := persistence(cfg)
	if err != nil {
		return nil, err
	}
	var shim string
	if needsShim(cfg) {
		if shim, err = realredis.BuildShim(dir); err != nil {
			return nil, fmt.Errorf("live: %w", err)
		}
	}
	for i := 1; i <= cfg.Nodes; i++ {
		name := faults.RedisNode(i)
		sdir := filepath.Join(dir, name)
		if err := os.MkdirAll(sdir, 0o700); err != nil {
			return nil, fmt.Errorf("live: make %s: %w", sdir, err)
		}
		s, err := realredis.Start(sdir, realredis.Config{Persistence: mode, Shim: shim, Binary: o.Binary})
		if err != nil {
			return nil, fmt.Errorf("live: start %s: %w", name, err)
		}
		track(s)
		srv := &server{name: name, s: s}
		st.servers = append(st.servers, srv)
		if err := st.watch(srv); err != nil {
			return nil, fmt.Errorf("live: watch %s's keyspace: %w", name, err)
		}
		for c := 1; c <= cfg.Clients; c++ {
			p, err := respproxy.New(s.Addr())
			if err != nil {
				return nil, err
			}
			rc := redis.NewClient(&redis.Options{
				Addr: p.Addr(), MaxRetries: -1, ContextTimeoutEnabled: true,
				DialTimeout: time.Second, PoolSize: 4, ReadTimeout: readTimeout(o.ReadTimeout),
			})
			st.pairs[[2]string{faults.ClientNode(c), name}] = &pair{proxy: p, client: rc, conn: locks.NewRedisConn(rc)}
			// A warm connection, as a running process has: go-redis's
			// handshake (HELLO) on a first command would otherwise pass
			// through the run's first faults, which the simulator's
			// connections, without a handshake, never meet.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err = rc.Ping(ctx).Err()
			cancel()
			if err != nil {
				return nil, fmt.Errorf("live: warm client-%d's connection to %s: %w", c, name, err)
			}
		}
	}
	return st, nil
}

// close ends the run's real side: clients, then calls in flight, then
// proxies, then servers, each server stopped by its PID.
func (st *state) close() error {
	for _, p := range st.pairs {
		_ = p.client.Close()
	}
	st.calls.Wait()
	for _, p := range st.pairs {
		_ = p.proxy.Close()
	}
	var errs []error
	for _, s := range st.servers {
		if s.watcher != nil {
			s.watcher.close()
		}
		untrack(s.s)
		if err := s.s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("live: stop %s: %w", s.name, err))
		}
	}
	st.mu.Lock()
	errs = append(errs, st.err)
	st.mu.Unlock()
	return errors.Join(errs...)
}

// fail records the first failure of a real fault.
func (st *state) fail(err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.err == nil {
		st.err = err
	}
}

// put hands a finished call's resume to the World; from any goroutine.
func (st *state) put(resume func()) {
	st.mu.Lock()
	st.inbox = append(st.inbox, resume)
	st.mu.Unlock()
	select {
	case st.notify <- struct{}{}:
	default:
	}
}

// report hands an event a watcher saw to the World; from any goroutine.
func (st *state) report(e sim.Event) {
	st.mu.Lock()
	st.events = append(st.events, e)
	st.mu.Unlock()
	select {
	case st.notify <- struct{}{}:
	default:
	}
}

func (st *state) ready() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.inbox) > 0 || len(st.events) > 0
}

// elapsed is the real time since the World's true time 0.
func (st *state) elapsed() time.Duration { return time.Since(st.begin) }

// hook is the World's idle hook: the World's time is real time.
func (st *state) hook() sim.IdleHook {
	return sim.IdleHook{Wait: st.wait, Deliver: st.deliver}
}

// wait sleeps until the World's next timer or a finished call, and
// returns the real time reached (never past next: a World that fell
// behind catches up timer by timer).
func (st *state) wait(next time.Duration, _ bool) time.Duration {
	if !st.began {
		st.begin, st.began = time.Now().Add(-st.w.Elapsed()), true
	}
	st.mirror()
	for {
		select {
		case <-st.notify:
		default:
		}
		now := st.elapsed()
		if st.ready() || now >= next {
			return max(st.w.Elapsed(), min(now, next))
		}
		t := time.NewTimer(next - now)
		select {
		case <-st.notify:
		case <-t.C:
		}
		t.Stop()
	}
}

// deliver reports what the watchers saw, then resumes the tasks whose
// calls have finished: an expiry that a call's reply raced with is
// recorded before the reply.
func (st *state) deliver() {
	st.mu.Lock()
	now, events := st.inbox, st.events
	st.inbox, st.events = nil, nil
	st.mu.Unlock()
	for _, e := range events {
		if n := st.nodes[e.Node]; n != nil {
			e.Wall = n.WallNow()
		}
		st.w.Report(e)
	}
	for _, resume := range now {
		resume()
	}
}

// readTimeout is go-redis's ReadTimeout for d (Options.ReadTimeout): -1
// disables it.
func readTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}
