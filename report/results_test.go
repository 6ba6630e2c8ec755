package report_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/locksim/locksim/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadResults(t *testing.T) {
	lines, ok, err := report.ReadResults("testdata")
	require.NoError(t, err)
	require.True(t, ok)
	require.Len(t, lines, 5, "the blank line is skipped")
	l := lines[0]
	assert.Equal(t, "lua", l.Lock)
	assert.Equal(t, uint64(1), l.Seed)
	assert.Equal(t, "lua-gc-pause-seed1.json", l.Artifact)
	assert.Equal(t, "lua|mutual-exclusion|pause client", l.Signature)
	assert.Equal(t, []report.CheckResult{
		{Name: "mutual-exclusion", Verdict: "violation", Why: "critical sections of client 4 and client 1 interleave"},
		{Name: "liveness", Verdict: "ok", Why: "acquired"},
	}, l.Checks)
	assert.InDelta(t, 12.5, l.WallMS, 1e-9)
	assert.True(t, l.Failed())
	assert.True(t, lines[3].Failed(), "stuck is a failure")
	assert.False(t, lines[4].Failed(), "unknown is not a failure")
	assert.False(t, lines[2].Failed())
	assert.Equal(t, "faults: random", lines[4].Row())

	_, ok, err = report.ReadResults(t.TempDir())
	require.NoError(t, err)
	assert.False(t, ok, "a directory without results.jsonl has none")
}

func TestParseResultsBadInput(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not JSON", "{\"lock\":\"lua\",\"outcome\":\"safe\"}\n{oops", "line 2: invalid character"},
		{"no lock", `{"outcome":"safe","seed":1}`, "line 1: lock is missing"},
		{"bad outcome", `{"lock":"lua","outcome":"ok"}`, `line 1: outcome "ok" is not one of safe, violation, stuck, unknown`},
		{"artifact outside", `{"lock":"lua","outcome":"violation","artifact":"../x.json"}`, `line 1: artifact "../x.json" must be a file name inside the directory`},
		{"absolute artifact", `{"lock":"lua","outcome":"violation","artifact":"/etc/x.json"}`, `must be a file name inside the directory`},
		{"wrong type", `{"lock":"lua","outcome":"safe","seed":"one"}`, "line 1: json: cannot unmarshal string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.ParseResults(strings.NewReader(tc.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, report.ResultsFile), []byte("{"), 0o644))
	_, _, err := report.ReadResults(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, report.ResultsFile)+": line 1")
}

// TestGroups: failures dedupe by signature, sort by how often they
// occurred, and a group's representative is a seed with an artifact.
func TestGroups(t *testing.T) {
	lines, _, err := report.ReadResults("testdata")
	require.NoError(t, err)
	gs := report.Groups(lines)
	require.Len(t, gs, 2)
	assert.Equal(t, "lua|mutual-exclusion|pause client", gs[0].Signature)
	assert.Len(t, gs[0].Lines, 2)
	assert.Equal(t, "lua-gc-pause-seed1.json", gs[0].Representative.Artifact)
	assert.Equal(t, "setnx|liveness|crash client", gs[1].Signature)

	// the representative is the first seed with an artifact, even a later one
	lines[0].Artifact = ""
	lines[1].Artifact = "lua-gc-pause-seed2.json"
	// and a signature seen more often sorts first, whatever its seeds
	more := lines[3]
	more.Seed = 9
	gs = report.Groups(append(lines, more, more))
	assert.Equal(t, "setnx|liveness|crash client", gs[0].Signature)
	assert.Equal(t, uint64(2), gs[1].Representative.Seed)

	// a failure without a signature is its own group
	a, b := lines[0], lines[1]
	a.Signature, b.Signature = "", ""
	assert.Len(t, report.Groups([]report.Line{a, b}), 2)
}

func TestTally(t *testing.T) {
	lines, _, err := report.ReadResults("testdata")
	require.NoError(t, err)
	m := report.Tally(lines, true)
	assert.Equal(t, []string{"lua", "setnx", "redlock"}, m.Locks)
	require.Len(t, m.Rows, 3)
	assert.Equal(t, "gc-pause", m.Rows[0].Scenario)
	c := m.Rows[0].Cells[0]
	assert.Equal(t, 3, c.Runs)
	assert.Equal(t, 2, c.Violation)
	assert.Equal(t, 1, c.Safe)
	assert.Equal(t, "2 violation, 1 safe of 3", c.Counts())
	assert.Equal(t, []string{"seed 1, mutual-exclusion: critical sections of client 4 and client 1 interleave"}, c.Reasons)
	assert.Equal(t, 0, m.Rows[0].Cells[1].Runs, "setnx did not run gc-pause")
	assert.Equal(t, 1, m.Rows[1].Cells[1].Stuck)
	u := m.Rows[2].Cells[2]
	assert.Equal(t, 1, u.Unknown)
	assert.Equal(t, []string{"seed 7, linearizability: the search gave up"}, u.Reasons, "an unknown cell says why")
}
