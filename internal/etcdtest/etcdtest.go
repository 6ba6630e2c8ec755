// Package etcdtest finds the real etcd-server that tests run against.
package etcdtest

import (
	"os"
	"testing"
)

// Endpoint returns the client endpoint of the real etcd-server the tests run
// against (LOCKSIM_ETCD_ENDPOINT, e.g. 127.0.0.1:12379; scripts/with-etcd
// sets it). Unset, the test skips, except under CI=true, where it fails.
func Endpoint(t testing.TB) string {
	t.Helper()
	ep := os.Getenv("LOCKSIM_ETCD_ENDPOINT")
	if ep == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LOCKSIM_ETCD_ENDPOINT is unset, and CI=true requires the real-etcd tests to run")
		}
		t.Skip("LOCKSIM_ETCD_ENDPOINT is unset: real-etcd tests skipped")
	}
	return ep
}
