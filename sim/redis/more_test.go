package redis

import (
	"bytes"
	"context"
	"github.com/locksim/locksim/sim"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTaskPanicIsRaisedByRun(t *testing.T) {
	base := runtime.NumGoroutine()
	w := sim.NewWorld(1)
	n := w.AddNode("n")
	w.Spawn(n, "other", func(rt *sim.Runtime) { _ = rt.Sleep(context.Background(), time.Hour) })
	w.Spawn(n, "bad", func(rt *sim.Runtime) {
		_ = rt.Sleep(context.Background(), time.Second)
		panic("boom")
	})
	assert.PanicsWithValue(t, true, func() {
		defer func() {
			r := recover()
			panic(r != nil && strings.Contains(r.(string), "boom") && strings.Contains(r.(string), "task bad"))
		}()
		w.Run(time.Minute)
	})
	w.Close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), base)
}

func TestStdContextCancelledByAnotherTask(t *testing.T) {
	w := sim.NewWorld(2)
	defer w.Close()
	n := w.AddNode("n")
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	var at time.Duration
	w.Spawn(n, "sleeper", func(rt *sim.Runtime) {
		err = rt.Sleep(ctx, time.Hour)
		at = w.Elapsed()
	})
	w.Spawn(n, "canceller", func(rt *sim.Runtime) {
		_ = rt.Sleep(context.Background(), time.Second)
		cancel()
	})
	w.Run(2 * time.Hour)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, time.Second, at)
}

// A replay keeps the deadlines of the original run across a backward step:
// the step extended the TTL by an hour, and the restart keeps that, as
// Redis's AOF (SET … PXAT) does.
func TestReplayAcrossBackwardStep(t *testing.T) {
	w := sim.NewWorld(3)
	defer w.Close()
	rn := AddNode(w, "r", PersistAlways)
	c := w.AddNode("c")
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		_, err := rn.Conn(c).Do(context.Background(), "SET", "k", "v", "PX", 10000)
		require.NoError(t, err)
	})
	w.At(5*time.Second, func() {
		rn.Sync() // Redis sees 5s go by
		rn.Node().StepWall(-time.Hour)
	})
	w.At(6*time.Second, func() {
		before := rn.PTTL("k")
		w.Crash(rn.Node())
		w.Restart(rn.Node())
		assert.Equal(t, before, rn.PTTL("k"))
		assert.InDelta(t, float64(time.Hour+4*time.Second), float64(before), float64(5*time.Millisecond))
	})
	w.Run(7 * time.Second)
}

func TestPausedRedisServesQueuedCommandsOnResume(t *testing.T) {
	w := sim.NewWorld(4)
	defer w.Close()
	rn := AddNode(w, "r", PersistNone)
	c := w.AddNode("c")
	var execAt time.Duration
	OnCommand(w, func(cmd Command) { execAt = cmd.At })
	w.Pause(rn.Node(), 2*time.Second)
	var got any
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		got, _ = rn.Conn(c).Do(context.Background(), "PING")
	})
	w.Run(time.Minute)
	assert.Equal(t, "PONG", got)
	assert.Equal(t, 2*time.Second, execAt)
}

func TestTextTrace(t *testing.T) {
	var buf bytes.Buffer
	w := sim.NewWorld(5, sim.WithTextTrace(&buf))
	defer w.Close()
	rn := AddNode(w, "r", PersistNone)
	c := w.AddNode("c")
	w.Spawn(c, "main", func(rt *sim.Runtime) { _, _ = rn.Conn(c).Do(context.Background(), "SET", "k", "v") })
	w.Run(time.Second)
	assert.Contains(t, buf.String(), `redis 0 ["SET" "k" "v"] -> OK`)
	assert.Equal(t, w.TraceLen(), uint64(strings.Count(buf.String(), "\n")))
}

func TestExpiryOfKeySetInTransaction(t *testing.T) {
	w := sim.NewWorld(7)
	defer w.Close()
	rn := AddNode(w, "r", PersistNone)
	c := w.AddNode("c")
	var expired []string
	w.OnEvent(func(e sim.Event) {
		if e.Kind == EvExpire {
			expired = append(expired, e.Key+"="+e.Value)
		}
	})
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		conn := rn.Conn(c)
		ctx := context.Background()
		for _, cmd := range [][]any{{"MULTI"}, {"SET", "a", "1", "PX", 100}, {"RENAME", "x", "y"}, {"EXEC"}} {
			_, _ = conn.Do(ctx, cmd...)
		}
	})
	w.Run(time.Second)
	assert.Equal(t, []string{"a=1"}, expired, "the key set in EXEC expired, with its value")
}

func TestLivelockPanics(t *testing.T) {
	w := sim.NewWorld(8)
	defer w.Close()
	n := w.AddNode("n")
	w.Spawn(n, "spinner", func(rt *sim.Runtime) {
		ctx, cancel := rt.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		_ = rt.Sleep(ctx, time.Second)
		for rt.Sleep(ctx, time.Second) != nil {
			// retry on an expired context, forever
		}
	})
	assert.Panics(t, func() { w.Run(time.Minute) })
}

func TestKeyLostOnRestartWithoutPersistence(t *testing.T) {
	w := sim.NewWorld(9)
	defer w.Close()
	rn := AddNode(w, "r", PersistNone)
	c := w.AddNode("c")
	var evs []string
	w.OnEvent(func(e sim.Event) {
		if e.Kind == EvKeyLost || e.Kind == EvExpire {
			evs = append(evs, string(e.Kind)+" "+e.Key+"="+e.Value)
		}
	})
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		_, _ = rn.Conn(c).Do(context.Background(), "SET", "lock", "a", "PX", 10000)
		_, _ = rn.Conn(c).Do(context.Background(), "SET", "short", "b", "PX", 100)
		_, _ = rn.Conn(c).Do(context.Background(), "APPEND", "short", "c") // a write that keeps the TTL
	})
	w.At(50*time.Millisecond, func() { w.Crash(rn.Node()) })
	w.At(time.Second, func() { w.Restart(rn.Node()) })
	w.Run(2 * time.Second)
	assert.Equal(t, []string{"key-lost lock=a", "expire short=bc"}, evs)
}

func TestSetPersistenceAtCrashTime(t *testing.T) {
	w := sim.NewWorld(11)
	defer w.Close()
	rn := AddNode(w, "r", PersistNone)
	c := w.AddNode("c")
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		_, _ = rn.Conn(c).Do(context.Background(), "SET", "k", "v")
	})
	w.At(time.Second, func() {
		rn.SetPersistence(PersistAlways)
		w.Crash(rn.Node())
		w.Restart(rn.Node())
	})
	w.Run(2 * time.Second)
	v, ok := rn.Get("k")
	assert.True(t, ok)
	assert.Equal(t, "v", v)
}
