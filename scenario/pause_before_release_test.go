package scenario

import (
	"context"
	"testing"

	"github.com/locksim/locksim/locks"
	"github.com/stretchr/testify/require"
)

// plainDelLua is the lua lock with the release the scenario exists to
// catch: a plain DEL, which deletes whoever's key is there.
type plainDelLua struct {
	*locks.LuaLock
	conn locks.Conn
}

func (l plainDelLua) Unlock(ctx context.Context, lease locks.Lease) error {
	_, err := l.conn.Do(ctx, "DEL", lease.Key)
	return err
}

// pause-before-release is safe for every built-in lock (their releases are
// owner-checked), and it must catch a lock whose release is a plain DEL:
// the paused holder's late release deletes the next holder's key, and a
// third client acquires while the second still works.
func TestPauseBeforeReleaseCatchesAPlainDelRelease(t *testing.T) {
	opts := Options{LockName: "lua-plain-del", NewLock: func(env locks.Env) (locks.Locker, error) {
		o := env.Options
		l, err := locks.NewLua(env.Runtime, env.Conns[0], locks.LuaOptions{Key: o.Key, TTL: o.TTL, Tries: o.Tries, RetryDelay: o.RetryDelay, MinRetryDelay: o.MinRetryDelay, MaxRetryDelay: o.MaxRetryDelay})
		return plainDelLua{LuaLock: l, conn: env.Conns[0]}, err
	}}
	cfg := namedConfig(t, "pause-before-release", "lua")
	count, first := outcomes(t, cfg, opts, 10)
	require.Positivef(t, count[Unsafe], "no seed of 10 caught the plain DEL: %v", count)
	t.Logf("plain DEL under pause-before-release: %v (first: %v)", count, first)
	count, _ = outcomes(t, cfg, Options{}, 10)
	require.Equal(t, 10, count[Safe], "the owner-checked lua release: %v", count)
}
