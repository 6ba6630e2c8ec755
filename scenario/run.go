package scenario

import (
	"fmt"
	"strconv"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
	"github.com/locksim/locksim/sim/etcd"
	"github.com/locksim/locksim/sim/redis"
	"github.com/locksim/locksim/simlock"
)

// run is one simulation being built and executed.
type run struct {
	cfg  Config
	seed uint64
	w    *sim.World
	rec  *recorder
	inj  *injector

	storageNode *sim.Node
	store       *storage
	redis       []*redis.Node
	etcd        []*etcd.Server
	clients     []*client
	nodes       map[string]*sim.Node // by the schedule's node names
	process     *locks.Process       // mutex: the state of the one client process
	stopping    bool                 // the run has reached its duration
	custom      func(env locks.Env) (locks.Locker, error)
	servers     RedisBackend // nil: the locks use the World's Redis nodes
}

// build creates the world of cfg (already validated) for seed.
func build(cfg Config, seed uint64, opts ...sim.Option) *run {
	w := sim.NewWorld(seed, append([]sim.Option{simlock.WithFastPaths()}, opts...)...)
	r := &run{cfg: cfg, seed: seed, w: w, nodes: map[string]*sim.Node{}}
	r.rec = &recorder{w: w, sizeHint: historySizeHint(cfg)}

	if cfg.Topology().Etcd {
		r.addEtcd()
	} else {
		for i := 1; i <= cfg.Nodes; i++ {
			rn := redis.AddNode(w, faults.RedisNode(i), redis.PersistAlways)
			r.redis = append(r.redis, rn)
			r.nodes[rn.Name()] = rn.Node()
		}
	}
	r.store = newStorage(faults.Storage, cfg.fenced(), cfg.Workload, r.rec.observe)
	r.storageNode = w.AddService(faults.Storage, func(_ *sim.Node, req any) any {
		return r.store.handle(req.(storageRequest))
	})
	r.nodes[faults.Storage] = r.storageNode
	r.store.snapshot()

	for i := 1; i <= cfg.Clients; i++ {
		r.clients = append(r.clients, &client{id: i, r: r})
	}
	if cfg.Lock == "mutex" {
		// One process holds every client: that is what an in-memory mutex
		// can protect. A fault aimed at any client hits the process.
		n := w.AddNode("process")
		for _, c := range r.clients {
			c.node = n
			r.nodes[faults.ClientNode(c.id)] = n
		}
		n.OnStart(func(n *sim.Node) {
			r.process = nil
			for _, c := range r.clients {
				r.spawn(c)
			}
		})
	} else {
		for _, c := range r.clients {
			c := c
			c.node = w.AddNode(faults.ClientNode(c.id))
			r.nodes[c.node.Name()] = c.node
			c.node.OnStart(func(*sim.Node) { r.spawn(c) })
		}
	}

	w.OnEvent(r.observe)
	r.inj = newInjector(r, cfg.Faults)
	r.rec.watch = r.inj.watch
	return r
}

// spawn starts client c's program as a task of its node.
func (r *run) spawn(c *client) {
	r.w.Spawn(c.node, "client-"+strconv.Itoa(c.id), func(rt *sim.Runtime) {
		lock, err := r.newLock(c, rt)
		if err != nil {
			panic(fmt.Sprintf("scenario: validated config builds no lock: %v", err))
		}
		c.lock = lock
		c.main(rt)
	})
}

// newLock builds the run's lock for client c, as its process would.
func (r *run) newLock(c *client, rt *sim.Runtime) (locks.Locker, error) {
	env := locks.Env{Runtime: simlock.Runtime(rt), Options: r.cfg.lockOptions(), TTL: r.cfg.TTL.D()}
	switch like(r.cfg.Lock) {
	case "mutex":
		if r.process == nil {
			r.process = locks.NewProcess(env.Runtime)
		}
		env.Process = r.process
	case "redlock":
		for _, rn := range r.redis {
			env.Conns = append(env.Conns, r.conn(rt, c, rn))
		}
	case "etcd", "etcd-fenced":
		conns := make([]*sim.Conn, len(r.etcd))
		for i, m := range r.etcd {
			conns[i] = r.w.Connect(c.node, m.Node())
		}
		env.Etcd = simlock.Etcd(conns)
	default:
		env.Conns = []locks.Conn{r.conn(rt, c, r.redis[0])}
	}
	if r.custom != nil {
		return r.custom(env)
	}
	if e, ok := External(r.cfg.Lock); ok {
		return e.New(env, r.cfg)
	}
	return locks.New(r.cfg.Lock, env, env.Options)
}

// conn is client c's connection to Redis node rn: the World's, or the
// backend's when it runs the Redis nodes.
func (r *run) conn(rt *sim.Runtime, c *client, rn *redis.Node) locks.Conn {
	if r.servers != nil {
		return r.servers.RedisConn(rt, c.node, rn)
	}
	return rn.Conn(c.node)
}

// resolve maps schedule node names to the world's nodes, without
// duplicates (mutex clients share one node).
func (r *run) resolve(names []string) []*sim.Node {
	var out []*sim.Node
	for _, name := range names {
		n := r.nodes[name]
		dup := false
		for _, o := range out {
			dup = dup || o == n
		}
		if !dup {
			out = append(out, n)
		}
	}
	return out
}

// setPersistence sets what Redis node n keeps on its next restart.
func (r *run) setPersistence(n *sim.Node, p faults.Persistence) {
	for _, rn := range r.redis {
		if rn.Node() == n {
			mode, err := redis.ParsePersistence(string(p))
			if err != nil {
				panic(fmt.Sprintf("scenario: validated persistence does not parse: %v", err))
			}
			rn.SetPersistence(mode)
		}
	}
}

// observe turns what the simulator saw and no client could into history:
// lock keys expiring or vanishing on Redis nodes, and client crashes.
func (r *run) observe(e sim.Event) {
	switch e.Kind {
	case redis.EvExpire, redis.EvKeyLost:
		if e.Key != lockKey {
			return
		}
		op := histories.OpExpire
		if e.Kind == redis.EvKeyLost {
			op = histories.OpVanish
		}
		r.rec.observe(histories.Event{Op: op, Node: e.Node, Key: e.Key, Value: e.Value})
	case etcd.EvExpire:
		if v, ok := etcdLeaseValue(e); ok {
			r.rec.observe(histories.Event{Op: histories.OpExpire, Node: e.Node, Key: lockKey, Value: v})
		}
	case sim.EvCrash:
		for _, c := range r.clients {
			if c.node.Name() == e.Node {
				r.rec.observe(histories.Event{Op: histories.OpCrash, Process: c.id, Node: e.Node})
			}
		}
	}
}

// budgetSlice is how much simulated time runs between two checks of the
// budget: short enough that a run over budget stops soon after, long
// enough that the checks cost nothing. Stopping the world at a slice's end
// and resuming it changes nothing it does (the scheduler only stops where
// no task is runnable), so the trace is that of one uninterrupted run.
const budgetSlice = time.Second

// execute runs the world to end in slices, checking b after each; it
// returns why it stopped early ("" if it did not).
func (r *run) execute(end time.Duration, b Budget) string {
	for t := min(budgetSlice, end); ; t = min(t+budgetSlice, end) {
		r.w.Run(t)
		if why := b.exceeded(r); why != "" {
			return why
		}
		if t == end || r.w.Idle() {
			return ""
		}
	}
}

// budget is the budget of a run with o.
func (o Options) budget() Budget {
	if o.Budget != nil {
		return *o.Budget
	}
	return DefaultBudget
}
