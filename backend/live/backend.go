package live

import (
	"errors"
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"os"
	"strings"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/internal/realredis"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/scenario"
	"github.com/locksim/locksim/sim"
)

// TraceHash is the trace hash a live run reports: its World's hash would
// suggest a replay that real processes cannot give.
const TraceHash = "live: not reproducible from a seed"

// Options tune where and how the servers run.
type Options struct {
	// Dir receives one directory per server (AOF, log, clock file); empty:
	// a temporary directory, removed when the run ends.
	Dir string
	// Binary is the redis-server to run; empty: redis-server on the PATH.
	Binary string
	// ReadTimeout bounds each go-redis read on top of the command's
	// context; 0: none, as the simulator's connections, which only the
	// context bounds. go-redis's own default is 3s: with it, a reply held
	// longer (slow-reply) fails the command instead of arriving late.
	ReadTimeout time.Duration
}

// Backend runs one config's runs against real servers, one run at a time.
// It implements scenario.RedisBackend.
type Backend struct {
	cfg  scenario.Config
	opts Options
	st   *state // the running run's, between Execute's start and end
}

var _ scenario.RedisBackend = (*Backend)(nil)

// New returns a backend for runs of cfg (the config passed to
// scenario.Run with it: its servers are started before the World is).
func New(cfg scenario.Config, opts Options) *Backend {
	return &Backend{cfg: cfg.WithDefaults(), opts: opts}
}

// Refuse names the first thing of cfg a live run cannot do.
func (b *Backend) Refuse(cfg scenario.Config) error {
	if _, ok := scenario.External(cfg.Lock); ok {
		return fmt.Errorf("lock %s is a published library, which runs on the unmodified backend, not live", cfg.Lock)
	}
	if locks.IsEtcd(cfg.Lock) {
		return fmt.Errorf("lock %s runs on etcd, and the live backend runs redis-servers only (the etcd locks meet a real etcd-server in their integration tests, and the simulated etcd meets it in sim/etcd's differential test)", cfg.Lock)
	}
	if cfg.Nodes != b.cfg.Nodes || cfg.Clients != b.cfg.Clients {
		return fmt.Errorf("the live backend was built for %d Redis nodes and %d clients, not %d and %d", b.cfg.Nodes, b.cfg.Clients, cfg.Nodes, cfg.Clients)
	}
	for i, f := range cfg.Faults.Faults {
		if f.When != nil && (f.When.Seam == faults.SeamDoSent || f.When.Seam == faults.SeamDoReplied) {
			return fmt.Errorf("faults[%d]: a %s triggered at a %s seam call cannot be given live: a command to a real server is a go-redis call, not a simulated send and reply (trigger it at a history event, a time, or another seam)", i, f.Kind, f.When.Seam)
		}
		if f.Kind == faults.Crash && f.Host {
			return fmt.Errorf("faults[%d]: a host crash cannot be done live: a process killed on this machine keeps what the kernel holds, and one process's page cache cannot be dropped", i)
		}
	}
	_, err := persistence(cfg)
	return err
}

// persistence is the one persistence of the crashes and restarts of
// cfg's Redis nodes (none if none crashes): a live server's is fixed when
// it starts.
func persistence(cfg scenario.Config) (realredis.Persistence, error) {
	var mode faults.Persistence
	for i, f := range cfg.Faults.Faults {
		if f.Kind != faults.Crash && f.Kind != faults.Restart {
			continue
		}
		if !hitsRedis(cfg, f.Node) {
			continue
		}
		if mode != "" && f.Mode() != mode {
			return "", fmt.Errorf("faults[%d]: persistence %s differs from an earlier crash's %s, and a live server's persistence is fixed when it starts", i, f.Mode(), mode)
		}
		mode = f.Mode()
	}
	if mode == "" {
		return realredis.None, nil
	}
	return realredis.Persistence(mode), nil
}

// hitsRedis reports whether the node pattern names a Redis node.
func hitsRedis(cfg scenario.Config, pattern string) bool {
	if pattern == "" {
		return false
	}
	names, err := cfg.Topology().Expand([]string{pattern}, faults.ClientNode(1))
	if err != nil {
		return false
	}
	for _, n := range names {
		if strings.HasPrefix(n, "redis-") {
			return true
		}
	}
	return false
}

// needsShim reports whether a clock fault of cfg lands on a Redis node.
func needsShim(cfg scenario.Config) bool {
	for _, f := range cfg.Faults.Faults {
		if (f.Kind == faults.ClockStep || f.Kind == faults.ClockDrift) && hitsRedis(cfg, f.Node) {
			return true
		}
	}
	return false
}

// Execute starts the servers and proxies, runs the World in real time
// beside them, and stops every process it started by its PID, also when
// the run panics.
func (b *Backend) Execute(run func(opts ...sim.Option)) (err error) {
	dir, cleanup := b.opts.Dir, func() {}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "locksim-live-"); err != nil {
			return fmt.Errorf("live: make a directory for the servers: %w", err)
		}
		cleanup = func() { _ = os.RemoveAll(dir) }
	}
	defer cleanup()
	st, err := start(b.cfg, dir, b.opts)
	if err != nil {
		return err
	}
	b.st = st
	defer func() {
		b.st = nil
		if cerr := st.close(); err == nil {
			err = cerr
		}
	}()
	run(sim.WithIdleHook(st.hook()), func(w *sim.World) { st.w = w })
	return nil
}

// RedisConn returns client from's connection to real server rn, through
// that pair's proxy.
func (b *Backend) RedisConn(rt *sim.Runtime, from *sim.Node, rn *redis.Node) locks.Conn {
	if b.st == nil {
		panic(errors.New("live: RedisConn outside Execute"))
	}
	return b.st.conn(rt, from, rn)
}
