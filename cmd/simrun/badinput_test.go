package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/internal/golden"
)

// TestBadInput: every bad input exits 2 with one line on stderr that names
// the flag, value or file, and prints nothing on stdout. The messages are a
// golden file.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	truncated := write("truncated.json", "{\n  \"format\": \"locksim-artifact\",\n  \"version\": 1,\n  \"seed\": 7,\n  \"trace_")
	badFaults := write("bad-faults.json", `{"faults":[{"kind":"pause","at":"1s","node":"client-1"}]}`)
	notJSON := write("not-json.json", `{"faults": [`)
	unknownNode := write("unknown-node.json", `{"faults":[{"kind":"pause","at":"1s","node":"redis-9","for":"1s"}]}`)

	cases := []struct {
		name string
		args []string
		want string // must appear in the line
	}{
		{"no subcommand", nil, "missing subcommand"},
		{"unknown subcommand", []string{"frobnicate"}, `"frobnicate"`},
		{"unknown flag", []string{"run", "--lock", "lua", "--bogus"}, "--bogus"},
		{"missing lock", []string{"run"}, "--lock"},
		{"unknown lock", []string{"run", "--lock", "zookeeper"}, `--lock: unknown lock "zookeeper"`},
		{"unknown scenario", []string{"run", "--lock", "lua", "--scenario", "meteor"}, `--scenario: unknown scenario "meteor"`},
		{"scenario not meaningful", []string{"run", "--lock", "mutex", "--scenario", "slow-reply"}, "--scenario: scenario slow-reply is not meaningful for lock mutex"},
		{"bad duration", []string{"run", "--lock", "lua", "--duration", "forever"}, `--duration: "forever" is not a duration`},
		{"negative ttl", []string{"run", "--lock", "lua", "--ttl", "-1s"}, "--ttl"},
		{"bad seed", []string{"run", "--lock", "lua", "--seed", "x"}, `--seed: invalid value "x"`},
		{"too many clients", []string{"run", "--lock", "lua", "--clients", "100"}, "--clients: 100 is out of range"},
		{"nodes for lua", []string{"run", "--lock", "lua", "--nodes", "3"}, "--nodes"},
		{"bad workload", []string{"run", "--lock", "lua", "--workload", "bank"}, `--workload: unknown workload "bank"`},
		{"scenario and faults", []string{"run", "--lock", "lua", "--scenario", "gc-pause", "--faults", "random"}, "--scenario and --faults"},
		{"missing faults file", []string{"run", "--lock", "lua", "--faults", filepath.Join(dir, "nope.json")}, "--faults: cannot read " + filepath.Join(dir, "nope.json")},
		{"bad faults JSON", []string{"run", "--lock", "lua", "--faults", badFaults}, "--faults " + badFaults + ": faults[0].for"},
		{"faults not JSON", []string{"run", "--lock", "lua", "--faults", notJSON}, "--faults " + notJSON},
		{"faults unknown node", []string{"run", "--lock", "lua", "--faults", unknownNode}, "redis-9"},
		{"explore zero seeds", []string{"explore", "--lock", "lua", "--seeds", "0"}, "--seeds"},
		{"explore bad jobs", []string{"explore", "--lock", "lua", "--jobs", "0"}, "--jobs"},
		{"matrix unknown lock", []string{"matrix", "--locks", "lua,zookeeper"}, `--locks: unknown lock "zookeeper"`},
		{"matrix unknown scenario", []string{"matrix", "--scenarios", "meteor"}, `--scenarios: unknown scenario "meteor"`},
		{"replay missing file", []string{"replay", filepath.Join(dir, "missing.json")}, "cannot read artifact " + filepath.Join(dir, "missing.json")},
		{"replay no file", []string{"replay"}, "ARTIFACT"},
		{"replay truncated", []string{"replay", truncated}, truncated},
		{"replay not an artifact", []string{"replay", badFaults}, badFaults},
		{"shrink truncated", []string{"shrink", truncated}, truncated},
		{"experiment unknown", []string{"experiment", "coin-flip"}, `unknown experiment "coin-flip"`},
		{"experiment bad duration", []string{"experiment", "retry-jitter", "--duration", "1"}, "--duration"},
	}
	var lines []string
	for _, tc := range cases {
		code, out, errOut := simrun(t, tc.args...)
		require.Equal(t, exitBadInput, code, "%s: stdout %q stderr %q", tc.name, out, errOut)
		if tc.args != nil {
			require.Empty(t, out, tc.name)
		}
		require.Equal(t, 1, strings.Count(errOut, "\n"), "%s: want one line, got %q", tc.name, errOut)
		require.True(t, strings.HasSuffix(errOut, "\n"), tc.name)
		require.Contains(t, errOut, tc.want, tc.name)
		require.NotContains(t, errOut, "goroutine", tc.name)
		lines = append(lines, fmt.Sprintf("%s: %s", tc.name, strings.ReplaceAll(errOut, dir, "DIR")))
	}
	golden.Check(t, "badinput.golden", []byte(strings.Join(lines, "")))
}

func TestShrinkNoViolation(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := simrun(t, "run", "--lock", "fenced", "--clients", "2", "--duration", "3s", "--out", dir)
	require.Equal(t, exitOK, code, errOut)
	// No artifact is written for a run without a violation: build one by
	// hand from a violating artifact whose history says otherwise is not
	// needed; shrink a violating artifact's no-fault variant instead.
	art := violatingArtifact(t)
	data, err := os.ReadFile(art)
	require.NoError(t, err)
	noFault := strings.Replace(string(data), `"node": "holder"`, `"node": "redis-1"`, -1)
	p := filepath.Join(dir, "calm.json")
	require.NoError(t, os.WriteFile(p, []byte(noFault), 0o644))
	code, _, errOut = simrun(t, "shrink", p)
	require.Equal(t, exitBadInput, code, errOut)
	require.Contains(t, errOut, "no violation")
}
