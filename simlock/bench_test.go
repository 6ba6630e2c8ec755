package simlock

import (
	"context"
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"testing"
	"time"

	"github.com/locksim/locksim/internal/cputime"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// scriptModes are the two ways a Redis node runs the locks' scripts: the
// fast paths registered and used, or registered and not used.
var scriptModes = []struct {
	name string
	opts []sim.Option
}{{"fast", []sim.Option{WithFastPaths()}}, {"interpreted", []sim.Option{WithFastPaths(), redis.WithInterpretedScripts()}}}

// BenchmarkEvalRoundTrip is one EVAL of the lua acquire script through a
// sim Conn (send, execution, reply, task wakeup), key held (PX 1h).
func BenchmarkEvalRoundTrip(b *testing.B) {
	body := diffScripts(b)[locks.ScriptLuaAcquire]
	for _, mode := range scriptModes {
		b.Run(mode.name, func(b *testing.B) {
			w := sim.NewWorld(1, mode.opts...)
			defer w.Close()
			rn := redis.AddNode(w, "r", redis.PersistNone)
			c := w.AddNode("c")
			conn := rn.Conn(c)
			w.Spawn(c, "client", func(rt *sim.Runtime) {
				ctx := context.Background()
				for i := 0; i < b.N; i++ {
					_, _ = conn.Do(ctx, "EVAL", body, 1, "lock", "v", 3600000)
				}
			})
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cputime.Used()
			w.Run(1 << 62)
			b.StopTimer()
			cputime.ReportPerOp(b, c0, uint64(b.N), "op")
		})
	}
}

// BenchmarkLuaLockWorkload is issue 6's "5-client lua lock workload on one
// node": 5 clients run the lua lock of package locks (TTL 8s, default
// backoff) through the seam against one Redis node, each looping Lock,
// a critical section of 0-20ms, Unlock, a pause of 0-10ms, for 10 virtual
// seconds per World. It reports simulated Redis commands and lock cycles
// (Lock+Unlock) per wall second and per CPU second; run it with
// GOMAXPROCS=1 for the one-core figure (target: 250k cmds/s).
func BenchmarkLuaLockWorkload(b *testing.B) {
	for _, mode := range scriptModes {
		b.Run(mode.name, func(b *testing.B) {
			benchLockWorkload(b, 1, mode.opts, func(rt *sim.Runtime, conns []locks.Conn) (locks.Locker, error) {
				return locks.NewLua(Runtime(rt), conns[0], locks.LuaOptions{Key: "lock"})
			})
		})
	}
}

// BenchmarkRedlockWorkload is issue 6's "5-client redlock on 5 nodes":
// BenchmarkLuaLockWorkload's clients and loop with the redlock of package
// locks (go-redsync's defaults: expiry 8s, 32 tries, parallel SET NX PX on
// every node, Lua release on every node).
func BenchmarkRedlockWorkload(b *testing.B) {
	benchLockWorkload(b, 5, scriptModes[0].opts, func(rt *sim.Runtime, conns []locks.Conn) (locks.Locker, error) {
		return locks.NewRedlock(Runtime(rt), conns, locks.RedlockOptions{Key: "lock"})
	})
}

// benchLockWorkload runs 5 clients of the lock newLock builds against
// nodes Redis nodes, 10 virtual seconds per World, and reports commands and
// lock cycles per wall and CPU second, and virtual seconds per wall second.
// spawnWorkers adds nodes Redis nodes (persistence everysec) and five
// client nodes to w; each client runs work with a connection to every
// Redis node, in node order.
func spawnWorkers(w *sim.World, nodes int, work func(rt *sim.Runtime, conns []locks.Conn)) {
	var reds []*redis.Node
	for k := range nodes {
		reds = append(reds, redis.AddNode(w, fmt.Sprint("redis", k), redis.PersistEverysec))
	}
	for k := range 5 {
		c := w.AddNode(fmt.Sprint("c", k))
		w.Spawn(c, "worker", func(rt *sim.Runtime) {
			conns := make([]locks.Conn, 0, len(reds))
			for _, rn := range reds {
				conns = append(conns, rn.Conn(rt.Node()))
			}
			work(rt, conns)
		})
	}
}

func benchLockWorkload(b *testing.B, nodes int, opts []sim.Option, newLock func(*sim.Runtime, []locks.Conn) (locks.Locker, error)) {
	var m workloadMeter
	b.ReportAllocs()
	m.start()
	for i := 0; i < b.N; i++ {
		w := sim.NewWorld(uint64(i), opts...)
		spawnWorkers(w, nodes, func(rt *sim.Runtime, conns []locks.Conn) {
			l, err := newLock(rt, conns)
			if err != nil {
				panic(err)
			}
			m.loop(rt, l)
		})
		m.run(w)
	}
	m.report(b)
}

// workloadMeter runs the benchmark workloads' loop and reports their
// figures: simulated requests and lock cycles per wall and CPU second,
// and virtual seconds per wall second.
type workloadMeter struct {
	virt         time.Duration
	cmds, cycles uint64
	c0           time.Duration
}

func (m *workloadMeter) start() { m.c0 = cputime.Used() }

// loop is one client's program: Lock, a critical section of 0-20ms,
// Unlock, a pause of 0-10ms, for ever.
func (m *workloadMeter) loop(rt *sim.Runtime, l locks.Locker) {
	bg := context.Background()
	rng := rt.Rand()
	for {
		lease, err := l.Lock(bg)
		if err != nil {
			continue
		}
		_ = rt.Sleep(bg, time.Duration(rng.IntN(20))*time.Millisecond)
		if l.Unlock(bg, lease) == nil {
			m.cycles++
		}
		_ = rt.Sleep(bg, time.Duration(rng.IntN(10))*time.Millisecond)
	}
}

// run runs w for 10 virtual seconds and counts what it did.
func (m *workloadMeter) run(w *sim.World) {
	w.Run(10 * time.Second)
	m.virt += w.Elapsed()
	m.cmds += w.Stats().Requests
	w.Close()
}

func (m *workloadMeter) report(b *testing.B) {
	cpu := (cputime.Used() - m.c0).Seconds()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(m.cmds)/sec, "cmds/s")
	b.ReportMetric(float64(m.cmds)/cpu, "cmds/cpu-s")
	b.ReportMetric(float64(m.cycles)/sec, "cycles/s")
	b.ReportMetric(m.virt.Seconds()/sec, "virt-s/s")
}
