package live_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/backend/live"
	"github.com/locksim/locksim/internal/realredis"
	"github.com/locksim/locksim/scenario"
)

// Named cells run live reach the outcome the simulator expects of them.
func TestNamedCellsLive(t *testing.T) {
	realredis.Require(t, false)
	for _, tc := range []struct{ lock, scenario string }{
		{"lua", "gc-pause"},
		{"lua", "redis-restart-no-fsync"}, // a real kill -9 loses the key
		{"lua", "redis-restart-fsync"},    // and with appendfsync always it does not
	} {
		t.Run(tc.lock+"/"+tc.scenario, func(t *testing.T) {
			t.Parallel()
			n, err := scenario.Lookup(tc.scenario)
			require.NoError(t, err)
			cfg, err := n.Config(tc.lock)
			require.NoError(t, err)
			res, err := scenario.Run(cfg, 1, scenario.Options{Backend: live.New(cfg, live.Options{})})
			require.NoError(t, err)
			want, _ := n.Expected(tc.lock)
			assert.Equal(t, want.Expect, res.Outcome(), "checks: %+v", res.Checks)
		})
	}
}
