package realredis

import (
	"os/exec"
	"testing"

	"github.com/locksim/locksim/internal/realtest"
)

// Require skips t when redis-server (or, with shim, gcc) is not on the
// PATH, except under CI=true, where it fails, as the other real-Redis tests
// do (internal/redistest).
func Require(t testing.TB, shim bool) {
	t.Helper()
	tools := []string{"redis-server"}
	if shim {
		tools = append(tools, "gcc")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			realtest.Missing(t, tool+" is not on the PATH", "the real-Redis tests")
			return
		}
	}
}

// ShimT builds the clock shim for t, into a temporary directory of its own.
func ShimT(t testing.TB) string {
	t.Helper()
	Require(t, true)
	lib, err := BuildShim(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// StartT starts a server for t (Start) in a temporary directory, and stops
// it by its PID when t ends.
func StartT(t testing.TB, cfg Config) *Server {
	t.Helper()
	Require(t, cfg.Shim != "")
	s, err := Start(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
