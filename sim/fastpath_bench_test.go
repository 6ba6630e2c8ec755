package sim

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2/server"

	"github.com/locksim/locksim/internal/cputime"
	"github.com/locksim/locksim/locks"
)

// scriptModes are the two ways a Redis node runs the locks' scripts.
var scriptModes = []struct {
	name string
	opts []Option
}{{"fast", nil}, {"interpreted", []Option{WithInterpretedScripts()}}}

// BenchmarkEvalLuaAcquire is one EVAL of the lua lock's acquire script
// executed by a Redis node (rn.dispatch, no network, no scheduler), on the
// fast path and in miniredis's Lua interpreter. In "free" the key (PX 1)
// has expired before each EVAL, so the script runs EXISTS then SET PX; in
// "held" (PX 1h) it runs EXISTS only and replies nil.
func BenchmarkEvalLuaAcquire(b *testing.B) {
	body := diffScripts(b)[locks.ScriptLuaAcquire]
	for _, mode := range scriptModes {
		for _, bc := range []struct {
			name string
			px   string
		}{{"free", "1"}, {"held", "3600000"}} {
			b.Run(mode.name+"/"+bc.name, func(b *testing.B) {
				w := NewWorld(1, mode.opts...)
				defer w.Close()
				rn := w.AddRedisNode("r", PersistNone)
				peer := server.NewPeer(bufio.NewWriter(&rn.buf))
				args := []string{"EVAL", body, "1", "lock", "v", bc.px}
				b.ReportAllocs()
				c0 := cputime.Used()
				for i := 0; i < b.N; i++ {
					rn.m.SetTime(Epoch.Add(time.Duration(i) * time.Millisecond))
					rn.buf.Reset()
					rn.dispatch(peer, args)
					peer.Flush()
				}
				b.StopTimer()
				cputime.ReportPerOp(b, c0, uint64(b.N), "op")
				if want := "+OK\r\n"; bc.name == "free" && rn.buf.String() != want {
					b.Fatalf("reply %q, want %q", rn.buf.String(), want)
				}
				if fast, _ := rn.ScriptStats(); (fast > 0) != (mode.name == "fast") {
					b.Fatalf("%d EVALs on the fast path in mode %s", fast, mode.name)
				}
			})
		}
	}
}

// BenchmarkEvalRoundTrip is one EVAL of the lua acquire script through a
// sim Conn (send, execution, reply, task wakeup), key held (PX 1h).
func BenchmarkEvalRoundTrip(b *testing.B) {
	body := diffScripts(b)[locks.ScriptLuaAcquire]
	for _, mode := range scriptModes {
		b.Run(mode.name, func(b *testing.B) {
			w := NewWorld(1, mode.opts...)
			defer w.Close()
			rn := w.AddRedisNode("r", PersistNone)
			c := w.AddNode("c")
			conn := rn.Conn(c)
			w.Spawn(c, "client", func(rt *Runtime) {
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
			benchLockWorkload(b, 1, mode.opts, func(rt *Runtime, conns []locks.Conn) (locks.Locker, error) {
				return locks.NewLua(rt, conns[0], locks.LuaOptions{Key: "lock"})
			})
		})
	}
}

// BenchmarkRedlockWorkload is issue 6's "5-client redlock on 5 nodes":
// BenchmarkLuaLockWorkload's clients and loop with the redlock of package
// locks (go-redsync's defaults: expiry 8s, 32 tries, parallel SET NX PX on
// every node, Lua release on every node).
func BenchmarkRedlockWorkload(b *testing.B) {
	benchLockWorkload(b, 5, nil, func(rt *Runtime, conns []locks.Conn) (locks.Locker, error) {
		return locks.NewRedlock(rt, conns, locks.RedlockOptions{Key: "lock"})
	})
}

// benchLockWorkload runs 5 clients of the lock newLock builds against
// nodes Redis nodes, 10 virtual seconds per World, and reports commands and
// lock cycles per wall and CPU second, and virtual seconds per wall second.
func benchLockWorkload(b *testing.B, nodes int, opts []Option, newLock func(*Runtime, []locks.Conn) (locks.Locker, error)) {
	var virt time.Duration
	var cmds, cycles uint64
	b.ReportAllocs()
	c0 := cputime.Used()
	for i := 0; i < b.N; i++ {
		w := NewWorld(uint64(i), opts...)
		var reds []*RedisNode
		for k := range nodes {
			reds = append(reds, w.AddRedisNode(fmt.Sprint("redis", k), PersistEverysec))
		}
		for k := range 5 {
			c := w.AddNode(fmt.Sprint("c", k))
			w.Spawn(c, "worker", func(rt *Runtime) {
				var conns []locks.Conn
				for _, rn := range reds {
					conns = append(conns, rn.Conn(rt.Node()))
				}
				l, err := newLock(rt, conns)
				if err != nil {
					panic(err)
				}
				bg := context.Background()
				rng := rt.Rand()
				for {
					lease, err := l.Lock(bg)
					if err != nil {
						continue
					}
					_ = rt.Sleep(bg, time.Duration(rng.IntN(20))*time.Millisecond)
					if l.Unlock(bg, lease) == nil {
						cycles++
					}
					_ = rt.Sleep(bg, time.Duration(rng.IntN(10))*time.Millisecond)
				}
			})
		}
		w.Run(10 * time.Second)
		virt += w.Elapsed()
		cmds += w.Stats().RedisCommands
		w.Close()
	}
	cpu := (cputime.Used() - c0).Seconds()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(cmds)/sec, "cmds/s")
	b.ReportMetric(float64(cmds)/cpu, "cmds/cpu-s")
	b.ReportMetric(float64(cycles)/sec, "cycles/s")
	b.ReportMetric(virt.Seconds()/sec, "virt-s/s")
}
