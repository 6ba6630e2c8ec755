package simlock

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/bsm/redislock"
	"github.com/go-redsync/redsync/v4"
	"github.com/go-redsync/redsync/v4/redis/goredis/v9"
	goredislib "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The libraries, run unmodified on go-redis v9 against a Redis server
// (miniredis on loopback), send exactly the scripts LibraryScripts lists:
// after redsync's Lock, Extend (with and without WithSetNXOnExtend) and
// Unlock, and redislock's Obtain, Refresh, TTL and Release, the server
// holds a script under every SHA-1 of the table, and none before. This is
// the run-time counterpart of TestLibraryScriptsMatchFastPaths, which reads
// the source.
func TestLibrariesSendTheirScripts(t *testing.T) {
	mr := miniredis.RunT(t)
	client := goredislib.NewClient(&goredislib.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	ctx := context.Background()
	var shas []string
	for _, ls := range LibraryScripts() {
		shas = append(shas, ls.SHA1)
	}
	exists := func() []bool {
		got, err := client.ScriptExists(ctx, shas...).Result()
		require.NoError(t, err)
		return got
	}
	require.Equal(t, make([]bool, len(shas)), exists(), "scripts loaded before the libraries ran")

	rs := redsync.New(goredis.NewPool(client))
	for _, opts := range [][]redsync.Option{nil, {redsync.WithSetNXOnExtend()}} {
		m := rs.NewMutex("redsync-lock", append(opts, redsync.WithExpiry(time.Minute))...)
		require.NoError(t, m.Lock())
		ok, err := m.Extend()
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = m.Unlock()
		require.NoError(t, err)
		require.True(t, ok)
	}

	locker := redislock.New(client)
	lock, err := locker.Obtain(ctx, "redislock-lock", time.Minute, nil)
	require.NoError(t, err)
	require.NoError(t, lock.Refresh(ctx, time.Minute, nil))
	ttl, err := lock.TTL(ctx)
	require.NoError(t, err)
	assert.Positive(t, ttl)
	require.NoError(t, lock.Release(ctx))

	got := exists()
	for i, ls := range LibraryScripts() {
		assert.True(t, got[i], "%s was not sent (SHA-1 %s)", libName(ls), ls.SHA1)
	}
}
