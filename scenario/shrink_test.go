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
