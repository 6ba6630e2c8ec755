package redis

import (
	"bufio"
	"github.com/locksim/locksim/sim"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2/server"

	"github.com/locksim/locksim/internal/cputime"
)

// BenchmarkEvalAcquire is one EVAL of an acquire script (acquireScript, the
// lua lock's acquire with upper-case commands) executed by a Redis node
// (rn.dispatch, no network, no scheduler), on its registered fast path and
// in miniredis's Lua interpreter. In "free" the key (PX 1) has expired
// before each EVAL, 2ms later (at 1ms it is still there, as in Redis), so the script runs EXISTS then SET PX; in "held" (PX
// 1h) it runs EXISTS only and replies nil. The locks' own scripts are
// benchmarked end to end in package simlock.
func BenchmarkEvalAcquire(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts []sim.Option
	}{{"fast", nil}, {"interpreted", []sim.Option{WithInterpretedScripts()}}} {
		for _, bc := range []struct {
			name string
			px   string
		}{{"free", "1"}, {"held", "3600000"}} {
			b.Run(mode.name+"/"+bc.name, func(b *testing.B) {
				w := sim.NewWorld(1, append([]sim.Option{WithFastPaths(testFastPaths...)}, mode.opts...)...)
				defer w.Close()
				rn := AddNode(w, "r", PersistNone)
				peer := server.NewPeer(bufio.NewWriter(&rn.buf))
				args := []string{"EVAL", acquireScript, "1", "lock", "v", bc.px}
				b.ReportAllocs()
				c0 := cputime.Used()
				for i := 0; i < b.N; i++ {
					rn.m.SetTime(sim.Epoch.Add(time.Duration(i) * 2 * time.Millisecond))
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
