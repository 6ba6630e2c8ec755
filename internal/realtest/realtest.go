// Package realtest holds the one rule for tests that need a real part (a
// redis-server, an etcd-server, gcc, chromium): without it they skip
// locally and fail under CI=true, where .ci/run installs every real part,
// so that an absence there is a broken CI, never a silent pass.
package realtest

import "os"

// T is what Missing needs of a test: testing.TB has it.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// Missing ends t because a real part it needs is absent: why says what is
// missing, tests names the tests that cannot run. Under CI=true t fails;
// elsewhere it skips.
func Missing(t T, why, tests string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s, and CI=true requires %s to run", why, tests)
		return
	}
	t.Skipf("%s: %s skipped", why, tests)
}
