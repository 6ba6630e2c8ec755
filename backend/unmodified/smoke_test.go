package unmodified

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/scenario"
)

func runNamed(t *testing.T, lock, name string, seed uint64) *scenario.Result {
	t.Helper()
	sc, err := scenario.Lookup(name)
	require.NoError(t, err)
	cfg, err := sc.Config(lock)
	require.NoError(t, err)
	res, err := scenario.Run(cfg, seed, scenario.Options{Backend: NewBackend(t)})
	require.NoError(t, err)
	return res
}

func TestSmoke(t *testing.T) {
	for _, lock := range []string{"redsync", "redislock"} {
		for _, sc := range []string{"gc-pause", "pause-during-acquire"} {
			for i := 0; i < 5; i++ {
				res := runNamed(t, lock, sc, 1)
				t.Log(lock, sc, res.Outcome(), res.TraceHash, res.Stats, len(res.History))
			}
		}
	}
}
