package redis

import (
	"context"
	"fmt"
	"github.com/locksim/locksim/sim"
	"testing"
	"time"

	"github.com/locksim/locksim/internal/cputime"
)

// BenchmarkHandoff measures one scheduler handoff: a task yields, the
// scheduler picks the next one and hands it the baton.
func BenchmarkHandoff(b *testing.B) {
	w := sim.NewWorld(1)
	defer w.Close()
	n := w.AddNode("n")
	left := b.N
	for range 2 {
		w.Spawn(n, "yielder", func(rt *sim.Runtime) {
			for left > 0 {
				left--
				if left%1_000_000 == 0 {
					// let time advance now and then: a million steps at one
					// instant is what the livelock guard allows
					_ = rt.Sleep(context.Background(), time.Nanosecond)
					continue
				}
				rt.Yield()
			}
		})
	}
	b.ResetTimer()
	c0 := cputime.Used()
	w.Run(time.Hour)
	b.StopTimer()
	cputime.ReportPerOp(b, c0, w.Stats().Picks, "pick")
	st := w.Stats()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(st.Picks), "ns/pick")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(st.Switches), "ns/switch")
}

// BenchmarkRedisSetNXPX measures one simulated SET NX PX round trip: send,
// execution on the in-process miniredis, reply, task wakeup. In "expiring"
// the key (PX 5ms) expires between most attempts, so most succeed and each
// expiry is tracked and reported; in "held" (PX 1h) every attempt finds the
// lock taken. "go-redis-held" is "held" as go-redis's SetNX of whole
// seconds sends it (SET lock v EX 3600 NX: go-redsync's acquire), on the
// direct path and, in "go-redis-held-dispatched", through miniredis.
func BenchmarkRedisSetNXPX(b *testing.B) {
	for _, bc := range []struct {
		name string
		args []any
		opts []sim.Option
	}{
		{"expiring", []any{"SET", "lock", "v", "NX", "PX", 5}, nil},
		{"held", []any{"SET", "lock", "v", "NX", "PX", 3600000}, nil},
		{"go-redis-held", []any{"set", "lock", "v", "ex", 3600, "nx"}, nil},
		{"go-redis-held-dispatched", []any{"set", "lock", "v", "ex", 3600, "nx"}, []sim.Option{WithInterpretedScripts()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := sim.NewWorld(1, bc.opts...)
			defer w.Close()
			rn := AddNode(w, "r", PersistNone)
			c := w.AddNode("c")
			conn := rn.Conn(c)
			w.Spawn(c, "client", func(rt *sim.Runtime) {
				ctx := context.Background()
				for i := 0; i < b.N; i++ {
					_, _ = conn.Do(ctx, bc.args...)
				}
			})
			b.ResetTimer()
			c0 := cputime.Used()
			w.Run(1 << 62)
			b.StopTimer()
			cputime.ReportPerOp(b, c0, uint64(b.N), "op")
			if got := rn.Commands(); got != uint64(b.N) {
				b.Fatalf("%d commands, want %d", got, b.N)
			}
		})
	}
}

// BenchmarkLockWorkload runs 5 clients doing a lock-like workload (SET NX
// PX, GET, DEL, sleeps) against 3 Redis nodes, and reports virtual seconds
// simulated and Redis commands executed per wall second and per CPU second.
func BenchmarkLockWorkload(b *testing.B) { benchWorkload(b, false) }

// BenchmarkLockWorkloadLua is BenchmarkLockWorkload with half of the
// releases done by the owner-checked Lua script; miniredis builds a Lua
// state per EVAL (~130µs), which dominates.
func BenchmarkLockWorkloadLua(b *testing.B) { benchWorkload(b, true) }

func benchWorkload(b *testing.B, lua bool) {
	var virt time.Duration
	var cmds uint64
	c0 := cputime.Used()
	for i := 0; i < b.N; i++ {
		w := sim.NewWorld(uint64(i))
		var reds []*Node
		for k := range 3 {
			reds = append(reds, AddNode(w, fmt.Sprint("r", k), PersistEverysec))
		}
		for k := range 5 {
			c := w.AddNode(fmt.Sprint("c", k))
			w.Spawn(c, "worker", func(rt *sim.Runtime) { lockWorker(rt, reds, 0, lua) })
		}
		w.Run(10 * time.Second)
		virt += w.Elapsed()
		cmds += w.Stats().Requests
		w.Close()
	}
	cpu := (cputime.Used() - c0).Seconds()
	b.ReportMetric(float64(cmds)/cpu, "cmds/cpu-s")
	b.ReportMetric(virt.Seconds()/cpu, "virt-s/cpu-s")
	sec := b.Elapsed().Seconds()
	b.ReportMetric(virt.Seconds()/sec, "virt-s/s")
	b.ReportMetric(float64(cmds)/sec, "cmds/s")
}
