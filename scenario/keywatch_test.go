package scenario_test

import (
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/scenario"
	"github.com/locksim/locksim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWatchKeysLeavesTheRunAlone: a run watched by WatchKeys has the trace
// hash and verdicts of the same run unwatched (on the fast path, the
// dispatch to miniredis, several nodes, a key without TTL), and
// what it records is the key's real lifetime: every value an acquire
// returned was held by some node.
func TestWatchKeysLeavesTheRunAlone(t *testing.T) {
	for _, tc := range []struct{ lock, scenario string }{
		{"lua", "gc-pause"},
		{"fenced", "gc-pause"},
		{"redlock", "redis-clock-jump"},
		{"setnx", "holder-crash"},
	} {
		t.Run(tc.lock+"/"+tc.scenario, func(t *testing.T) {
			named, err := scenario.Lookup(tc.scenario)
			require.NoError(t, err)
			cfg, err := named.Config(tc.lock)
			require.NoError(t, err)
			plain, err := scenario.Run(cfg, 1, scenario.Options{})
			require.NoError(t, err)
			var ks []scenario.KeyState
			watched, err := scenario.Run(cfg, 1, scenario.Options{SimOptions: []sim.Option{scenario.WatchKeys([]string{"lock"}, &ks)}})
			require.NoError(t, err)
			require.Equal(t, plain.TraceHash, watched.TraceHash, "watching changed the run")
			require.Equal(t, plain.Verdict, watched.Verdict)
			require.NotEmpty(t, ks)

			held := map[string]bool{}
			for _, k := range ks {
				assert.Equal(t, "lock", k.Key)
				assert.Contains(t, k.Node, "redis-")
				assert.Contains(t, k.By, "client-")
				if k.Exists {
					held[k.Value] = true
				} else {
					assert.Empty(t, k.Value)
				}
			}
			n := 0
			for _, e := range watched.History {
				if e.Op == histories.OpAcquire && e.Type == histories.OK && e.Key == "lock" {
					n++
					assert.True(t, held[e.Value], "acquire %d returned %s, which no node was seen holding", e.OpID, e.Value)
				}
			}
			assert.Positive(t, n)
		})
	}
}
