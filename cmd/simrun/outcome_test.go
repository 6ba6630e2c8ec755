package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunOutcomes: run exits 1 for a stuck lock as for a violation, and 0
// for an undecided run, which it reports as UNKNOWN with the check that
// could not decide and why, never as safe.
func TestRunOutcomes(t *testing.T) {
	code, out, errOut := simrun(t, "run", "--lock", "setnx", "--scenario", "slow-reply", "--out", t.TempDir())
	require.Equal(t, exitViolation, code, errOut)
	require.Contains(t, out, "verdict: violation (stuck)")

	code, out, errOut = simrun(t, "run", "--lock", "mutex", "--scenario", "holder-crash", "--out", t.TempDir())
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "verdict: unknown (unknown)\n")
	require.Contains(t, out, "UNKNOWN: no check found a violation, but some could not decide")
	require.Contains(t, out, "  liveness: after the last fault healed")
	require.NotContains(t, out, "(safe)")

	code, out, errOut = simrun(t, "run", "--lock", "mutex", "--scenario", "holder-crash", "--json", "--out", t.TempDir())
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

// TestMatrixUndecidedCell: the matrix shows an all-unknown cell as
// undecided, with its reason, and counts the cells that match.
func TestMatrixUndecidedCell(t *testing.T) {
	code, out, errOut := simrun(t, "matrix", "--seeds", "2", "--locks", "mutex,setnx", "--scenarios", "holder-crash")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "| holder-crash | 0/2 ?2 undecided (exp unknown ✓) | 0/2 +2 stuck seed 1 (exp stuck ✓) |")
	require.Contains(t, out, "- holder-crash/mutex: unknown: the crash takes the whole process")
	require.Contains(t, out, "  undecided (2/2 seeds; seed 1):\n    liveness: ")
	require.Contains(t, out, "- holder-crash/setnx: stuck: no TTL")
	require.Contains(t, out, "2 of 2 cells match their expectation.\n")
}
