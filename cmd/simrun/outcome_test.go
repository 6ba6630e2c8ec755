package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// neverHeals is a fault schedule whose partition of the only Redis node
// never ends: nothing interleaves, but whether the lock stays live after
// healing cannot be judged, so the run is undecided.
const neverHeals = `{"faults": [{"kind": "partition", "at": "5s", "a": ["redis-1"], "b": ["*"]}]}`

// TestRunOutcomes: run exits 1 for a stuck lock as for a violation, and 0
// for an undecided run, which it reports as UNKNOWN with the check that
// could not decide and why, never as safe.
func TestRunOutcomes(t *testing.T) {
	code, out, errOut := simrun(t, "run", "--lock", "setnx", "--scenario", "slow-reply", "--out", t.TempDir())
	require.Equal(t, exitViolation, code, errOut)
	require.Contains(t, out, "verdict: violation (stuck)")

	sched := filepath.Join(t.TempDir(), "never-heals.json")
	require.NoError(t, os.WriteFile(sched, []byte(neverHeals), 0o644))
	code, out, errOut = simrun(t, "run", "--lock", "lua", "--faults", sched, "--out", t.TempDir())
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "verdict: unknown (unknown)\n")
	require.Contains(t, out, "UNKNOWN: no check found a violation, but some could not decide")
	require.Contains(t, out, "  liveness: ")
	require.NotContains(t, out, "(safe)")

	code, out, errOut = simrun(t, "run", "--lock", "lua", "--faults", sched, "--json", "--out", t.TempDir())
	require.Equal(t, exitOK, code, errOut)
	var j struct {
		Outcome   string   `json:"outcome"`
		Undecided []string `json:"undecided"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &j), out)
	require.Equal(t, "unknown", j.Outcome)
	require.Len(t, j.Undecided, 1)
	require.Contains(t, j.Undecided[0], "liveness: ")
}

// TestMatrixCountsMatches: the matrix ticks a cell whose measured outcome
// equals its expectation, gives every cell's reason in a legend, and closes
// with the number of cells that match.
func TestMatrixCountsMatches(t *testing.T) {
	code, out, errOut := simrun(t, "matrix", "--seeds", "2", "--locks", "mutex,setnx", "--scenarios", "holder-crash")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "| holder-crash | 0/2 (exp safe ✓) | 0/2 +2 stuck seed 1 (exp stuck ✓) |")
	require.Contains(t, out, "- holder-crash/mutex: safe: the crash takes the whole process")
	require.Contains(t, out, "- holder-crash/setnx: stuck: no TTL")
	require.Contains(t, out, "2 of 2 cells match their expectation.\n")
}
