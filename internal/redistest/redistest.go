// Package redistest finds the real redis-server that tests run against.
package redistest

import (
	"os"
	"testing"
)

// Addr returns the address of the real redis-server the tests run against
// (LOCKSIM_REDIS_ADDR, e.g. 127.0.0.1:6399). Unset, the test skips, except
// under CI=true, where it fails.
func Addr(t testing.TB) string {
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
