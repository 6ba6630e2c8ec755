package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/report"
)

// A Ctrl-C (SIGINT) of explore, in a real child process, prints the
// summary of the seeds done and exits 130; results.jsonl holds exactly
// those seeds, every artifact it names is complete, and no temporary file
// is left behind.
func TestExploreCtrlC(t *testing.T) {
	dir := t.TempDir()
	enc, err := json.Marshal(exploreArgs("--for", "2m", "--out", dir))
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(enc))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	// wait until results are being written (the buffered file has grown)
	started := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !started; time.Sleep(20 * time.Millisecond) {
		tmps, _ := filepath.Glob(filepath.Join(dir, "."+report.ResultsFile+".tmp-*"))
		for _, p := range tmps {
			if st, err := os.Stat(p); err == nil && st.Size() > 0 {
				started = true
			}
		}
	}
	require.True(t, started, "explore did not start writing; stderr: %s", stderr.String())
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stdout: %s", stdout.String())
	require.Equal(t, exitInterrupted, ee.ExitCode(), "stderr: %s", stderr.String())

	out := stdout.String()
	require.Contains(t, out, "interrupted: the summary covers the ")
	runs, _ := violations(t, out)
	require.Positive(t, runs)
	lines := readResultsFile(t, dir)
	require.Len(t, lines, runs, "the summary and results.jsonl cover the same seeds")
	for i, l := range lines {
		require.Equal(t, uint64(i+1), l.Seed)
		if l.Artifact != "" {
			_, err := histories.LoadArtifact(filepath.Join(dir, l.Artifact))
			require.NoError(t, err, "artifact of seed %d", l.Seed)
		}
	}
	m, err := readManifest(dir)
	require.NoError(t, err)
	require.Equal(t, "interrupted", m.Stopped)
	require.Equal(t, runs, m.Runs)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), "."), "%s left behind", e.Name())
	}
	require.Contains(t, out, "runs: "+strconv.Itoa(runs))
}
