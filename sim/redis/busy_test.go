package redis

import (
	"context"
	"fmt"
	"github.com/locksim/locksim/sim"
	"time"
)

// releaseScript deletes the key if it holds the caller's value.
const releaseScript = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`

// busyWorld builds a world of 5 clients hammering 3 Redis nodes through the
// seam with a lock-like workload, under random faults drawn from the seed.
func busyWorld(seed uint64, horizon time.Duration) *sim.World {
	w := sim.NewWorld(seed)
	var reds []*Node
	for i, p := range []Persistence{PersistNone, PersistEverysec, PersistAlways} {
		reds = append(reds, AddNode(w, fmt.Sprintf("redis%d", i), p))
	}
	var clients []*sim.Node
	for i := range 5 {
		c := w.AddNode(fmt.Sprintf("client%d", i))
		clients = append(clients, c)
		c.OnStart(func(n *sim.Node) {
			w.Spawn(n, "worker", func(rt *sim.Runtime) { lockWorker(rt, reds, 0, true) })
		})
	}
	all := append([]*sim.Node(nil), clients...)
	for _, r := range reds {
		all = append(all, r.Node())
	}
	randomFaults(w, all, horizon, 300*time.Millisecond, 7)
	return w
}

// randomFaults schedules faults on nodes drawn from the world's "faults" stream, one
// every [0, spacing) of virtual time until horizon: crash and restart,
// pause, partition and heal, drift, wall step, loss, and (with kinds 7)
// extra delay. kinds is how many of those kinds are drawn from, in that
// order.
func randomFaults(w *sim.World, all []*sim.Node, horizon, spacing time.Duration, kinds int) {
	rng := w.Stream("faults")
	for at := time.Duration(0); at < horizon; at += time.Duration(rng.Int64N(int64(spacing))) {
		n := all[rng.IntN(len(all))]
		switch rng.IntN(kinds) {
		case 0:
			w.At(at, func() { w.Crash(n) })
			w.At(at+time.Duration(rng.Int64N(int64(time.Second))), func() { w.Restart(n) })
		case 1:
			w.At(at, func() { w.Pause(n, time.Duration(rng.Int64N(int64(time.Second)))) })
		case 2:
			k := 1 + rng.IntN(len(all)-1)
			a, b := all[:k], all[k:]
			w.At(at, func() { w.Partition(a, b) })
			w.At(at+time.Duration(rng.Int64N(int64(time.Second))), w.Heal)
		case 3:
			r := (rng.Float64() - 0.5) / 10
			w.At(at, func() { n.SetDrift(r) })
		case 4:
			d := time.Duration(rng.Int64N(int64(2*time.Second))) - 500*time.Millisecond
			w.At(at, func() { n.StepWall(d) })
		case 5:
			p := rng.Float64() / 4
			m := all[rng.IntN(len(all))]
			w.At(at, func() { w.SetLoss(n, m, p) })
		case 6:
			m := all[rng.IntN(len(all))]
			w.At(at, func() { w.SetExtraDelay(n, m, 100*time.Millisecond) })
			w.At(at+time.Duration(rng.Int64N(int64(time.Second))), func() { w.SetExtraDelay(n, m, 0) })
		}
	}
}

// lockWorker loops: acquire a key on a random node with SET NX PX, read it,
// release it with the Lua script (if lua, half of the time) or DEL. ops > 0
// bounds the loop.
func lockWorker(rt *sim.Runtime, reds []*Node, ops int, lua bool) {
	bg := context.Background()
	rng := rt.Rand()
	var conns []interface {
		Do(context.Context, ...any) (any, error)
	}
	for _, r := range reds {
		conns = append(conns, r.Conn(rt.Node()))
	}
	for i := 0; ops <= 0 || i < ops; i++ {
		c := conns[rng.IntN(len(conns))]
		val := fmt.Sprint(rng.Uint64())
		ctx, cancel := rt.WithTimeout(bg, 50*time.Millisecond)
		_, err := c.Do(ctx, "SET", "lock", val, "NX", "PX", 10+rng.IntN(500))
		cancel()
		if err == nil {
			ctx, cancel = rt.WithTimeout(bg, 50*time.Millisecond)
			_, _ = c.Do(ctx, "GET", "lock")
			_ = rt.Sleep(ctx, time.Duration(rng.IntN(20))*time.Millisecond)
			cancel()
			ctx, cancel = rt.WithTimeout(bg, 50*time.Millisecond)
			if lua && rng.IntN(2) == 0 {
				_, _ = c.Do(ctx, "EVAL", releaseScript, 1, "lock", val)
			} else {
				_, _ = c.Do(ctx, "DEL", "lock")
			}
			cancel()
		}
		_ = rt.Sleep(bg, time.Duration(rng.IntN(10))*time.Millisecond)
	}
}
