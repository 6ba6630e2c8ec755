package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/internal/golden"
)

// simrun runs the CLI in-process and returns its exit code and output.
func simrun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestScenarios(t *testing.T) {
	code, out, errOut := simrun(t, "scenarios")
	require.Equal(t, exitOK, code, errOut)
	require.Empty(t, errOut)
	golden.Check(t, "scenarios.golden", []byte(out))
}

func TestHelp(t *testing.T) {
	code, out, _ := simrun(t, "help")
	require.Equal(t, exitOK, code)
	golden.Check(t, "help.golden", []byte(out))
	code, out, _ = simrun(t, "run", "-h")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "--lock")
}

func TestRunNoViolation(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := simrun(t, "run", "--lock", "fenced", "--clients", "2", "--duration", "5s", "--ttl", "2s", "--out", dir)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "verdict: ok")
	require.Contains(t, out, "mutual-exclusion")
	require.Contains(t, out, "trace hash: ")
	entries, _ := os.ReadDir(dir)
	require.Empty(t, entries, "no artifact without a violation")
}

func TestRunViolation(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := simrun(t, "run", "--lock", "lua", "--scenario", "gc-pause", "--seed", "1", "--clients", "3", "--out", dir)
	require.Equal(t, exitViolation, code, errOut)
	art := filepath.Join(dir, "lua-gc-pause-seed1.json")
	require.FileExists(t, art)
	for _, want := range []string{
		"verdict: violation", "mutual-exclusion violation:", "timeline ", "2 HOLDERS",
		"artifact: " + art, "visualization: ", "reproduce:", "simrun replay " + art,
		"simrun run --lock lua --scenario gc-pause --seed 1 --clients 3 --out " + dir,
	} {
		require.Contains(t, out, want)
	}
}

func TestRunJSON(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args     []string
		code     int
		verdict  string
		artifact bool
	}{
		{[]string{"--lock", "lua", "--scenario", "gc-pause", "--clients", "2"}, exitViolation, "violation", true},
		{[]string{"--lock", "mutex", "--clients", "2", "--duration", "3s"}, exitOK, "ok", false},
	} {
		code, out, errOut := simrun(t, append([]string{"run", "--json", "--out", dir}, tc.args...)...)
		require.Equal(t, tc.code, code, errOut)
		var j map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &j), out)
		for _, k := range []string{"seed", "lock", "scenario", "verdict", "checks", "trace_hash", "artifact"} {
			require.Contains(t, j, k)
		}
		require.Equal(t, tc.verdict, j["verdict"])
		require.Equal(t, float64(1), j["seed"])
		checks, ok := j["checks"].(map[string]any)
		require.True(t, ok)
		require.Contains(t, checks, "mutual-exclusion")
		if tc.artifact {
			require.FileExists(t, j["artifact"].(string))
		} else {
			require.Nil(t, j["artifact"])
		}
	}
}

func TestRunRandomFaultsFile(t *testing.T) {
	dir := t.TempDir()
	sched := filepath.Join(dir, "faults.json")
	require.NoError(t, os.WriteFile(sched, []byte(`{"faults":[{"kind":"pause","when":{"op":"acquire","phase":"ok","client":1},"node":"holder","for":"4s"}]}`), 0o644))
	code, out, errOut := simrun(t, "run", "--lock", "lua", "--faults", sched, "--ttl", "2s", "--clients", "2", "--duration", "6s", "--out", dir)
	require.Equal(t, exitViolation, code, errOut)
	require.Contains(t, out, "simrun run --lock lua --faults "+sched+" --seed 1")
	code, _, errOut = simrun(t, "run", "--lock", "redlock", "--faults", "random", "--seed", "3", "--ttl", "1s", "--duration", "10s", "--clients", "2", "--out", dir)
	require.Contains(t, []int{exitOK, exitViolation}, code, errOut)
}

// stable drops the lines of explore's output that hold wall times.
func stable(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "wall time") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func TestExploreSameForJobs1And2(t *testing.T) {
	var outs [2]string
	for i, jobs := range []string{"1", "2"} {
		dir := filepath.Join(t.TempDir(), "out")
		code, out, errOut := simrun(t, "explore", "--lock", "lua", "--faults", "random", "--ttl", "1s", "--duration", "10s",
			"--clients", "3", "--seeds", "12", "--from", "1", "--jobs", jobs, "--out", dir)
		require.Contains(t, []int{exitOK, exitViolation}, code, errOut)
		require.Contains(t, errOut, "progress: 12/12 seeds")
		require.Contains(t, out, "runs: 12")
		outs[i] = strings.ReplaceAll(stable(out), dir, "OUT")
	}
	require.Equal(t, outs[0], outs[1])
}

func TestExploreScenario(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := simrun(t, "explore", "--lock", "lua", "--scenario", "gc-pause", "--clients", "2", "--seeds", "2", "--keep", "1", "--out", dir)
	require.Equal(t, exitViolation, code, errOut)
	require.Contains(t, out, "violations: 2 (rate 100.0%)")
	require.Contains(t, out, "first failing seed: 1")
	require.Contains(t, out, "simrun replay "+filepath.Join(dir, "lua-gc-pause-seed1.json"))
	require.Contains(t, out, "simrun run --lock lua --scenario gc-pause --seed 1 --clients 2")
	require.Contains(t, out, "seed 2: violation")
	require.Contains(t, out, "not saved, --keep reached")
	require.Contains(t, out, "wall time to first violation")
}

func TestMatrix(t *testing.T) {
	code, out, errOut := simrun(t, "matrix", "--seeds", "1", "--locks", "lua,mutex", "--scenarios", "gc-pause,slow-reply")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "| scenario | lua | mutex |")
	require.Contains(t, out, "| slow-reply | 1/1 seed 1 (exp violation ✓) | – |")
	require.Contains(t, out, "not meaningful")
	require.Contains(t, out, "| lock | acquisitions | p50 | p99 |")

	code, out, errOut = simrun(t, "matrix", "--seeds", "1", "--locks", "setnx", "--scenarios", "holder-crash", "--json")
	require.Equal(t, exitOK, code, errOut)
	var m struct {
		Rows []struct {
			Cells []struct {
				Stuck        int    `json:"stuck"`
				FirstFailing uint64 `json:"first_failing"`
				Match        bool   `json:"match"`
			} `json:"cells"`
		} `json:"rows"`
		Perf []map[string]any `json:"perf"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &m), out)
	require.Equal(t, 1, m.Rows[0].Cells[0].Stuck)
	require.True(t, m.Rows[0].Cells[0].Match)
	require.Len(t, m.Perf, 1)
}

// violatingArtifact writes a small failing artifact and returns its path.
func violatingArtifact(t *testing.T) string {
	dir := t.TempDir()
	code, _, errOut := simrun(t, "run", "--lock", "lua", "--scenario", "gc-pause", "--clients", "2", "--duration", "25s", "--out", dir)
	require.Equal(t, exitViolation, code, errOut)
	return filepath.Join(dir, "lua-gc-pause-seed1.json")
}

func TestReplay(t *testing.T) {
	art := violatingArtifact(t)
	viz := t.TempDir()
	code, out, errOut := simrun(t, "replay", art, "--out", viz)
	require.Equal(t, exitViolation, code, errOut)
	require.Contains(t, out, "visualization: "+viz)
	require.Contains(t, out, "reproduced")
	require.Contains(t, out, "timeline ")
	require.Contains(t, out, "simrun replay "+art)
	require.NotContains(t, out, "verdicts differ")
}

func TestReplayNondeterminism(t *testing.T) {
	art := violatingArtifact(t)
	data, err := os.ReadFile(art)
	require.NoError(t, err)
	re := regexp.MustCompile(`"trace_hash": "([0-9a-f]+)"`)
	m := re.FindSubmatch(data)
	require.NotNil(t, m)
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	require.NoError(t, os.WriteFile(tampered, re.ReplaceAll(data, []byte(`"trace_hash": "00000000deadbeef"`)), 0o644))
	code, out, errOut := simrun(t, "replay", tampered, "--out", t.TempDir())
	require.Equal(t, exitNondeterminism, code, out)
	require.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
	require.Contains(t, errOut, "00000000deadbeef")
	require.Contains(t, errOut, string(m[1]))
}

func TestShrink(t *testing.T) {
	art := violatingArtifact(t)
	min := filepath.Join(t.TempDir(), "min.json")
	code, out, errOut := simrun(t, "shrink", art, "--out", min)
	require.Equal(t, exitViolation, code, errOut)
	require.FileExists(t, min)
	require.Contains(t, out, "kept: mutual-exclusion violation")
	require.Contains(t, out, "  - ")
	require.Contains(t, out, "simrun replay "+min)
	code, _, errOut = simrun(t, "replay", min, "--out", t.TempDir())
	require.Equal(t, exitViolation, code, errOut)
}

func TestExperiment(t *testing.T) {
	code, out, errOut := simrun(t, "experiment", "retry-jitter", "--seeds", "1", "--duration", "3s")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "| fixed 100ms |")
	require.Contains(t, out, "| random 50ms-250ms (go-redsync) |")
	require.Contains(t, out, "Answer")
}
