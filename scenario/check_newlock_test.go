package scenario

import (
	"errors"
	"testing"
	"time"

	"github.com/locksim/locksim/locks"
	"github.com/stretchr/testify/require"
)

func TestVerifyCustomLock(t *testing.T) {
	fenced := func(env locks.Env) (locks.Locker, error) {
		return locks.NewFenced(env.Runtime, env.Conns[0], locks.FencedOptions{LuaOptions: locks.LuaOptions{Key: LockKey, TTL: 8 * time.Second}})
	}
	rep, err := Verify(Spec{Like: "fenced", New: fenced, Scenario: "gc-pause", Seeds: 3, Out: t.TempDir()})
	require.NoError(t, err)
	require.True(t, rep.OK(), rep.String())

	broken := func(locks.Env) (locks.Locker, error) { return nil, errors.New("no config") }
	_, err = Verify(Spec{Like: "lua", New: broken, Scenario: "gc-pause", Seeds: 1, Out: t.TempDir()})
	require.ErrorContains(t, err, "no config")
}
