package scenario

import (
	"testing"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// extendConfig is a run whose critical sections outlast the TTL (2x TTL of
// work, extends every TTL/2).
func extendConfig(lock string) Config {
	c := base(lock)
	c.WorkMin, c.WorkMax, c.ExtendEvery = Duration(2*ttl), Duration(2*ttl), Duration(ttl/2)
	return c
}

// Without faults, a client working past the TTL keeps its lease by
// extending it: every extend succeeds with a validity later than the one
// before, and every check passes.
func TestExtendingClientsKeepTheirLease(t *testing.T) {
	for _, lock := range []string{"lua", "redlock", "fenced"} {
		t.Run(lock, func(t *testing.T) {
			res, err := Run(extendConfig(lock), 1, Options{})
			require.NoError(t, err)
			require.Equal(t, Safe, res.Outcome(), explain(res))
			last := map[int]time.Duration{}
			extends := 0
			for _, e := range res.History {
				switch {
				case e.Op == histories.OpAcquire && e.Type == histories.OK:
					last[e.OpID] = e.ValidUntilTrue
				case e.Op == histories.OpExtend && e.Type != histories.Invoke:
					require.Equal(t, histories.OK, e.Type, "extend failed without a fault: %s", e.Error)
					require.NotZero(t, e.CS, "an extend names its critical section")
					assert.Greater(t, e.ValidUntilTrue, last[e.CS], "an extend moves the validity later")
					last[e.CS] = e.ValidUntilTrue
					extends++
				}
			}
			// Each critical section of 2 TTL in steps of TTL/2 extends 3 times.
			assert.GreaterOrEqual(t, extends, 3, "the holder extends its lease")
			assert.Zero(t, extends%3, "three extends per critical section")
		})
	}
}

// A client whose extend fails no longer holds the lock and must stop: the
// holder pauses past its lease before its first extend, the extend fails,
// and it never writes, so nothing overlaps. A client that ignored the
// failure would write on an expired lease (as extend-gc-pause's does).
func TestFailedExtendEndsTheCriticalSection(t *testing.T) {
	cfg := extendConfig("lua")
	cfg.Faults.Faults = []faults.Fault{{Kind: faults.Pause, When: &faults.Trigger{Op: faults.OpRead, Phase: faults.PhaseOK, Client: 1, After: time.Second}, Node: faults.Holder, For: 2 * ttl}}
	res, err := Run(cfg, 1, Options{})
	require.NoError(t, err)
	failed := false
	for _, e := range res.History {
		if e.Process != 1 || e.CS != 1 {
			continue
		}
		assert.NotEqual(t, histories.OpWrite, e.Op, "the holder wrote after its extend failed")
		if e.Op == histories.OpExtend && e.Type == histories.Fail {
			failed = true
		}
	}
	require.True(t, failed, "the holder's extend after the pause fails")
	mx, _ := res.Check(model.NameMutualExclusion)
	assert.Equal(t, model.OK, mx.Verdict, "%s", mx)
}

func TestExtendEveryMustBeBelowTheTTL(t *testing.T) {
	for _, d := range []time.Duration{-time.Second, ttl, 2 * ttl, time.Microsecond} {
		cfg := extendConfig("lua")
		cfg.ExtendEvery = Duration(d)
		err := cfg.Validate()
		require.ErrorIs(t, err, ErrBadConfig, "extend_every %s", d)
		assert.Contains(t, err.Error(), "extend_every")
	}
	require.NoError(t, extendConfig("lua").Validate())
}
