package redis

import (
	"context"
	"github.com/locksim/locksim/sim"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// After 1,000 worlds with crashes, the goroutine count is back to baseline:
// crashed tasks unwind, Close unwinds the rest, miniredis leaves nothing.
func TestNoGoroutineLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	worlds := 1000
	if testing.Short() {
		worlds = 100
	}
	for s := range uint64(worlds) {
		w := sim.NewWorld(s)
		rn := AddNode(w, "r", PersistAlways)
		a, b := w.AddNode("a"), w.AddNode("b")
		for _, n := range []*sim.Node{a, b} {
			n.OnStart(func(n *sim.Node) {
				w.Spawn(n, "worker", func(rt *sim.Runtime) {
					g := rt.Group()
					for range 3 {
						g.Go(func() {
							for {
								ctx, cancel := rt.WithTimeout(context.Background(), 20*time.Millisecond)
								_, _ = rn.Conn(n).Do(ctx, "SET", "k", "v", "NX", "PX", 30)
								_ = rt.Sleep(ctx, time.Hour) // ends with ctx
								cancel()
							}
						})
					}
					g.Wait()
				})
			})
		}
		w.At(50*time.Millisecond, func() { w.Crash(a) })
		w.At(60*time.Millisecond, func() { w.Crash(rn.Node()) })
		w.At(70*time.Millisecond, func() { w.Restart(a); w.Restart(rn.Node()) })
		w.At(90*time.Millisecond, func() { w.Pause(b, 0) })
		w.Run(100 * time.Millisecond)
		w.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), base, "goroutines leaked")
}
