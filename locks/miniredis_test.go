package locks

import (
	"context"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestLocksOnMiniredis runs the lock suite against a miniredis served over
// TCP whose TTLs run on the wall clock (ClockTTL), with go-redis and the
// production Runtime: the quick version of the real-Redis tests.
func TestLocksOnMiniredis(t *testing.T) {
	s := miniredis.RunT(t)
	s.ClockTTL(true)
	runLockSuite(t, redisTarget{client: func(t *testing.T, db int) *redis.Client {
		return newTestClient(t, s.Addr(), db)
	}})
}

// newTestClient returns a go-redis client on addr and db, closed when the
// test ends.
func newTestClient(t *testing.T, addr string, db int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DB: db})
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Ping(context.Background()).Err(), "redis at %s db %d", addr, db)
	return c
}
