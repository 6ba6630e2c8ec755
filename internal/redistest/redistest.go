// Package redistest finds the real redis-server that tests run against.
package redistest

import (
	"os"
	"testing"

	"github.com/locksim/locksim/internal/realtest"
)

// Addr returns the address of the real redis-server the tests run against
// (LOCKSIM_REDIS_ADDR, e.g. 127.0.0.1:6399). Unset, the test skips, except
// under CI=true, where it fails.
func Addr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("LOCKSIM_REDIS_ADDR")
	if addr == "" {
		realtest.Missing(t, "LOCKSIM_REDIS_ADDR is unset", "the real-Redis tests")
	}
	return addr
}
