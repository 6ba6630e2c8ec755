package simlock

import (
	"time"

	"github.com/locksim/locksim/sim"
)

// randomFaults (a copy of sim's test helper) schedules faults on nodes
// drawn from the world's PRNG, one every [0, spacing) of virtual time until
// horizon: crash and restart,
// pause, partition and heal, drift, wall step, loss, and (with kinds 7)
// extra delay. kinds is how many of those kinds are drawn from, in that
// order.
func randomFaults(w *sim.World, all []*sim.Node, horizon, spacing time.Duration, kinds int) {
	rng := w.Rand()
	for at := time.Duration(0); at < horizon; at += time.Duration(rng.Int64N(int64(spacing))) {
		n := all[rng.IntN(len(all))]
		switch rng.IntN(kinds) {
		case 0:
			w.At(at, func() { w.Crash(n) })
			w.At(at+time.Duration(rng.Int64N(int64(time.Second))), func() { w.Restart(n) })
		case 1:
			w.At(at, func() { w.Pause(n, time.Duration(rng.Int64N(int64(time.Second)))) })
		case 2:
			k := 1 + rng.IntN(len(all)-1)
			a, b := all[:k], all[k:]
			w.At(at, func() { w.Partition(a, b) })
			w.At(at+time.Duration(rng.Int64N(int64(time.Second))), w.Heal)
		case 3:
			r := (rng.Float64() - 0.5) / 10
			w.At(at, func() { n.SetDrift(r) })
		case 4:
			d := time.Duration(rng.Int64N(int64(2*time.Second))) - 500*time.Millisecond
			w.At(at, func() { n.StepWall(d) })
		case 5:
			p := rng.Float64() / 4
			m := all[rng.IntN(len(all))]
			w.At(at, func() { w.SetLoss(n, m, p) })
		case 6:
			m := all[rng.IntN(len(all))]
			w.At(at, func() { w.SetExtraDelay(n, m, 100*time.Millisecond) })
			w.At(at+time.Duration(rng.Int64N(int64(time.Second))), func() { w.SetExtraDelay(n, m, 0) })
		}
	}
}
