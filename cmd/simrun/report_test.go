package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/locksim/locksim/backend/live"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exploreGCPause runs explore on lua gc-pause, seeds 1..3, into a new
// directory: today's output, artifacts only.
func exploreGCPause(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	code, _, errOut := simrun(t, "explore", "--lock", "lua", "--scenario", "gc-pause", "--seeds", "3", "--clients", "3", "--out", dir)
	require.Equal(t, exitViolation, code, errOut)
	return dir
}

func readPage(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func requireHas(t *testing.T, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		require.True(t, strings.Contains(page, w), "the page lacks %q", w)
	}
}

// TestReportArtifactsOnly: on an explore directory without results.jsonl
// the page dedupes the saved failures, replays the representative (same
// trace hash, with the lock key watched on redis-1) and says what it
// cannot count.
func TestReportArtifactsOnly(t *testing.T) {
	dir := exploreGCPause(t)
	code, out, errOut := simrun(t, "report", dir)
	require.Equal(t, exitOK, code, errOut)
	path := filepath.Join(dir, "report.html")
	require.Equal(t, "report: "+path+" (1 distinct failure(s))\n", out)
	page := readPage(t, path)
	art := filepath.Join(dir, "lua-gc-pause-seed1.json")
	requireHas(t, page,
		"#1 lua × gc-pause, seed 1", "3 seeds: 1 2 3",
		"go run ./cmd/simrun replay "+art,
		`href="lua-gc-pause-seed1.json"`,
		`href="lua-gc-pause-seed1-viz/resource-linearizability.html"`,
		`id="timeline-1"`, `id="violation-1"`, `id="violation-2"`,
		">client 1<", ">client 2<", ">client 3<", ">redis-1<",
		"redis-1 held the lock key from", "pause client-1",
		"The violating pair (mutual-exclusion)",
		"no results.jsonl in "+dir, "Only the saved failures are known here",
		"<b>seen</b><br>3 violation of 3<br><span class=\"expect\">expected violation</span>",
	)
	assert.False(t, strings.Contains(page, "did not reproduce"), "the watched replay changed the trace")
	assert.False(t, strings.Contains(page, "not replayed"))
	// the replay wrote no visualization of its own
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	assert.NotContains(t, strings.Join(names, " "), ".tmp-")

	// --out elsewhere: the links are relative to the page
	other := filepath.Join(t.TempDir(), "r.html")
	code, _, errOut = simrun(t, "report", dir, "--out", other)
	require.Equal(t, exitOK, code, errOut)
	rel, err := filepath.Rel(filepath.Dir(other), art)
	require.NoError(t, err)
	requireHas(t, readPage(t, other), `href="`+filepath.ToSlash(rel)+`"`)
}

// TestReportResults: with results.jsonl the page counts every seed, sorts
// failures by how often their signature occurred, and judges the matrix
// cell against the scenario's expectation.
func TestReportResults(t *testing.T) {
	dir := exploreGCPause(t)
	line := func(seed int, outcome, artifact, sig string) string {
		return fmt.Sprintf(`{"lock":"lua","scenario":"gc-pause","faults":"","seed":%d,"outcome":%q,"checks":[{"name":"mutual-exclusion","verdict":%q,"why":"why %d"}],"trace_hash":"x","wall_ms":1,"artifact":%q,"signature":%q}`,
			seed, outcome, map[string]string{"violation": "violation", "safe": "ok"}[outcome], seed, artifact, sig)
	}
	results := strings.Join([]string{
		line(1, "violation", "lua-gc-pause-seed1.json", "rare"),
		line(2, "violation", "", "often"),
		line(3, "violation", "lua-gc-pause-seed3.json", "often"),
		line(4, "safe", "", ""),
	}, "\n") + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "results.jsonl"), []byte(results), 0o644))
	code, out, errOut := simrun(t, "report", dir)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "(2 distinct failure(s))")
	page := readPage(t, filepath.Join(dir, "report.html"))
	first := strings.Index(page, "#1 lua × gc-pause, seed 3")
	second := strings.Index(page, "#2 lua × gc-pause, seed 1")
	require.True(t, first >= 0 && second > first, "the failure seen twice comes first")
	requireHas(t, page, "2 seeds: 2 3", "1 seed: 1",
		"3 violation, 1 safe of 4", "<b>mixed</b>", "expected violation ✗",
		"seed 1, mutual-exclusion: why 1")
	assert.False(t, strings.Contains(page, "no results.jsonl"))
}

// TestRunWritesPage: simrun run on a violation writes the single-failure
// page beside its artifact and says where.
func TestRunWritesPage(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := simrun(t, "run", "--lock", "lua", "--scenario", "gc-pause", "--seed", "1", "--clients", "3", "--out", dir)
	require.Equal(t, exitViolation, code, errOut)
	path := filepath.Join(dir, "lua-gc-pause-seed1.html")
	require.Contains(t, out, "report: "+path+" (open it in a browser)\n")
	page := readPage(t, path)
	requireHas(t, page, "go run ./cmd/simrun replay "+filepath.Join(dir, "lua-gc-pause-seed1.json"),
		`id="violation-1"`, ">redis-1<", `href="lua-gc-pause-seed1-viz/resource-linearizability.html"`)
	assert.False(t, strings.Contains(page, `id="matrix"`), "one run has no matrix")

	code, out, errOut = simrun(t, "run", "--lock", "fenced", "--clients", "2", "--duration", "5s", "--ttl", "2s", "--out", dir)
	require.Equal(t, exitOK, code, errOut)
	assert.NotContains(t, out, "report: ", "no violation, no page")
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"out/lua-gc-pause-seed1.json": "out/lua-gc-pause-seed1.json",
		"/tmp/my dir/a.json":          "'/tmp/my dir/a.json'",
		"it's.json":                   `'it'\''s.json'`,
		"$HOME/a.json":                "'$HOME/a.json'",
	} {
		assert.Equal(t, want, shellQuote(in), in)
	}
}

// TestReportUnreplayable: an artifact the report cannot replay (a live
// run, an edited trace hash) is still drawn, from its recorded history,
// and the page says so; a live one gets no replay command.
func TestReportUnreplayable(t *testing.T) {
	art := violatingArtifact(t)
	for _, tc := range []struct {
		name, hash, want string
		replay           int
	}{
		{"live", live.TraceHash, "a live run: real processes decided it", 0},
		{"edited", "0000000000000000", "the replay did not reproduce the recorded trace hash", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			edited := editArtifact(t, art, tc.name+".json", func(a map[string]any) { a["trace_hash"] = tc.hash })
			require.NoError(t, os.Rename(edited, filepath.Join(dir, tc.name+".json")))
			code, _, errOut := simrun(t, "report", dir)
			require.Equal(t, exitOK, code, errOut)
			page := readPage(t, filepath.Join(dir, "report.html"))
			requireHas(t, page, tc.want, `id="timeline-1"`, `id="violation-1"`)
			assert.Equal(t, tc.replay, strings.Count(page, "go run ./cmd/simrun replay "))
		})
	}
}

// TestRunWritesPageLibrary: a published library's run (the unmodified
// backend) is replayed for its page with the lock key watched, and the
// watching leaves its trace hash alone.
func TestRunWritesPageLibrary(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := simrun(t, "run", "--lock", "redislock", "--scenario", "gc-pause", "--seed", "1", "--out", dir)
	require.Equal(t, exitViolation, code, errOut)
	path := filepath.Join(dir, "redislock-gc-pause-seed1.html")
	require.Contains(t, out, "report: "+path)
	page := readPage(t, path)
	requireHas(t, page, `id="violation-1"`, "redis-1 held the lock key from")
	assert.False(t, strings.Contains(page, "did not reproduce"), "watching changed the library's run")
}

// TestReportMissingArtifact: a results line naming an artifact that is
// not there gives a failure without a timeline, and no command that
// cannot work.
func TestReportMissingArtifact(t *testing.T) {
	dir := t.TempDir()
	line := `{"lock":"lua","scenario":"gc-pause","seed":1,"outcome":"violation","checks":[{"name":"mutual-exclusion","verdict":"violation","why":"two holders"}],"artifact":"gone.json","signature":"s"}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "results.jsonl"), []byte(line+"\n"), 0o644))
	code, _, errOut := simrun(t, "report", dir)
	require.Equal(t, exitOK, code, errOut)
	page := readPage(t, filepath.Join(dir, "report.html"))
	requireHas(t, page, "No timeline: cannot read the artifact", "<summary>mutual-exclusion: violation</summary><pre>two holders</pre>")
	assert.False(t, strings.Contains(page, "go run ./cmd/simrun replay"))
}
