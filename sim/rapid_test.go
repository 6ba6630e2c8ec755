package sim

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Timers fire in true-time order and never early on the sleeping node's
// monotonic clock, however the node's drift changes meanwhile.
func TestRapidTimers(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := NewWorld(rapid.Uint64().Draw(rt, "seed"))
		defer w.Close()
		nodes := []*Node{w.AddNode("a"), w.AddNode("b"), w.AddNode("c")}
		var fired []time.Duration
		pending := 0
		rt.Repeat(map[string]func(*rapid.T){
			"sleep": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				d := time.Duration(rapid.Int64Range(0, int64(time.Second)).Draw(rt, "d"))
				pending++
				w.Spawn(n, "sleeper", func(r *Runtime) {
					start := r.Mono()
					require.NoError(rt, r.Sleep(context.Background(), d))
					got := r.Mono() - start
					assert.GreaterOrEqual(rt, got, d, "woke early on the monotonic clock")
					assert.Less(rt, got-d, 3*time.Nanosecond, "woke late on the monotonic clock")
					fired = append(fired, w.Elapsed())
					pending--
				})
			},
			"drift": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				n.SetDrift(rapid.Float64Range(-0.5, 0.5).Draw(rt, "rate"))
			},
			"step": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				n.StepWall(time.Duration(rapid.Int64Range(-int64(time.Hour), int64(time.Hour)).Draw(rt, "d")))
			},
			"run": func(rt *rapid.T) {
				w.RunFor(time.Duration(rapid.Int64Range(0, int64(500*time.Millisecond)).Draw(rt, "d")))
			},
			"": func(rt *rapid.T) {
				for i := 1; i < len(fired); i++ {
					require.LessOrEqual(rt, fired[i-1], fired[i], "timers fired out of order")
				}
			},
		})
		w.RunFor(10 * time.Second)
		assert.Zero(rt, pending, "sleepers left")
	})
}

// A node with drift r sleeping d wakes after d/(1+r) of true time.
func TestRapidDriftSleep(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := NewWorld(1)
		defer w.Close()
		n := w.AddNode("n")
		pre := time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(rt, "pre"))
		r := rapid.Float64Range(-0.9, 1).Draw(rt, "rate")
		d := time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(rt, "d"))
		var slept time.Duration
		w.At(pre, func() {
			n.SetDrift(r)
			w.Spawn(n, "s", func(rt *Runtime) {
				start := w.Elapsed()
				_ = rt.Sleep(context.Background(), d)
				slept = w.Elapsed() - start
			})
		})
		w.Run(100 * time.Hour)
		want := math.Ceil(float64(d) / (1 + r))
		assert.InDelta(rt, want, float64(slept), 2, "slept %v, want %v", slept, time.Duration(want))
	})
}

// A partitioned link delivers nothing while partitioned, in either mode;
// after a heal, new messages arrive again.
func TestRapidPartition(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := NewWorld(rapid.Uint64().Draw(rt, "seed"))
		defer w.Close()
		a, b, c := w.AddNode("a"), w.AddNode("b"), w.AddNode("c")
		type msg struct {
			from, to *Node
			at       time.Duration
			got      bool
		}
		cut := map[[2]int]bool{}
		var msgs []*msg
		send := func(from, to *Node) {
			m := &msg{from: from, to: to, at: w.Elapsed()}
			msgs = append(msgs, m)
			w.send(from, to, funcReceiver(func() {
				assert.False(rt, cut[[2]int{from.ID(), to.ID()}], "delivered over a cut link %s->%s", from, to)
				m.got = true
			}))
		}
		nodes := []*Node{a, b, c}
		rt.Repeat(map[string]func(*rapid.T){
			"send": func(rt *rapid.T) {
				send(rapid.SampledFrom(nodes).Draw(rt, "from"), rapid.SampledFrom(nodes).Draw(rt, "to"))
			},
			"partition": func(rt *rapid.T) {
				x, y := rapid.SampledFrom(nodes).Draw(rt, "x"), rapid.SampledFrom(nodes).Draw(rt, "y")
				if rapid.Bool().Draw(rt, "oneway") {
					w.PartitionOneWay([]*Node{x}, []*Node{y})
					cut[[2]int{x.ID(), y.ID()}] = true
				} else {
					w.Partition([]*Node{x}, []*Node{y})
					cut[[2]int{x.ID(), y.ID()}] = true
					cut[[2]int{y.ID(), x.ID()}] = true
				}
			},
			"heal": func(rt *rapid.T) {
				w.Heal()
				clear(cut)
			},
			"run": func(rt *rapid.T) {
				w.RunFor(time.Duration(rapid.Int64Range(0, int64(10*time.Millisecond)).Draw(rt, "d")))
			},
		})
		w.Heal()
		clear(cut)
		since := len(msgs)
		for _, x := range nodes {
			for _, y := range nodes {
				send(x, y)
			}
		}
		w.RunFor(time.Second)
		for _, m := range msgs[since:] {
			assert.True(rt, m.got, "message %s->%s after heal lost", m.from, m.to)
		}
	})
}

// A paused node runs nothing and gets nothing while paused, and receives
// everything that arrived meanwhile on resume.
func TestRapidPause(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := NewWorld(rapid.Uint64().Draw(rt, "seed"))
		defer w.Close()
		p, q := w.AddNode("p"), w.AddNode("q")
		paused := false
		type msg struct {
			at  time.Duration
			got bool
		}
		var msgs []*msg
		runs := 0
		w.Spawn(p, "ticker", func(r *Runtime) {
			for {
				assert.False(rt, paused, "a task of a paused node ran")
				runs++
				_ = r.Sleep(context.Background(), time.Duration(r.Rand().Int64N(int64(5*time.Millisecond))))
			}
		})
		rt.Repeat(map[string]func(*rapid.T){
			"send": func(rt *rapid.T) {
				m := &msg{at: w.Elapsed()}
				msgs = append(msgs, m)
				w.send(q, p, funcReceiver(func() {
					assert.False(rt, paused, "a paused node got a message")
					m.got = true
				}))
			},
			"pause": func(rt *rapid.T) {
				w.Pause(p, 0)
				paused = true
			},
			"resume": func(rt *rapid.T) {
				paused = false
				w.Resume(p)
				for _, m := range msgs {
					if m.at+DefaultLatency.Base+DefaultLatency.Jitter <= w.Elapsed() {
						assert.True(rt, m.got, "message sent at %v not delivered on resume at %v", m.at, w.Elapsed())
					}
				}
			},
			"run": func(rt *rapid.T) {
				before := runs
				w.RunFor(time.Duration(rapid.Int64Range(0, int64(20*time.Millisecond)).Draw(rt, "d")))
				if paused {
					assert.Equal(rt, before, runs)
				}
			},
		})
		paused = false
		w.Resume(p)
		w.RunFor(time.Second)
		for _, m := range msgs {
			assert.True(rt, m.got, "message sent at %v never delivered", m.at)
		}
	})
}

// The tasks of a crashed node never run again, deferred code included; a
// restart starts new ones.
func TestRapidCrash(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := NewWorld(rapid.Uint64().Draw(rt, "seed"))
		defer w.Close()
		n := w.AddNode("n")
		other := w.AddNode("other")
		srv := w.AddService("srv", func(from *Node, req any) any { return req })
		var ranStale []string
		spawn := func(name string) {
			inc := n.Incarnation()
			w.Spawn(n, name, func(r *Runtime) {
				check := func(where string) {
					if n.Crashed() || n.Incarnation() != inc {
						ranStale = append(ranStale, name+" "+where)
					}
				}
				defer func() {
					_ = r.Now()
					check("defer")
				}()
				for i := 0; ; i++ {
					check("loop")
					ctx, cancel := r.WithTimeout(context.Background(), 10*time.Millisecond)
					if i%2 == 0 {
						_, _ = r.Call(ctx, srv, i)
					} else {
						_ = r.Sleep(ctx, time.Millisecond)
					}
					check("after")
					cancel()
					check("after cancel")
				}
			})
		}
		k := 0
		rt.Repeat(map[string]func(*rapid.T){
			"spawn": func(rt *rapid.T) {
				k++
				spawn(fmt.Sprint("t", k))
			},
			"crash":   func(rt *rapid.T) { w.Crash(n) },
			"restart": func(rt *rapid.T) { w.Restart(n) },
			"pause": func(rt *rapid.T) {
				w.Pause(n, time.Duration(rapid.Int64Range(1, int64(10*time.Millisecond)).Draw(rt, "d")))
			},
			"noise": func(rt *rapid.T) {
				w.Spawn(other, "noise", func(r *Runtime) { _ = r.Sleep(context.Background(), time.Millisecond) })
			},
			"run": func(rt *rapid.T) {
				w.RunFor(time.Duration(rapid.Int64Range(0, int64(20*time.Millisecond)).Draw(rt, "d")))
			},
			"": func(rt *rapid.T) {
				require.Empty(rt, ranStale)
				if n.Crashed() {
					require.Empty(rt, n.tasks, "a crashed node has live tasks")
				}
			},
		})
	})
}
