package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The library rows run from simrun's own code (under unmodified.Main, as
// the binary's main runs them): the exit codes of issue 12.
func TestUnmodifiedRowsExitCodes(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"run", "--lock", "redsync", "--scenario", "gc-pause", "--seed", "1"}, exitViolation},
		{[]string{"run", "--lock", "redislock", "--scenario", "gc-pause", "--seed", "1"}, exitViolation},
		{[]string{"run", "--lock", "redsync", "--scenario", "pause-during-acquire", "--seed", "1"}, exitOK},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errOut := simrun(t, append(c.args, "--out", t.TempDir())...)
			require.Equal(t, c.code, code, out+errOut)
		})
	}
}

func TestUnmodifiedRefusesClientClockFaults(t *testing.T) {
	for _, sc := range []string{"client-clock-jump", "client-clock-drift", "client-clock-jump-forward"} {
		code, out, errOut := simrun(t, "run", "--lock", "redsync", "--scenario", sc)
		require.Equal(t, exitBadInput, code, out)
		require.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
		require.Contains(t, errOut, "cannot be given to unmodified code")
		require.Regexp(t, `a clock-(step|drift) on holder|a clock-(step|drift) on client-`, errOut)
	}
}

func TestUnmodifiedReplay(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := simrun(t, "run", "--lock", "redislock", "--scenario", "gc-pause", "--clients", "3", "--duration", "25s", "--out", dir)
	require.Equal(t, exitViolation, code, errOut)
	art := filepath.Join(dir, "redislock-gc-pause-seed1.json")
	code, out, errOut := simrun(t, "replay", art, "--out", t.TempDir())
	require.Equal(t, exitViolation, code, errOut)
	require.Contains(t, out, "reproduced")

	data, err := os.ReadFile(art)
	require.NoError(t, err)
	re := regexp.MustCompile(`"trace_hash": "([0-9a-f]+)"`)
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	require.NoError(t, os.WriteFile(tampered, re.ReplaceAll(data, []byte(`"trace_hash": "00000000deadbeef"`)), 0o644))
	code, out, _ = simrun(t, "replay", tampered, "--out", t.TempDir())
	require.Equal(t, exitNondeterminism, code, out)
}

// In a process of its own, as the binary runs it, simrun's output under
// unmodified.Main has nothing of the testing package in it, and testing's
// flags are not simrun's.
func TestUnmodifiedMainOutputIsSimruns(t *testing.T) {
	code, out, errOut, killed := simrunChildWithin(t, 2*time.Minute, "run", "--lock", "redislock", "--scenario", "gc-pause", "--clients", "2", "--duration", "20s", "--out", t.TempDir())
	require.Empty(t, killed)
	require.Equal(t, exitViolation, code, errOut)
	for _, line := range strings.Split(out+errOut, "\n") {
		require.NotContains(t, []string{"PASS", "FAIL", "ok"}, strings.TrimSpace(line))
		require.NotContains(t, line, "=== RUN")
		require.NotContains(t, line, "--- PASS")
	}
	code, _, errOut, _ = simrunChildWithin(t, time.Minute, "run", "-test.v", "--lock", "redislock")
	require.Equal(t, exitBadInput, code)
	require.Contains(t, errOut, "test.v")
}
