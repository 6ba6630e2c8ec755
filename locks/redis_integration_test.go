package locks

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/locksim/locksim/internal/redistest"
)

// TestLocksOnRealRedis runs the lock suite against a real redis-server:
// acquire/release, contention between goroutines, expiry after the TTL in
// real time, release refused for a non-owner, and redlock over databases 1,
// 2 and 3 of the server as three nodes. It only creates keys prefixed
// "locksim-test:" and deletes them.
func TestLocksOnRealRedis(t *testing.T) {
	addr := redistest.Addr(t)
	runLockSuite(t, redisTarget{client: func(t *testing.T, db int) *redis.Client {
		return newTestClient(t, addr, db)
	}})
}
