package main

import (
	"testing"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/scenario"
	"github.com/stretchr/testify/require"
)

// customArtifact saves the artifact of a violating run of a custom lock
// (built-in lua under another name: simrun could replay the built-in
// lock and would see a different trace if the lock differed).
func customArtifact(t *testing.T) string {
	t.Helper()
	sc, err := scenario.Lookup("gc-pause")
	require.NoError(t, err)
	cfg, err := sc.Config("lua")
	require.NoError(t, err)
	cfg.Clients = 2
	newLock := func(env locks.Env) (locks.Locker, error) { return locks.New("lua", env, env.Options) }
	res, err := scenario.Run(cfg, 1, scenario.Options{NewLock: newLock, LockName: "mine"})
	require.NoError(t, err)
	require.True(t, res.Failed())
	path, err := scenario.SaveArtifact(res, t.TempDir())
	require.NoError(t, err)
	return path
}

// TestCustomLockArtifactRefused: simrun cannot build a user's lock, so
// replay and shrink refuse its artifact with exit 2 and one sentence
// naming the Go function that replays it; never a nondeterminism (3) or
// a shrink of the built-in lock.
func TestCustomLockArtifactRefused(t *testing.T) {
	art := customArtifact(t)
	for _, sub := range []string{"replay", "shrink"} {
		t.Run(sub, func(t *testing.T) {
			code, out, errOut := simrun(t, sub, art)
			require.Equal(t, exitBadInput, code, out+errOut)
			require.Equal(t, "simrun "+sub+": "+art+": "+scenario.CustomLockHint("mine", art)+".\n", errOut)
			require.Contains(t, errOut, "scenario.CheckArtifact(t, ")
			require.NotContains(t, out, "shrink "+art)
		})
	}
}
