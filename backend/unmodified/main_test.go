package unmodified_test

import (
	"flag"
	"os"
	"testing"

	"github.com/locksim/locksim/backend/unmodified"
)

// TestMain gives this package's Examples bubbles (unmodified.Verify), as
// unmodified.Main gives them to simrun. The test flags are parsed first:
// Main leaves a parsed command line alone.
func TestMain(m *testing.M) {
	flag.Parse()
	unmodified.Main(m.Run)
	os.Exit(0) // not reached: Main exits
}
