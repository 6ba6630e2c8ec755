package redis

import (
	"github.com/locksim/locksim/sim"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeForeign stands for a backend: foreign work that ends at given true
// times, delivered by the idle hook, with no goroutine.
type fakeForeign struct {
	w       *sim.World
	due     []time.Duration // when each pending piece of work ends
	resumes []func()
	waits   int
	onWake  func() // extra work of Deliver, if set
}

func (f *fakeForeign) hook() sim.IdleHook {
	return sim.IdleHook{
		Wait: func(next time.Duration, _ bool) time.Duration {
			f.waits++
			for _, d := range f.due {
				if d < next {
					next = max(d, f.w.Elapsed())
				}
			}
			return next
		},
		Deliver: func() {
			now := f.w.Elapsed()
			keep, keepR := f.due[:0], f.resumes[:0]
			var ready []func()
			for i, d := range f.due {
				if d <= now {
					ready = append(ready, f.resumes[i])
				} else {
					keep, keepR = append(keep, d), append(keepR, f.resumes[i])
				}
			}
			f.due, f.resumes = keep, keepR
			for _, r := range ready {
				r()
			}
			if f.onWake != nil {
				f.onWake()
			}
		},
	}
}

func newForeignWorld(seed uint64) (*sim.World, *fakeForeign) {
	f := &fakeForeign{}
	w := sim.NewWorld(seed, func(w *sim.World) { f.w = w }, sim.WithIdleHook(f.hook()))
	f.w = w
	return w, f
}

func TestExternalBlocksTaskUntilHookResumesIt(t *testing.T) {
	w, f := newForeignWorld(1)
	defer w.Close()
	c := w.AddNode("client")
	var resumedAt time.Duration
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		rt.External(func(resume func()) {
			f.due = append(f.due, 1500*time.Millisecond)
			f.resumes = append(f.resumes, resume)
		})
		resumedAt = w.Elapsed()
	})
	w.Run(time.Second)
	assert.Zero(t, resumedAt, "the task ran on before its foreign work ended")
	assert.Equal(t, 1, w.Externals())
	assert.False(t, w.Idle(), "a sim.World with a task in External is not idle")
	w.Run(time.Minute)
	assert.Equal(t, 1500*time.Millisecond, resumedAt, "the task resumes at the time the hook reached")
	assert.Zero(t, w.Externals())
	assert.True(t, w.Idle())
	assert.Positive(t, f.waits)
}

func TestCrashDuringExternalUnwindsOnlyOnResume(t *testing.T) {
	w, f := newForeignWorld(2)
	defer w.Close()
	c := w.AddNode("client")
	after := false
	var resume func()
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		rt.External(func(r func()) { resume = r })
		after = true
	})
	w.After(time.Second, func() { w.Crash(c) })
	w.Run(2 * time.Second)
	require.NotNil(t, resume)
	assert.Equal(t, 1, w.Externals(), "the crash must not unwind a task whose foreign work still runs")
	f.due, f.resumes = append(f.due, 3*time.Second), append(f.resumes, resume)
	w.Run(time.Minute)
	assert.Zero(t, w.Externals())
	assert.False(t, after, "a crashed task ran past External")
}

func TestSubmitCrossesTheNetwork(t *testing.T) {
	w, f := newForeignWorld(3)
	defer w.Close()
	rn := AddNode(w, "redis", PersistNone)
	c := w.AddNode("client")
	w.SetLatency(c, rn.Node(), sim.Latency{Base: 10 * time.Millisecond})
	w.SetLatency(rn.Node(), c, sim.Latency{Base: 20 * time.Millisecond})
	conn := rn.Conn(c)
	var got []any
	var at []time.Duration
	sent := false
	f.onWake = func() {
		if sent || w.Elapsed() < 100*time.Millisecond {
			return
		}
		sent = true
		conn.Submit([]string{"SET", "k", "v"}, func(v any, err error) {
			got, at = append(got, v), append(at, w.Elapsed())
		})
		conn.Submit([]string{"GET", "k"}, func(v any, err error) {
			got, at = append(got, v), append(at, w.Elapsed())
		})
	}
	// foreign work ending at 100ms submits the commands
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		rt.External(func(r func()) {
			f.due, f.resumes = append(f.due, 100*time.Millisecond), append(f.resumes, r)
		})
	})
	w.Run(time.Second)
	assert.Equal(t, []any{"OK", "v"}, got)
	assert.Equal(t, []time.Duration{130 * time.Millisecond, 130 * time.Millisecond}, at, "request 10ms, reply 20ms")
	v, ok := rn.Get("k")
	assert.True(t, ok)
	assert.Equal(t, "v", v)
}

func TestSubmitToPausedClientHoldsReply(t *testing.T) {
	w, f := newForeignWorld(4)
	defer w.Close()
	rn := AddNode(w, "redis", PersistNone)
	c := w.AddNode("client")
	conn := rn.Conn(c)
	var at time.Duration = -1
	f.onWake = func() {
		if w.Elapsed() == 0 && at == -1 {
			at = -2
			conn.Submit([]string{"PING"}, func(any, error) { at = w.Elapsed() })
		}
	}
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		rt.External(func(r func()) {
			f.due, f.resumes = append(f.due, 0), append(f.resumes, r)
		})
	})
	w.SetLatency(c, rn.Node(), sim.Latency{Base: 20 * time.Millisecond})
	w.SetLatency(rn.Node(), c, sim.Latency{Base: 20 * time.Millisecond})
	w.After(10*time.Millisecond, func() { w.Pause(c, time.Second) })
	w.Run(time.Minute)
	assert.Equal(t, 1010*time.Millisecond, at, "the reply (due at 40ms) waits for the paused client to resume")
}

func TestIdleHookOutOfRangePanics(t *testing.T) {
	w := sim.NewWorld(5, sim.WithIdleHook(sim.IdleHook{
		Wait:    func(next time.Duration, _ bool) time.Duration { return next + time.Second },
		Deliver: func() {},
	}))
	defer w.Close()
	w.After(time.Second, func() {})
	assert.Panics(t, func() { w.Run(time.Minute) })
}

func TestTraceHashCoversSubmittedCommands(t *testing.T) {
	hash := func(cmd string) string {
		w, f := newForeignWorld(6)
		defer w.Close()
		rn := AddNode(w, "redis", PersistNone)
		c := w.AddNode("client")
		conn := rn.Conn(c)
		done := false
		f.onWake = func() {
			if !done {
				done = true
				conn.Submit([]string{cmd, "k", "v"}, func(any, error) {})
			}
		}
		w.Spawn(c, "main", func(rt *sim.Runtime) {
			rt.External(func(r func()) { f.due, f.resumes = append(f.due, 0), append(f.resumes, r) })
		})
		w.Run(time.Minute)
		return w.TraceHash()
	}
	assert.Equal(t, hash("SET"), hash("SET"))
	assert.NotEqual(t, hash("SET"), hash("SETNX"), "a foreign command that differs must change the trace hash")
}

// A command submitted to a crashed Redis node is refused when it arrives,
// one latency after it was sent, through the callback (as a task's Do is);
// it must not look for a task to wake.
func TestSubmitToCrashedNodeIsRefused(t *testing.T) {
	w, f := newForeignWorld(3)
	defer w.Close()
	rn := AddNode(w, "redis", PersistNone)
	c := w.AddNode("client")
	w.SetLatency(c, rn.Node(), sim.Latency{Base: 10 * time.Millisecond})
	conn := rn.Conn(c)
	var gotErr error
	var at time.Duration
	sent := false
	f.onWake = func() {
		if sent || w.Elapsed() < 100*time.Millisecond {
			return
		}
		sent = true
		w.Crash(rn.Node())
		conn.Submit([]string{"SET", "k", "v"}, func(_ any, err error) { gotErr, at = err, w.Elapsed() })
	}
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		rt.External(func(r func()) {
			f.due, f.resumes = append(f.due, 100*time.Millisecond), append(f.resumes, r)
		})
	})
	w.Run(time.Second)
	assert.ErrorIs(t, gotErr, sim.ErrConnRefused)
	assert.Equal(t, 110*time.Millisecond, at)
}
