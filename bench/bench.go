package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/locksim/locksim/locks"
)

// Defaults of Config.
const (
	DefaultClients  = 8
	DefaultDuration = 2 * time.Second
	DefaultRounds   = 3
	// DefaultGrace bounds how long a row may run past its Duration: a cycle
	// still running then fails (and counts as an error).
	DefaultGrace = 10 * time.Second
)

// DefaultLocks are the locks Run measures by default, in table order.
var DefaultLocks = []string{"mutex", "setnx", "lua", "fenced", "redlock", "etcd"}

// SyncMutex is the name of the reference row Run adds after mutex: a bare
// sync.Mutex, what the source's "Mutex (In-Memory)" most likely timed.
// locksim's mutex lock goes through the runtime seam (a channel-based
// Mutex, a process-wide guard taken four times a cycle, a random 128-bit
// lease value), so it costs more.
const SyncMutex = "sync.Mutex"

// DefaultRedlockNodes are the server counts of the redlock rows.
var DefaultRedlockNodes = []int{3, 5}

// maxClients bounds Config.Clients: beyond it the load generator, not the
// lock, is what a row measures.
const maxClients = 1024

// warmup is the number of unmeasured cycles each client runs before a row's
// clock starts (connections dialled, scripts cached, code paths warm).
const warmup = 20

// Config says what Run measures. Zero fields take the defaults.
type Config struct {
	// Addrs are the redis-server addresses (host:port): setnx, lua and
	// fenced use Addrs[0], redlock the first 3 and the first 5. Required
	// unless Locks is only mutex and etcd locks.
	Addrs []string
	// Etcd are the client endpoints (host:port) of one etcd cluster, for
	// the etcd and etcd-fenced rows; without them those rows are skipped.
	Etcd []string
	// Locks are the locks to measure, in table order (default
	// DefaultLocks); redlock gives one row per RedlockNodes entry, and
	// mutex is followed by the SyncMutex reference row.
	Locks []string
	// Clients is the number of concurrent clients per row (default 8).
	Clients int
	// Duration is how long each row runs (default 2s), in Rounds equal
	// slices (default 3): the rows take turns, round after round.
	Duration time.Duration
	Rounds   int
	// TTL is the TTL of lua and fenced, the expiry of redlock (default:
	// the lock's own, 8s) and the session TTL of the etcd locks (a whole
	// number of seconds; default 60s).
	TTL time.Duration
	// Contended makes all the clients of a row lock one key; by default
	// each client locks its own.
	Contended bool
	// RedlockNodes are the server counts of the redlock rows (default 3
	// and 5).
	RedlockNodes []int
}

// Row is the measurement of one lock on a number of nodes.
type Row struct {
	// Lock is the lock's name (locks.Names, locks.EtcdNames); Nodes the
	// number of Redis servers it used (0 for mutex), or for an etcd lock
	// the number of etcd endpoints.
	Lock  string `json:"lock"`
	Nodes int    `json:"nodes"`
	// Clients is the number of concurrent clients.
	Clients int `json:"clients"`
	// Skipped, when not empty, says why the row was not measured; the
	// fields below are then zero.
	Skipped string `json:"skipped,omitempty"`
	// Cycles is the number of completed acquire+release cycles, Errors
	// the number of cycles whose Lock or Unlock failed (FirstError is the
	// first such error).
	Cycles     int    `json:"cycles"`
	Errors     int    `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
	// Elapsed is the row's measured wall time: over its rounds, from the
	// start of the measured cycles until the last client stopped.
	Elapsed time.Duration `json:"elapsed_ns"`
	// OpsPerSec is Cycles per second of Elapsed; MinOpsPerSec and
	// MaxOpsPerSec are the slowest and fastest of its Rounds, a measure of
	// the machine's noise.
	OpsPerSec    float64 `json:"ops_per_sec"`
	MinOpsPerSec float64 `json:"min_ops_per_sec"`
	MaxOpsPerSec float64 `json:"max_ops_per_sec"`
	Rounds       int     `json:"rounds"`
	// P50 and P99 are the latency of one completed acquire+release cycle
	// (nearest rank, to within 1%, never understated).
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	// Contended reports that the clients shared one key.
	Contended bool `json:"contended"`
}

// Label is the row's lock with its node count where there is a choice
// ("redlock/5").
func (r Row) Label() string {
	if r.Lock == "redlock" {
		return r.Lock + "/" + strconv.Itoa(r.Nodes)
	}
	return r.Lock
}

// ConfigError is a Config Run cannot use; Field names the Config field.
type ConfigError struct {
	Field string
	Msg   string
}

func (e *ConfigError) Error() string { return "bench: " + e.Field + ": " + e.Msg }

// ServerError is a server of Config.Addrs (Kind "redis-server") or
// Config.Etcd (Kind "etcd") that does not answer.
type ServerError struct {
	Kind string
	Addr string
	Err  error
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("bench: %s %s does not answer: %v", e.kind(), e.Addr, e.Err)
}

func (e *ServerError) kind() string {
	if e.Kind == "" {
		return "redis-server"
	}
	return e.Kind
}

func (e *ServerError) Unwrap() error { return e.Err }

func badConfig(field, format string, args ...any) error {
	return &ConfigError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// check validates c and fills in its defaults.
func (c Config) check() (Config, error) {
	if c.Clients == 0 {
		c.Clients = DefaultClients
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if len(c.Locks) == 0 {
		c.Locks = DefaultLocks
	}
	if len(c.RedlockNodes) == 0 {
		c.RedlockNodes = DefaultRedlockNodes
	}
	if c.Rounds == 0 {
		c.Rounds = DefaultRounds
	}
	switch {
	case c.Clients < 1 || c.Clients > maxClients:
		return c, badConfig("Clients", "is %d, want 1..%d", c.Clients, maxClients)
	case c.Duration < 0:
		return c, badConfig("Duration", "is %v, want a positive duration", c.Duration)
	case c.Rounds < 1 || c.Rounds > 100:
		return c, badConfig("Rounds", "is %d, want 1..100", c.Rounds)
	case c.Duration/time.Duration(c.Rounds) < time.Millisecond:
		return c, badConfig("Duration", "is %v, want at least 1ms per round (%d rounds)", c.Duration, c.Rounds)
	case c.TTL < 0:
		return c, badConfig("TTL", "is %v, want a positive duration (0: the lock's default)", c.TTL)
	}
	redis := false
	for i, l := range c.Locks {
		isEtcd := slices.Contains(locks.EtcdNames(), l)
		if !slices.Contains(locks.Names(), l) && !isEtcd {
			return c, badConfig("Locks", "unknown lock %q (want some of %s)", l, strings.Join(append(slices.Clone(DefaultLocks), "etcd-fenced"), ", "))
		}
		if slices.Contains(c.Locks[:i], l) {
			return c, badConfig("Locks", "%q is listed twice", l)
		}
		if isEtcd && c.TTL != 0 && (c.TTL < time.Second || c.TTL%time.Second != 0) {
			return c, badConfig("TTL", "is %v, but %s needs a whole number of seconds, at least 1s", c.TTL, l)
		}
		redis = redis || (l != "mutex" && !isEtcd)
	}
	for _, n := range c.RedlockNodes {
		if n < 1 {
			return c, badConfig("RedlockNodes", "has %d, want at least 1 node", n)
		}
	}
	if redis && len(c.Addrs) == 0 {
		return c, badConfig("Addrs", "is empty, but every lock but mutex needs a redis-server")
	}
	for i, a := range c.Addrs {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			return c, badConfig("Addrs", "%q (address %d) is not host:port", a, i+1)
		}
		if slices.Contains(c.Addrs[:i], a) {
			return c, badConfig("Addrs", "%q is listed twice (redlock needs independent servers)", a)
		}
	}
	for i, a := range c.Etcd {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			return c, badConfig("Etcd", "%q (endpoint %d) is not host:port", a, i+1)
		}
	}
	return c, nil
}

// rowSpec is a row to run: a lock on the first nodes servers.
type rowSpec struct {
	lock  string
	nodes int
	skip  string
	etcd  bool // an etcd lock: nodes counts etcd endpoints, not Redis servers
}

func (c Config) specs() []rowSpec {
	var out []rowSpec
	for _, l := range c.Locks {
		switch l {
		case "mutex":
			out = append(out, rowSpec{lock: l}, rowSpec{lock: SyncMutex})
		case "redlock":
			for _, n := range c.RedlockNodes {
				s := rowSpec{lock: l, nodes: n}
				if n > len(c.Addrs) {
					s.skip = fmt.Sprintf("skipped: needs %d servers, %d given", n, len(c.Addrs))
				}
				out = append(out, s)
			}
		case "etcd", "etcd-fenced":
			s := rowSpec{lock: l, nodes: len(c.Etcd), etcd: true}
			if len(c.Etcd) == 0 {
				s.nodes, s.skip = 1, "skipped: no etcd endpoint given"
			}
			out = append(out, s)
		default:
			out = append(out, rowSpec{lock: l, nodes: 1})
		}
	}
	return out
}

// Run measures the rows cfg selects, taking turns in Config.Rounds rounds,
// and returns them in table order. It fails when cfg is bad (a
// *ConfigError naming the field), when a server it needs does not answer
// (a *ServerError), or when ctx is done; failures of single cycles are
// counted in Row.Errors instead. Its keys are deleted however it ends.
func Run(ctx context.Context, cfg Config) ([]Row, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	specs := cfg.specs()
	need, etcdRows := 0, false
	for _, s := range specs {
		switch {
		case s.skip != "":
		case s.etcd:
			etcdRows = true
		default:
			need = max(need, s.nodes)
		}
	}
	var ecli *clientv3.Client
	if etcdRows {
		if ecli, err = dialEtcd(ctx, cfg.Etcd); err != nil {
			return nil, err
		}
		defer func() { _ = ecli.Close() }()
	}
	clients := make([]*redis.Client, need)
	defer func() {
		for _, c := range clients {
			if c != nil {
				_ = c.Close()
			}
		}
	}()
	conns := make([]locks.Conn, need)
	for i := range need {
		// Dial first: a refused connection is then one clear error, not
		// go-redis's retries and pool log lines.
		d := net.Dialer{Timeout: 2 * time.Second}
		nc, err := d.DialContext(ctx, "tcp", cfg.Addrs[i])
		if err != nil {
			return nil, &ServerError{Addr: cfg.Addrs[i], Err: err}
		}
		_ = nc.Close()
		clients[i] = redis.NewClient(&redis.Options{
			Addr:     cfg.Addrs[i],
			PoolSize: max(cfg.Clients+2, 10),
		})
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err = clients[i].Ping(pctx).Err()
		cancel()
		if err != nil {
			return nil, &ServerError{Addr: cfg.Addrs[i], Err: err}
		}
		conns[i] = locks.NewRedisConn(clients[i])
	}
	prefix := fmt.Sprintf("locksim:bench:%08x:", rand.Uint32())
	rows := make([]Row, len(specs))
	var live []*rowRun
	for k, s := range specs {
		rows[k] = Row{Lock: s.lock, Nodes: s.nodes, Clients: cfg.Clients, Contended: cfg.Contended, Skipped: s.skip}
		if s.skip != "" {
			continue
		}
		var rr *rowRun
		var err error
		if s.etcd {
			rr, err = newEtcdRowRun(ctx, cfg, s, prefix+s.lock+":", ecli)
		} else {
			rr, err = newRowRun(ctx, cfg, s, prefix+s.lock+":"+strconv.Itoa(s.nodes)+":", clients[:s.nodes], conns[:s.nodes])
		}
		if err != nil {
			return nil, err
		}
		rr.row = &rows[k]
		live = append(live, rr)
	}
	// A failed or cancelled Run still deletes what its rows wrote.
	finished := false
	defer func() {
		if !finished {
			for _, rr := range live {
				_ = rr.cleanup(context.WithoutCancel(ctx))
			}
		}
	}()
	// Rounds go over every row in turn, so that a change of the machine's
	// load during the run spreads over all rows instead of skewing the
	// ratios between them. Each round starts at the next row, and each
	// measurement with a collected heap, so that no row always follows the
	// same one or pays for the garbage of the one before (mutex allocates).
	slice := cfg.Duration / time.Duration(cfg.Rounds)
	for round := range cfg.Rounds {
		for k := range live {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			runtime.GC()
			live[(round+k)%len(live)].measure(ctx, slice, round == 0)
		}
	}
	finished = true
	for _, rr := range live {
		rr.finish()
		if err := rr.cleanup(ctx); err != nil {
			return nil, err
		}
	}
	return rows, ctx.Err()
}

// rowKeys are the keys of a row's clients, and every key they write.
func rowKeys(cfg Config, s rowSpec, prefix string) (keys, written []string) {
	for i := range cfg.Clients {
		k := prefix + strconv.Itoa(i)
		if cfg.Contended {
			k = prefix + "shared"
		}
		keys = append(keys, k)
		if i == 0 || !cfg.Contended {
			written = append(written, k)
			if s.lock == "fenced" {
				written = append(written, k+":token")
			}
		}
	}
	return keys, written
}

// cleanup deletes keys on every server.
func cleanup(ctx context.Context, clients []*redis.Client, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	for _, c := range clients {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := c.Del(dctx, keys...).Err()
		cancel()
		if err != nil {
			return fmt.Errorf("bench: deleting the keys of a row on %s: %w", c.Options().Addr, err)
		}
	}
	return nil
}

// tally is one client's measurement.
type tally struct {
	hist     *histogram
	errors   int
	firstErr error
}

// rowRun is a row being measured over its rounds.
type rowRun struct {
	row     *Row
	lockers []locks.Locker
	clients []*redis.Client
	written []string
	etcd    *clientv3.Client // an etcd row's client, with its prefix
	prefix  string
	hist    *histogram
	first   error
}

// cleanup deletes what the row wrote: its Redis keys, or its etcd
// sessions and keys.
func (rr *rowRun) cleanup(ctx context.Context) error {
	if rr.etcd != nil {
		return etcdCleanup(ctx, rr.etcd, rr.prefix, rr.lockers)
	}
	return cleanup(ctx, rr.clients, rr.written)
}

// newRowRun deletes the keys of row s and builds its locks.
func newRowRun(ctx context.Context, cfg Config, s rowSpec, prefix string, clients []*redis.Client, conns []locks.Conn) (*rowRun, error) {
	keys, written := rowKeys(cfg, s, prefix)
	if err := cleanup(ctx, clients, written); err != nil {
		return nil, err
	}
	lockers, err := buildLockers(cfg, s, keys, conns)
	if err != nil {
		return nil, err
	}
	return &rowRun{lockers: lockers, clients: clients, written: written, hist: newHistogram()}, nil
}

// measure runs one round of d: after warm-up cycles (when warm is set),
// every client starts at once and runs cycles until d has passed; the
// measured cycles run under a context that bounds a round that hangs.
func (rr *rowRun) measure(ctx context.Context, d time.Duration, warm bool) {
	n := len(rr.lockers)
	wctx, wcancel := context.WithTimeout(ctx, DefaultGrace)
	defer wcancel()
	tallies := make([]tally, n)
	var (
		ready, done sync.WaitGroup
		start       = make(chan struct{})
		t0          time.Time
		rctx        context.Context
	)
	ready.Add(n)
	for i, l := range rr.lockers {
		done.Go(func() {
			t := &tallies[i]
			if warm {
				for range warmup {
					_ = cycle(wctx, l)
				}
			}
			t.hist = newHistogram()
			ready.Done()
			<-start
			deadline := t0.Add(d)
			for rctx.Err() == nil {
				begin := time.Now()
				if !begin.Before(deadline) {
					return
				}
				if err := cycle(rctx, l); err != nil {
					t.note(err)
					continue
				}
				t.hist.record(time.Since(begin))
			}
		})
	}
	ready.Wait()
	wcancel()
	t0 = time.Now()
	rctx, cancel := context.WithDeadline(ctx, t0.Add(d+DefaultGrace))
	defer cancel()
	close(start)
	done.Wait()
	elapsed := time.Since(t0)

	r := rr.row
	var cycles uint64
	for _, t := range tallies {
		cycles += t.hist.n
		rr.hist.merge(t.hist)
		r.Errors += t.errors
		if rr.first == nil {
			rr.first = t.firstErr
		}
	}
	r.Elapsed += elapsed
	ops := float64(cycles) / elapsed.Seconds()
	if r.Rounds == 0 || ops < r.MinOpsPerSec {
		r.MinOpsPerSec = ops
	}
	r.MaxOpsPerSec = max(r.MaxOpsPerSec, ops)
	r.Rounds++
}

// finish computes the row's figures from its rounds.
func (rr *rowRun) finish() {
	r := rr.row
	r.Cycles = int(rr.hist.n)
	if r.Elapsed > 0 {
		r.OpsPerSec = float64(r.Cycles) / r.Elapsed.Seconds()
	}
	r.P50, r.P99 = rr.hist.quantile(0.50), rr.hist.quantile(0.99)
	if rr.first != nil {
		r.FirstError = rr.first.Error()
	}
}

// buildLockers makes one lock per client, on keys.
func buildLockers(cfg Config, s rowSpec, keys []string, conns []locks.Conn) ([]locks.Locker, error) {
	lockers := make([]locks.Locker, cfg.Clients)
	if s.lock == SyncMutex {
		shared := &syncLocker{}
		for i := range lockers {
			lockers[i] = shared
			if !cfg.Contended {
				lockers[i] = &syncLocker{}
			}
		}
		return lockers, nil
	}
	rt := locks.Real()
	env := locks.Env{Runtime: rt}
	if s.lock == "mutex" {
		env.Process = locks.NewProcess(rt)
	} else {
		env.Conns = conns
	}
	for i := range lockers {
		o := locks.Options{Key: keys[i]}
		if s.lock == "lua" || s.lock == "fenced" || s.lock == "redlock" {
			o.TTL = cfg.TTL
		}
		l, err := locks.New(s.lock, env, o)
		if err != nil {
			return nil, fmt.Errorf("bench: building %s: %w", s.lock, err)
		}
		lockers[i] = l
	}
	return lockers, nil
}

// note counts a failed cycle.
func (t *tally) note(err error) {
	t.errors++
	if t.firstErr == nil {
		t.firstErr = err
	}
}

// cycle is one acquire+release.
func cycle(ctx context.Context, l locks.Locker) error {
	lease, err := l.Lock(ctx)
	if err != nil {
		return err
	}
	if err := l.Unlock(ctx, lease); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	return nil
}

// syncLocker is the SyncMutex reference: a sync.Mutex as a locks.Locker.
type syncLocker struct{ mu sync.Mutex }

func (l *syncLocker) Lock(context.Context) (locks.Lease, error) {
	l.mu.Lock()
	return locks.Lease{}, nil
}

func (l *syncLocker) Unlock(context.Context, locks.Lease) error {
	l.mu.Unlock()
	return nil
}
