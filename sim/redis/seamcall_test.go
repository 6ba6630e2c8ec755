package redis_test

import (
	"context"
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/sim"
)

// seamProgram is a task that makes one seam call of every kind: Now,
// Sleep, a Redis command, Mutex.Lock, two Group.Go (each child reads Now)
// and Wait. It records what it saw in got.
func seamProgram(w *sim.World, n *sim.Node, rn *redis.Node, got *[]string) {
	w.Spawn(n, "t", func(rt *sim.Runtime) {
		ctx := context.Background()
		*got = append(*got, fmt.Sprint("now returned ", rt.Now().Sub(sim.Epoch)))
		_ = rt.Sleep(ctx, time.Millisecond)
		_, err := rn.Conn(n).Do(ctx, "SET", "k", "v")
		*got = append(*got, fmt.Sprint("do returned ", err))
		m := rt.NewMutex()
		_ = m.Lock(ctx)
		m.Unlock()
		g := rt.Group()
		for range 2 {
			g.Go(func() { rt.Now() })
		}
		g.Wait()
		*got = append(*got, "end")
	})
}

func TestSeamHookReportsEveryCallInOrder(t *testing.T) {
	w := sim.NewWorld(7)
	defer w.Close()
	rn := redis.AddNode(w, "r", redis.PersistNone)
	n := w.AddNode("c")
	var got []string
	w.OnSeamCall(func(c sim.SeamCall) {
		got = append(got, c.Kind.String()+" "+c.Task+"@"+c.Node.Name())
	})
	seamProgram(w, n, rn, &got)
	w.Run(time.Second)
	assert.Equal(t, []string{
		"now t@c", "now returned 0s",
		"sleep t@c",
		"do-sent t@c", "do-replied t@c", "do returned <nil>",
		"mutex-lock t@c",
		"go t@c", "go t@c", "wait t@c",
		"now t/go@c", "now t/go@c",
		"end",
	}, got)
}

func TestSeamKindNames(t *testing.T) {
	for _, name := range []string{"now", "sleep", "do-sent", "do-replied", "go", "wait", "mutex-lock"} {
		k, err := sim.ParseSeamKind(name)
		require.NoError(t, err)
		assert.Equal(t, name, k.String())
	}
	_, err := sim.ParseSeamKind("nap")
	require.Error(t, err)
	assert.Equal(t, "SeamKind(0)", sim.SeamKind(0).String())
}

// A pause at a seam call holds the call there: a Now paused at reads the
// clock after the pause, a Do paused at "do-sent" sends after it.
func TestSeamHookPauseHoldsTheCall(t *testing.T) {
	for _, tc := range []struct {
		kind sim.SeamKind
		want string // the first line of the program's output that moves
	}{
		{sim.SeamNow, "now returned 2s"},
		{sim.SeamDoSent, "do returned <nil>"},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			w := sim.NewWorld(7)
			defer w.Close()
			rn := redis.AddNode(w, "r", redis.PersistNone)
			n := w.AddNode("c")
			var got []string
			var sentAt time.Duration = -1
			redis.OnCommand(w, func(c redis.Command) {
				if sentAt < 0 {
					sentAt = w.Elapsed()
				}
			})
			fired := false
			w.OnSeamCall(func(c sim.SeamCall) {
				if c.Kind == tc.kind && !fired {
					fired = true
					w.Pause(c.Node, 2*time.Second)
				}
			})
			seamProgram(w, n, rn, &got)
			w.Run(5 * time.Second)
			require.Contains(t, got, tc.want)
			require.Contains(t, got, "end")
			if tc.kind == sim.SeamDoSent {
				assert.GreaterOrEqual(t, sentAt, 2*time.Second, "the command left after the pause")
			} else {
				assert.Less(t, sentAt, 2*time.Second+10*time.Millisecond)
			}
		})
	}
}

// A crash at a seam call unwinds the task there: a Do crashed at
// "do-sent" sends nothing and returns to nobody.
func TestSeamHookCrashUnwindsAtTheCall(t *testing.T) {
	w := sim.NewWorld(7)
	defer w.Close()
	rn := redis.AddNode(w, "r", redis.PersistNone)
	n := w.AddNode("c")
	var got []string
	w.OnSeamCall(func(c sim.SeamCall) {
		if c.Kind == sim.SeamDoSent {
			w.Crash(c.Node)
		}
	})
	seamProgram(w, n, rn, &got)
	w.Run(time.Second)
	assert.Equal(t, []string{"now returned 0s"}, got)
	assert.Zero(t, w.Stats().Requests)
	assert.True(t, n.Crashed())
}

// A clock step at "now" is read by that very Now.
func TestSeamHookStepIsReadByTheCall(t *testing.T) {
	w := sim.NewWorld(7)
	defer w.Close()
	rn := redis.AddNode(w, "r", redis.PersistNone)
	n := w.AddNode("c")
	var got []string
	w.OnSeamCall(func(c sim.SeamCall) {
		if c.Kind == sim.SeamNow && c.Task == "t" {
			c.Node.StepWall(time.Hour)
		}
	})
	seamProgram(w, n, rn, &got)
	w.Run(time.Second)
	require.NotEmpty(t, got)
	assert.Equal(t, "now returned 1h0m0s", got[0])
}

// The hook is part of the run: the same seed and hook give the same trace;
// a hook that does nothing leaves the trace as it is without one.
func TestSeamHookDeterministic(t *testing.T) {
	run := func(hook func(w *sim.World) func(sim.SeamCall)) string {
		w := sim.NewWorld(11)
		defer w.Close()
		rn := redis.AddNode(w, "r", redis.PersistNone)
		var got []string
		for i := range 3 {
			seamProgram(w, w.AddNode(fmt.Sprint("c", i)), rn, &got)
		}
		if hook != nil {
			w.OnSeamCall(hook(w))
		}
		w.Run(10 * time.Second)
		return w.TraceHash()
	}
	pausing := func(w *sim.World) func(sim.SeamCall) {
		k := 0
		return func(c sim.SeamCall) {
			if k++; k%5 == 0 {
				w.Pause(c.Node, time.Duration(k)*time.Millisecond)
			}
		}
	}
	noop := func(*sim.World) func(sim.SeamCall) { return func(sim.SeamCall) {} }
	assert.Equal(t, run(pausing), run(pausing))
	assert.Equal(t, run(nil), run(noop))
	assert.NotEqual(t, run(nil), run(pausing), "the pauses changed the run")
}
