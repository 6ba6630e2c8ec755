package locks

import (
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// redisAddr returns the address of the real Redis server the integration
// tests run against (LOCKSIM_REDIS_ADDR, e.g. 127.0.0.1:6399). Unset, the
// tests skip, except under CI=true, where they fail.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("LOCKSIM_REDIS_ADDR")
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LOCKSIM_REDIS_ADDR is unset, and CI=true requires the real-Redis tests to run")
		}
		t.Skip("LOCKSIM_REDIS_ADDR is unset: real-Redis tests skipped")
	}
	return addr
}

// TestLocksOnRealRedis runs the lock suite against a real redis-server:
// acquire/release, contention between goroutines, expiry after the TTL in
// real time, release refused for a non-owner, and redlock over databases 1,
// 2 and 3 of the server as three nodes. It only creates keys prefixed
// "locksim-test:" and deletes them.
func TestLocksOnRealRedis(t *testing.T) {
	addr := redisAddr(t)
	runLockSuite(t, redisTarget{client: func(t *testing.T, db int) *redis.Client {
		return newTestClient(t, addr, db)
	}})
}
