// Package etcdtest finds the real etcd-server that tests run against.
package etcdtest

import (
	"os"
	"testing"

	"github.com/locksim/locksim/internal/realtest"
)

// Endpoint returns the client endpoint of the real etcd-server the tests run
// against (LOCKSIM_ETCD_ENDPOINT, e.g. 127.0.0.1:12379; scripts/with-etcd
// sets it). Unset, the test skips, except under CI=true, where it fails.
func Endpoint(t testing.TB) string {
	t.Helper()
	ep := os.Getenv("LOCKSIM_ETCD_ENDPOINT")
	if ep == "" {
		realtest.Missing(t, "LOCKSIM_ETCD_ENDPOINT is unset", "the real-etcd tests")
	}
	return ep
}
