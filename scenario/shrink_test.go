package scenario

import (
	"context"
	"testing"

	"github.com/locksim/locksim/faults"
	"github.com/stretchr/testify/require"
)

func TestShrinkKeepsTheViolation(t *testing.T) {
	cfg := namedConfig(t, "gc-pause", "lua")
	// Add a fault that has nothing to do with the violation.
	cfg.Faults.Faults = append(cfg.Faults.Faults, faults.Fault{Kind: faults.ClockDrift, At: 1e9, Node: "redis-1", Rate: 1e-4, For: 2e9})
	sr, err := Shrink(context.Background(), cfg, 1, ShrinkOptions{MaxRuns: 60})
	require.NoError(t, err)
	require.Equal(t, "mutual-exclusion", sr.Check)
	require.Equal(t, uint64(1), sr.Seed)
	require.Equal(t, 1, sr.Config.Faults.Len(), "the unrelated fault goes:\n%s", sr.Config.Faults)
	require.Less(t, sr.Config.Clients, cfg.Clients)
	require.NotEmpty(t, sr.Removed)
	c, ok := sr.Result.Check("mutual-exclusion")
	require.True(t, ok)
	require.Equal(t, "violation", c.Verdict.String())
}

func TestShrinkNeedsAViolation(t *testing.T) {
	_, err := Shrink(context.Background(), shortConfig("lua"), 1, ShrinkOptions{})
	require.ErrorIs(t, err, ErrNoViolation)
}

// TestShrinkKeepChangesTheResult: with a predicate the shrink keeps what
// the predicate says, not "some check fails": here the violation with at
// least three clients, so the minimal run keeps three clients where the
// default shrink goes below.
func TestShrinkKeepChangesTheResult(t *testing.T) {
	cfg := namedConfig(t, "gc-pause", "lua")
	plain, err := Shrink(context.Background(), cfg, 1, ShrinkOptions{MaxRuns: 40})
	require.NoError(t, err)
	require.Less(t, plain.Config.Clients, 3)

	keep := func(r *Result) bool { return r.Outcome() == Unsafe && r.Config.Clients >= 3 }
	kept, err := Shrink(context.Background(), cfg, 1, ShrinkOptions{MaxRuns: 40, Keep: keep, Check: "ignored with keep"})
	require.NoError(t, err)
	require.Equal(t, 3, kept.Config.Clients)
	require.Equal(t, "", kept.Check)
	require.True(t, keep(kept.Result))
	require.NotEqual(t, plain.Config, kept.Config)

	_, err = Shrink(context.Background(), cfg, 1, ShrinkOptions{Keep: func(*Result) bool { return false }})
	require.ErrorIs(t, err, ErrNoViolation)
}

// TestShrinkKeepAgainstAReference keeps "fails for the lock under test and
// passes for the reference lock" (fenced, lua's correct twin): the minimal
// run still shows this bug, not one the reference shares.
func TestShrinkKeepAgainstAReference(t *testing.T) {
	passesForFenced := func(c Config, seed uint64) bool {
		c.Lock = "fenced"
		r, err := Run(c, seed, Options{})
		return err == nil && r.Outcome() == Safe
	}
	keep := func(r *Result) bool { return r.Outcome() == Unsafe && passesForFenced(r.Config, r.Seed) }
	sr, err := Shrink(context.Background(), namedConfig(t, "gc-pause", "lua"), 1, ShrinkOptions{MaxRuns: 40, Keep: keep})
	require.NoError(t, err)
	require.NotEmpty(t, sr.Removed)
	require.Equal(t, Unsafe, sr.Result.Outcome())
	require.True(t, passesForFenced(sr.Config, sr.Seed))
}
