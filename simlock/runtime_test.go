package simlock

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// The adapter costs a seam call no allocation: wrapping a *sim.Runtime and
// calling through locks.Runtime allocates nothing, and reads the same
// clocks as the task's own Runtime.
func TestRuntimeAdapterAllocatesNothing(t *testing.T) {
	w := sim.NewWorld(1)
	defer w.Close()
	n := w.AddNode("n")
	n.StepWall(time.Hour)
	var allocs float64
	var viaAdapter, direct time.Time
	w.Spawn(n, "task", func(rt *sim.Runtime) {
		var lr locks.Runtime
		allocs = testing.AllocsPerRun(100, func() {
			lr = Runtime(rt)
			viaAdapter = lr.Now()
			_ = lr.Rand().Uint64()
		})
		direct = rt.Now()
	})
	w.Run(time.Second)
	assert.Zero(t, allocs)
	assert.Equal(t, direct, viaAdapter)
	assert.Equal(t, sim.Epoch.Add(time.Hour), viaAdapter, "the node's wall clock, stepped")
}

// Through the adapter, a Group's functions run as tasks of the node and
// Wait returns once all have; a Mutex excludes, and a Sleep takes virtual
// time on the node's monotonic clock.
func TestRuntimeAdapterGroupMutexSleep(t *testing.T) {
	w := sim.NewWorld(2)
	defer w.Close()
	n := w.AddNode("n")
	var order []string
	var waited time.Duration
	w.Spawn(n, "main", func(rt *sim.Runtime) {
		lr := Runtime(rt)
		ctx := context.Background()
		mu := lr.NewMutex()
		g := lr.Group()
		for _, name := range []string{"a", "b"} {
			g.Go(func() {
				require.NoError(t, mu.Lock(ctx))
				order = append(order, name+"-in")
				_ = lr.Sleep(ctx, 10*time.Millisecond)
				order = append(order, name+"-out")
				mu.Unlock()
			})
		}
		g.Wait()
		waited = w.Elapsed()
		order = append(order, "waited")
	})
	w.Run(time.Second)
	require.Len(t, order, 5)
	assert.Equal(t, "waited", order[4])
	for i := 0; i < 4; i += 2 {
		assert.Equal(t, order[i][:1], order[i+1][:1], "a critical section interleaved: %v", order)
	}
	assert.Equal(t, 20*time.Millisecond, waited, "two sleeps of 10ms, one after the other")
}
