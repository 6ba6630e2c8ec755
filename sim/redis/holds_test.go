package redis

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/sim"
)

// TestCommandHolds: a watcher sees the value a command left under
// the key it names (set, overwritten refused, deleted), and watching
// leaves the trace as it was.
func TestCommandHolds(t *testing.T) {
	run := func(watch bool) (string, []string) {
		w := sim.NewWorld(9)
		defer w.Close()
		rn := AddNode(w, "r", PersistNone)
		c := w.AddNode("c")
		var seen []string
		if watch {
			OnCommand(w, func(cmd Command) {
				v, ok := cmd.Holds("k")
				if !ok {
					v = "(none)"
				}
				seen = append(seen, cmd.Args[0]+"="+v)
			})
		}
		w.Spawn(c, "main", func(rt *sim.Runtime) {
			ctx := context.Background()
			conn := rn.Conn(c)
			_, _ = conn.Do(ctx, "SET", "k", "a", "NX", "PX", "50")
			_, _ = conn.Do(ctx, "SET", "k", "b", "NX", "PX", "50")
			_, _ = conn.Do(ctx, "DEL", "k")
			_, _ = conn.Do(ctx, "SET", "k", "c", "NX", "PX", "50")
			_ = rt.Sleep(ctx, 100*time.Millisecond)
			_, _ = conn.Do(ctx, "GET", "k")
		})
		w.Run(time.Second)
		return w.TraceHash(), seen
	}
	plain, _ := run(false)
	watched, seen := run(true)
	require.Equal(t, plain, watched, "watching changed the trace")
	assert.Equal(t, []string{"SET=a", "SET=a", "DEL=(none)", "SET=c", "GET=(none)"}, seen)
}
