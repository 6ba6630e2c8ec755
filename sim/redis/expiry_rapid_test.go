package redis

import (
	"context"
	"github.com/locksim/locksim/sim"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// A Redis key set with PX t expires exactly when the node's Redis clock
// (its wall clock in whole ms) passes its deadline, a millisecond after
// it, as in Redis (now > deadline), and early when the wall clock steps
// past it.
func TestRapidRedisExpiry(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := sim.NewWorld(rapid.Uint64().Draw(rt, "seed"))
		defer w.Close()
		rn := AddNode(w, "r", PersistNone)
		c := w.AddNode("c")
		rate := rapid.Float64Range(-0.5, 0.5).Draw(rt, "rate")
		rn.Node().SetDrift(rate)
		px := rapid.Int64Range(1, 10000).Draw(rt, "px")
		stepAt := time.Duration(rapid.Int64Range(0, int64(20*time.Second)).Draw(rt, "stepAt"))
		step := time.Duration(rapid.Int64Range(0, int64(20*time.Second)).Draw(rt, "step"))
		var setWall time.Time
		OnCommand(w, func(cmd Command) {
			if cmd.Args[0] == "SET" {
				setWall = cmd.Wall
			}
		})
		var exp *sim.Event
		var before time.Time // the wall clock 1ns before the expiry
		w.OnEvent(func(e sim.Event) {
			if e.Kind == EvExpire {
				exp = &e
				// the node's drift is constant from 0: mono(t) = t + ⌊t·rate⌋
				mono := func(t time.Duration) time.Duration { return t + time.Duration(math.Floor(float64(t)*rate)) }
				before = e.Wall.Add(-(mono(e.At) - mono(e.At-1)))
			}
		})
		w.Spawn(c, "set", func(r *sim.Runtime) {
			_, err := rn.Conn(c).Do(context.Background(), "SET", "k", "v", "PX", px)
			assert.NoError(rt, err)
		})
		stepped := time.Duration(-1)
		w.At(stepAt, func() {
			if setWall.IsZero() {
				return // not set yet: no step
			}
			rn.Node().StepWall(step)
			stepped = w.Elapsed()
		})
		w.Run(time.Minute)
		require.NotNil(rt, exp, "key never expired")
		deadline := setWall.Add(time.Duration(px) * time.Millisecond)
		gone := deadline.Add(time.Millisecond) // the Redis clock is past the deadline
		assert.False(rt, exp.Wall.Before(gone), "expired at wall %v before its deadline %v had passed", exp.Wall, deadline)
		if exp.At == stepped {
			return // expired by the step
		}
		assert.True(rt, before.Before(gone), "expired late: wall %v at the previous ns, deadline %v", before, deadline)
		assert.Equal(rt, time.Duration(-2), rn.PTTL("k"))
	})
}
