package scenario

import (
	"context"
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"testing"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/model"
	"github.com/locksim/locksim/sim"
	"github.com/locksim/locksim/simlock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Without faults every lock gives mutual exclusion and progress, in the
// simulator, through the seam, unchanged: 5 clients, and redlock over 3 and
// over 5 nodes.
func TestEveryLockIsSafeAndLiveWithoutFaults(t *testing.T) {
	type cell struct {
		lock  string
		nodes int
	}
	cells := []cell{{"mutex", 0}, {"setnx", 1}, {"lua", 1}, {"fenced", 1}, {"redlock", 3}, {"redlock", 5}}
	for _, c := range cells {
		t.Run(fmt.Sprintf("%s/%d-nodes", c.lock, c.nodes), func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 3; seed++ {
				cfg := Config{Lock: c.lock, Nodes: c.nodes, Clients: 5, Duration: Duration(20 * time.Second)}
				res, err := Run(cfg, seed, Options{})
				require.NoError(t, err)
				for _, r := range res.Checks {
					assert.Equalf(t, model.OK, r.Verdict, "seed %d: %s", seed, r)
				}
				acquired := map[int]int{}
				for _, e := range res.History {
					if e.Op == histories.OpAcquire && e.Type == histories.OK {
						acquired[e.Process]++
					}
				}
				for client := 1; client <= 5; client++ {
					assert.Positivef(t, acquired[client], "seed %d: client %d never acquired the lock", seed, client)
				}
			}
		})
	}
}

// Redlock's validity is expiry − elapsed − expiry·driftFactor, computed on
// the client's own clock: until = now + expiry − (now − start) − drift, so
// with the first round granted it is start + expiry − drift whatever the
// round took, and whatever the client clock's drift.
func TestRedlockValidityIsComputedOnTheClientClock(t *testing.T) {
	for _, drift := range []float64{0, 0.05, -0.05} {
		t.Run(fmt.Sprintf("client-drift-%v", drift), func(t *testing.T) {
			w := sim.NewWorld(7, simlock.WithFastPaths())
			defer w.Close()
			var conns []locks.Conn
			client := w.AddNode("client-1")
			client.SetDrift(drift)
			for i := 1; i <= 5; i++ {
				conns = append(conns, redis.AddNode(w, fmt.Sprintf("redis-%d", i), redis.PersistAlways).Conn(client))
			}
			var start, end time.Time
			var lease locks.Lease
			var lockErr error
			w.Spawn(client, "client", func(rt *sim.Runtime) {
				l, err := locks.NewRedlock(simlock.Runtime(rt), conns, locks.RedlockOptions{Key: "k"})
				if err != nil {
					lockErr = err
					return
				}
				start = rt.Now()
				lease, lockErr = l.Lock(context.Background())
				end = rt.Now()
			})
			w.Run(time.Minute)
			require.NoError(t, lockErr)
			expiry := locks.DefaultRedlockExpiry
			driftMargin := time.Duration(float64(expiry) * locks.DefaultRedlockDriftFactor)
			assert.Equal(t, start.Add(expiry-driftMargin), lease.Validity, "validity = start + expiry - drift")
			elapsed := end.Sub(start)
			assert.Positive(t, elapsed, "the round takes network time")
			assert.Equal(t, expiry-elapsed-driftMargin, lease.Validity.Sub(end), "validity from the end of the round = expiry - elapsed - drift")
		})
	}
}
