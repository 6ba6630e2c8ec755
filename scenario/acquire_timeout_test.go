package scenario

import (
	"context"
	"fmt"
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
	"github.com/stretchr/testify/require"
)

// TestTimedOutAcquireIsIndeterminate: in slow-reply the holder's SETNX runs
// on Redis but its reply arrives after the acquire has given up. The
// acquire may have taken the lock (it did: nobody acquires again), so the
// history must record it as info, never fail: a fail would tell the
// checkers the lock was definitely not taken.
func TestTimedOutAcquireIsIndeterminate(t *testing.T) {
	sc, err := Lookup("slow-reply")
	require.NoError(t, err)
	cfg, err := sc.Config("setnx")
	require.NoError(t, err)
	res, err := Run(cfg, 1, Options{})
	require.NoError(t, err)

	var first *histories.Event
	for i, e := range res.History {
		if e.Op == histories.OpAcquire && e.Process == 1 && e.Type != histories.Invoke {
			first = &res.History[i]
			break
		}
	}
	require.NotNil(t, first, "client 1's first acquire never completed")
	require.Contains(t, first.Error, "deadline exceeded")
	require.Equal(t, histories.Info, first.Type, "a timed-out acquire whose SETNX ran is indeterminate: %+v", *first)
	require.Zero(t, Acquires(res.History).Acquisitions, "the SETNX that timed out took the lock for ever")
	require.Equal(t, Stuck, res.Outcome())
}

func TestAcquireOutcome(t *testing.T) {
	for _, c := range []struct {
		err  error
		want histories.Type
	}{
		{fmt.Errorf("setnx: %w: gave up: %w", locks.ErrNotAcquired, context.DeadlineExceeded), histories.Info},
		{fmt.Errorf("lock: %w", context.Canceled), histories.Info},
		{fmt.Errorf("lua: %w", locks.ErrNotAcquired), histories.Fail},
	} {
		require.Equal(t, c.want, acquireOutcome(c.err), c.err.Error())
	}
}

// A release refused by a crashed node did not run: a definite fail. One
// that a redlock quorum could not confirm stays indeterminate.
func TestReleaseOutcome(t *testing.T) {
	for _, c := range []struct {
		err  error
		want histories.Type
	}{
		{fmt.Errorf("lua: unlock: %w", sim.ErrConnRefused), histories.Fail},
		{fmt.Errorf("lua: unlock: %w", locks.ErrNotOwner), histories.Fail},
		{fmt.Errorf("lua: unlock: %w", context.DeadlineExceeded), histories.Info},
		{fmt.Errorf("redlock: unlock: %w: %w", locks.ErrNoQuorum, sim.ErrConnRefused), histories.Info},
	} {
		require.Equal(t, c.want, releaseOutcome(c.err), c.err.Error())
	}
}
