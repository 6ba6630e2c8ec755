package main

import (
	"github.com/locksim/locksim/report"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// scripts/explore-local runs N shard processes and merges them: the merged
// results are the unsharded explore's, byte for byte.
func TestExploreLocalScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds simrun")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	tmp := t.TempDir()
	flags := []string{"--lock", "lua", "--faults", "random", "--ttl", "1s", "--duration", "5s", "--clients", "2", "--seeds", "60", "--keep", "1000"}
	cmd := exec.Command("bash", append([]string{filepath.Join("..", "..", "scripts", "explore-local"), "3", filepath.Join(tmp, "fleet")}, flags...)...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil {
		require.ErrorAs(t, err, &ee, "%s", out)
		require.Equal(t, exitViolation, ee.ExitCode(), "%s", out)
	}
	for _, want := range []string{"shard 0/3: exit", "shard 2/3: exit", "merge: ", "runs: 60, "} {
		require.Contains(t, string(out), want)
	}
	code, _, errOut := simrun(t, append(append([]string{"explore"}, flags...), "--out", filepath.Join(tmp, "all"))...)
	require.Contains(t, []int{exitOK, exitViolation}, code, errOut)
	want, err := os.ReadFile(filepath.Join(tmp, "all", report.ResultsFile))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(tmp, "fleet", "merged", report.ResultsFile))
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
	require.Equal(t, 60, strings.Count(string(got), "\n"))
}
