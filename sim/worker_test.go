package sim

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A task that ends with runtime.Goexit (t.FailNow in a test) still passes
// the baton on, and the goroutines of ended tasks run later tasks: the
// world goes on and its results do not depend on which goroutine ran what.
func TestWorkerGoexitAndReuse(t *testing.T) {
	w := NewWorld(1)
	defer w.Close()
	n := w.AddNode("n")
	w.Spawn(n, "goexit", func(rt *Runtime) {
		_ = rt.Sleep(context.Background(), time.Millisecond)
		runtime.Goexit()
	})
	ran := 0
	w.Spawn(n, "spawner", func(rt *Runtime) {
		for range 100 {
			g := rt.Group()
			for range 5 {
				g.Go(func() { _ = rt.Sleep(context.Background(), time.Millisecond); ran++ })
			}
			g.Wait()
		}
	})
	w.Run(time.Hour)
	require.Equal(t, 500, ran)
	require.True(t, w.Idle())
}
