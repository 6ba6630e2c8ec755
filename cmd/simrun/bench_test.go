package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/scenario"
)

// TestBenchBadInput: every bad input of bench is one inputError naming the
// flag, and nothing is printed.
func TestBenchBadInput(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "not.json")
	require.NoError(t, os.WriteFile(notJSON, []byte("{"), 0o644))
	empty := filepath.Join(dir, "empty.json")
	require.NoError(t, os.WriteFile(empty, []byte("{}"), 0o644))
	down := miniredis.RunT(t)
	downAddr := down.Addr()
	down.Close()

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no redis", nil, "--redis: missing"},
		{"bad address", []string{"--redis", "localhost"}, `--redis: "localhost" (address 1) is not host:port`},
		{"address twice", []string{"--redis", "127.0.0.1:1,127.0.0.1:1"}, "--redis: \"127.0.0.1:1\" is listed twice"},
		{"server down", []string{"--redis", downAddr, "--locks", "setnx"}, "--redis: redis-server " + downAddr + " does not answer"},
		{"zero clients", []string{"--redis", "127.0.0.1:1", "--clients", "0"}, "--clients: 0, want at least 1"},
		{"negative clients", []string{"--redis", "127.0.0.1:1", "--clients", "-3"}, "--clients: is -3"},
		{"bad clients", []string{"--redis", "127.0.0.1:1", "--clients", "many"}, `--clients: invalid value "many"`},
		{"bad duration", []string{"--redis", "127.0.0.1:1", "--duration", "forever"}, `--duration: "forever" is not a duration`},
		{"zero duration", []string{"--redis", "127.0.0.1:1", "--duration", "0s"}, "--duration: 0s must be positive"},
		{"zero rounds", []string{"--redis", "127.0.0.1:1", "--rounds", "0"}, "--rounds: 0, want at least 1"},
		{"too many rounds", []string{"--redis", "127.0.0.1:1", "--rounds", "1000"}, "--rounds: is 1000, want 1..100"},
		{"rounds too short", []string{"--redis", "127.0.0.1:1", "--duration", "2ms"}, "--duration: is 2ms, want at least 1ms per round (3 rounds)"},
		{"bad ttl", []string{"--redis", "127.0.0.1:1", "--ttl", "-1s"}, "--ttl"},
		{"unknown lock", []string{"--redis", "127.0.0.1:1", "--locks", "lua,zookeeper"}, `--locks: unknown lock "zookeeper"`},
		{"bad etcd endpoint", []string{"--locks", "etcd", "--etcd", "localhost"}, `--etcd: "localhost" (endpoint 1) is not host:port`},
		{"etcd down", []string{"--locks", "etcd", "--etcd", downAddr}, "--etcd: etcd " + downAddr + " does not answer"},
		{"etcd ttl fraction", []string{"--locks", "etcd", "--etcd", "127.0.0.1:1", "--ttl", "2500ms"}, "--ttl: is 2.5s, but etcd needs a whole number of seconds"},
		{"unknown flag", []string{"--redis", "127.0.0.1:1", "--bogus"}, "--bogus"},
		{"positional", []string{"--redis", "127.0.0.1:1", "extra"}, `unexpected argument "extra"`},
		{"missing safety", []string{"--redis", "127.0.0.1:1", "--safety", filepath.Join(dir, "nope.json")}, "--safety: open " + filepath.Join(dir, "nope.json")},
		{"safety not JSON", []string{"--redis", "127.0.0.1:1", "--safety", notJSON}, "--safety: " + notJSON + " is not the JSON"},
		{"safety empty", []string{"--redis", "127.0.0.1:1", "--safety", empty}, "--safety: " + empty + " holds no matrix rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			_, err := cmdBench(c.args, &out, &errOut)
			var ie *inputError
			require.ErrorAs(t, err, &ie)
			assert.Contains(t, ie.Error(), c.want)
			assert.NotContains(t, oneLine(ie.Error()), "\n")
			assert.Empty(t, out.String())
		})
	}
}

// TestBenchMiniredis runs the subcommand end to end on miniredis servers,
// with the safety column read from a matrix file.
func TestBenchMiniredis(t *testing.T) {
	var addrs []string
	for range 3 {
		addrs = append(addrs, miniredis.RunT(t).Addr())
	}
	m := scenario.Matrix{Seeds: 1, From: 1, Locks: []string{"lua", "mutex"}, Rows: []scenario.MatrixRow{
		{Scenario: "gc-pause", Cells: []scenario.Cell{{Lock: "lua", Meaningful: true, Runs: 1, Unsafe: 1, Match: true}, {Lock: "mutex"}}},
	}}
	data, err := json.Marshal(m)
	require.NoError(t, err)
	safety := filepath.Join(t.TempDir(), "matrix.json")
	require.NoError(t, os.WriteFile(safety, data, 0o644))

	var out, errOut bytes.Buffer
	code, err := cmdBench([]string{"--redis", strings.Join(addrs, ","), "--locks", "mutex,lua,redlock", "--clients", "2", "--duration", "50ms", "--safety", safety}, &out, &errOut)
	require.NoError(t, err)
	assert.Equal(t, exitOK, code)
	assert.Empty(t, errOut.String())
	s := out.String()
	assert.Contains(t, s, "| lock | nodes | clients |")
	assert.Regexp(t, `\| mutex \| – \| 2 \| [0-9,]+ \| [0-9,]+ \|`, s)
	assert.Regexp(t, `\| lua \| 1 \| 2 \| .* \| violations in 1/1 scenarios \(1 seed each, as expected\) \|\n`, s)
	assert.Contains(t, s, "| redlock | 3 | 2 |")
	assert.Contains(t, s, "| redlock | 5 | 2 | skipped: needs 5 servers, 3 given |")

	out.Reset()
	code, err = cmdBench([]string{"--redis", addrs[0], "--locks", "setnx", "--clients", "1", "--duration", "20ms", "--json"}, &out, &errOut)
	require.NoError(t, err)
	assert.Equal(t, exitOK, code)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &rows))
	require.Len(t, rows, 1)
	assert.Equal(t, "setnx", rows[0]["lock"])
}

// TestSafetySummary: per lock, the meaningful scenarios with a violation,
// and those stuck without one.
func TestSafetySummary(t *testing.T) {
	m := &scenario.Matrix{Seeds: 3, Rows: []scenario.MatrixRow{
		{Scenario: "a", Cells: []scenario.Cell{
			{Lock: "lua", Meaningful: true, Runs: 3, Unsafe: 2, Match: true},
			{Lock: "setnx", Meaningful: true, Runs: 3, Stuck: 3, Match: true},
			{Lock: "mutex"},
		}},
		{Scenario: "b", Cells: []scenario.Cell{
			{Lock: "lua", Meaningful: true, Runs: 3, Match: true},
			{Lock: "setnx", Meaningful: true, Runs: 3, Unsafe: 1, Stuck: 1},
			{Lock: "mutex", Meaningful: true, Runs: 3, Match: true},
		}},
	}}
	assert.Equal(t, map[string]string{
		"lua":   "violations in 1/2 scenarios (3 seeds each, as expected)",
		"setnx": "violations in 1/2 scenarios, stuck in 1 (3 seeds each, 1 differ from the literature)",
		"mutex": "violations in 0/1 scenarios (3 seeds each, as expected)",
	}, safetySummary(m))
}
