package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/report"
)

// cheapExplore is a config of about 3 ms a seed whose random faults give
// violations (about 10%) and undecided runs.
var cheapExplore = []string{"explore", "--lock", "lua", "--faults", "random", "--ttl", "1s", "--duration", "5s", "--clients", "2", "--keep", "1000"}

func exploreArgs(extra ...string) []string {
	return append(append([]string{}, cheapExplore...), extra...)
}

// readResults reads a results.jsonl strictly.
func readResultsFile(t *testing.T, dir string) []report.Line {
	t.Helper()
	ls, err := readLines[report.Line](filepath.Join(dir, report.ResultsFile))
	require.NoError(t, err)
	return ls
}

var violationsRe = regexp.MustCompile(`runs: (\d+), violations: (\d+) `)

// violations returns the runs and violations of a summary.
func violations(t *testing.T, out string) (int, int) {
	t.Helper()
	m := violationsRe.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	runs, _ := strconv.Atoi(m[1])
	v, _ := strconv.Atoi(m[2])
	return runs, v
}

// Two shards and a merge give, byte for byte, the results.jsonl of one
// unsharded explore over the same 400 seeds, and the same violation count;
// a shard run again writes the same results and manifest.
func TestShardsMergeEqualUnsharded(t *testing.T) {
	tmp := t.TempDir()
	all, sh0, sh1, merged := filepath.Join(tmp, "all"), filepath.Join(tmp, "sh0"), filepath.Join(tmp, "sh1"), filepath.Join(tmp, "merged")
	code, outAll, errOut := simrun(t, exploreArgs("--seeds", "400", "--out", all)...)
	require.Equal(t, exitViolation, code, errOut)
	for i, d := range []string{sh0, sh1} {
		code, _, errOut := simrun(t, exploreArgs("--seeds", "400", "--shard", strconv.Itoa(i)+"/2", "--out", d, "--jobs", "2")...)
		require.Equal(t, exitViolation, code, errOut)
	}
	code, outMerged, errOut := simrun(t, "merge", sh0, sh1, "--out", merged, "--shrink", "2", "--shrink-runs", "20")
	require.Equal(t, exitViolation, code, errOut)

	want, err := os.ReadFile(filepath.Join(all, report.ResultsFile))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(merged, report.ResultsFile))
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "merged results.jsonl differs from the unsharded one")
	require.Equal(t, 400, bytes.Count(got, []byte("\n")))

	runsAll, vAll := violations(t, outAll)
	runsMerged, vMerged := violations(t, outMerged)
	require.Equal(t, 400, runsAll)
	require.Equal(t, runsAll, runsMerged)
	require.Equal(t, vAll, vMerged)
	require.Positive(t, vAll)

	// the shards hold the interleaved seeds, and every artifact named
	lines := readResultsFile(t, sh1)
	require.Len(t, lines, 200)
	for _, l := range lines {
		require.Equal(t, uint64(1), l.Seed%2)
		if l.Artifact != "" {
			require.FileExists(t, filepath.Join(sh1, l.Artifact))
			require.FileExists(t, filepath.Join(merged, l.Artifact))
		}
		require.Equal(t, l.Failed(), l.Signature != "")
		require.Zero(t, l.WallMS, "wall times go to timings.jsonl")
	}
	require.Contains(t, outMerged, "failures by signature")
	require.Contains(t, outMerged, "shrunk to ")

	// idempotent: the same files again
	before := map[string][]byte{}
	for _, f := range []string{report.ResultsFile, manifestFile} {
		before[f], err = os.ReadFile(filepath.Join(sh0, f))
		require.NoError(t, err)
	}
	code, _, errOut = simrun(t, exploreArgs("--seeds", "400", "--shard", "0/2", "--out", sh0, "--jobs", "2")...)
	require.Equal(t, exitViolation, code, errOut)
	for f, b := range before {
		again, err := os.ReadFile(filepath.Join(sh0, f))
		require.NoError(t, err)
		require.Equal(t, string(b), string(again), "%s changed on a rerun", f)
	}
	timings, err := readLines[timingLine](filepath.Join(sh0, timingsFile))
	require.NoError(t, err)
	require.Len(t, timings, 200)
}

// results.jsonl has exactly the documented keys, in order; the manifest
// records the build, the command and the seeds.
func TestResultsAndManifestFormat(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := simrun(t, exploreArgs("--seeds", "30", "--shard", "1/3", "--out", dir)...)
	require.Contains(t, []int{exitOK, exitViolation}, code, errOut)
	f, err := os.Open(filepath.Join(dir, report.ResultsFile))
	require.NoError(t, err)
	defer f.Close()
	keys := regexp.MustCompile(`"([a-z_]+)":`)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		var top map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(sc.Bytes(), &top))
		require.Len(t, top, 10)
		// the order of the top-level keys: the first occurrence of each
		var order []string
		seen := map[string]bool{}
		for _, m := range keys.FindAllStringSubmatch(sc.Text(), -1) {
			if _, top := top[m[1]]; top && !seen[m[1]] {
				seen[m[1]] = true
				order = append(order, m[1])
			}
		}
		require.Equal(t, []string{"lock", "scenario", "faults", "seed", "outcome", "checks", "trace_hash", "wall_ms", "artifact", "signature"}, order)
		var checks []map[string]any
		require.NoError(t, json.Unmarshal(top["checks"], &checks))
		require.NotEmpty(t, checks)
		for _, c := range checks {
			require.Len(t, c, 3)
			require.Contains(t, c, "name")
			require.Contains(t, c, "verdict")
			require.Contains(t, c, "why")
		}
	}
	require.NoError(t, sc.Err())
	require.Equal(t, 10, n, "seeds 1..30 with seed mod 3 == 1")

	m, err := readManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, "1/3", m.Seeds.Shard)
	assert.Equal(t, seedPlan{From: 1, Count: 30, Shard: "1/3", First: 1, Step: 3, Planned: 10}, m.Seeds)
	assert.Equal(t, "random", m.Faults)
	assert.Equal(t, 10, m.Runs)
	assert.Empty(t, m.Stopped)
	assert.NotEmpty(t, m.Go)
	assert.Equal(t, append([]string{"simrun"}, exploreArgs("--seeds", "30", "--shard", "1/3", "--out", dir)...), m.Command)
	assert.Contains(t, m.Reproduce, "--seed SEED")
}

// A merge refuses directories of different builds or configs, a shard
// given twice and a missing shard: exit 2, one sentence naming the field
// and the directories.
func TestMergeRefusesAMix(t *testing.T) {
	tmp := t.TempDir()
	dirs := map[string]string{}
	for _, name := range []string{"a0", "a1", "b1"} {
		dirs[name] = filepath.Join(tmp, name)
	}
	simrun(t, exploreArgs("--seeds", "20", "--shard", "0/2", "--out", dirs["a0"])...)
	simrun(t, exploreArgs("--seeds", "20", "--shard", "1/2", "--out", dirs["a1"])...)
	simrun(t, exploreArgs("--seeds", "20", "--shard", "1/2", "--ttl", "2s", "--out", dirs["b1"])...)
	edit := func(from, to string, change func(m *manifest)) string {
		d := filepath.Join(tmp, to)
		require.NoError(t, os.CopyFS(d, os.DirFS(dirs[from])))
		m, err := readManifest(d)
		require.NoError(t, err)
		change(m)
		require.NoError(t, writeManifest(d, m))
		return d
	}
	otherCommit := edit("a1", "c1", func(m *manifest) { m.Commit = "0123abc" })
	otherGo := edit("a1", "g1", func(m *manifest) { m.Go = "go1.99" })
	for _, tc := range []struct {
		name string
		dirs []string
		want string
	}{
		{"another commit", []string{dirs["a0"], otherCommit}, "the manifests disagree on commit: " + dirs["a0"] + " has unknown, " + otherCommit + " has 0123abc"},
		{"another go", []string{dirs["a0"], otherGo}, "disagree on go: "},
		{"another config", []string{dirs["a0"], dirs["b1"]}, "disagree on config: "},
		{"a shard twice", []string{dirs["a0"], dirs["a1"], dirs["a1"]}, "shard 1/2 is given twice"},
		{"a missing shard", []string{dirs["a0"]}, "shard 1/2 is missing"},
		{"out among the inputs", []string{dirs["a0"], dirs["a1"], "--out", dirs["a1"]}, "is one of the directories to merge"},
	} {
		code, out, errOut := simrun(t, append([]string{"merge"}, tc.dirs...)...)
		require.Equal(t, exitBadInput, code, tc.name)
		require.Empty(t, out, tc.name)
		require.Equal(t, 1, strings.Count(errOut, "\n"), tc.name)
		require.Contains(t, errOut, tc.want, tc.name)
	}
}

// explore writes visualization folders only beside the artifacts it
// saved: none with --keep 0 (it wrote one per failing seed before).
func TestExploreVisualizesOnlySavedSeeds(t *testing.T) {
	for _, keep := range []string{"0", "3"} {
		dir := t.TempDir()
		code, _, errOut := simrun(t, "explore", "--lock", "lua", "--faults", "random", "--ttl", "1s", "--duration", "5s", "--clients", "2",
			"--seeds", "60", "--keep", keep, "--out", dir)
		require.Equal(t, exitViolation, code, errOut)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var artifacts, viz []string
		for _, e := range entries {
			switch {
			case strings.HasSuffix(e.Name(), "-viz"):
				viz = append(viz, strings.TrimSuffix(e.Name(), "-viz"))
			case strings.HasSuffix(e.Name(), ".json") && e.Name() != manifestFile:
				artifacts = append(artifacts, strings.TrimSuffix(e.Name(), ".json"))
			case strings.HasPrefix(e.Name(), "."):
				t.Errorf("keep %s: %s left behind", keep, e.Name())
			}
		}
		n, _ := strconv.Atoi(keep)
		require.Len(t, artifacts, n, "keep %s", keep)
		require.Subset(t, artifacts, viz, "keep %s: a visualization without its artifact", keep)
		if n > 0 {
			require.NotEmpty(t, viz, "the saved seeds keep their visualizations")
		}
	}
}

// Every undecided seed is named: in its own line as it comes, in the
// summary, and in results.jsonl with the checks that could not decide.
func TestExploreNamesUndecidedSeeds(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := simrun(t, exploreArgs("--seeds", "200", "--out", dir)...)
	require.Equal(t, exitViolation, code, errOut)
	var unknown []string
	for _, l := range readResultsFile(t, dir) {
		if l.Outcome != "unknown" {
			continue
		}
		unknown = append(unknown, strconv.FormatUint(l.Seed, 10))
		require.NotEmpty(t, undecided(l))
		require.Contains(t, out, "seed "+strconv.FormatUint(l.Seed, 10)+": unknown (")
	}
	require.NotEmpty(t, unknown, "the config gives undecided seeds")
	require.Less(t, len(unknown), maxSeedsShown)
	require.Contains(t, out, "not shown safe: seeds "+strings.Join(unknown, ", ")+" (all in results.jsonl)")
}

// Replaying a shrunk -min artifact writes its visualizations beside its
// own name and leaves the original run's untouched.
func TestReplayMinKeepsTheOriginalVisualization(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := simrun(t, "run", "--lock", "lua", "--scenario", "gc-pause", "--clients", "2", "--duration", "25s", "--out", dir)
	require.Equal(t, exitViolation, code, errOut)
	art := filepath.Join(dir, "lua-gc-pause-seed1.json")
	origViz := filepath.Join(dir, "lua-gc-pause-seed1-viz")
	snapshot := func() map[string]string {
		m := map[string]string{}
		require.NoError(t, filepath.WalkDir(origViz, func(p string, d os.DirEntry, err error) error {
			require.NoError(t, err)
			if !d.IsDir() {
				b, err := os.ReadFile(p)
				require.NoError(t, err)
				m[p] = string(b)
			}
			return nil
		}))
		return m
	}
	before := snapshot()
	require.NotEmpty(t, before)
	code, _, errOut = simrun(t, "shrink", art, "--max-runs", "30")
	require.Equal(t, exitViolation, code, errOut)
	code, out, errOut := simrun(t, "replay", minPath(art), "--out", dir)
	require.Equal(t, exitViolation, code, errOut)
	require.Contains(t, out, "visualization: "+filepath.Join(dir, "lua-gc-pause-seed1-min-viz"))
	require.Equal(t, before, snapshot(), "the replay of the -min artifact changed the original's visualization")
}

// --max-failures stops at the n-th failing seed: results.jsonl ends there.
func TestExploreMaxFailures(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := simrun(t, exploreArgs("--seeds", "400", "--max-failures", "3", "--jobs", "2", "--out", dir)...)
	require.Equal(t, exitViolation, code, errOut)
	require.Contains(t, out, "stopped after 3 failing seeds")
	lines := readResultsFile(t, dir)
	failed := 0
	for _, l := range lines {
		if l.Failed() {
			failed++
		}
	}
	require.Equal(t, 3, failed)
	require.True(t, lines[len(lines)-1].Failed(), "the last line is the third failing seed")
	m, err := readManifest(dir)
	require.NoError(t, err)
	require.Equal(t, "max-failures", m.Stopped)
	require.Equal(t, len(lines), m.Runs)
}

// --for keeps drawing seeds until the time is up.
func TestExploreFor(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := simrun(t, exploreArgs("--for", "1s", "--out", dir)...)
	require.Contains(t, []int{exitOK, exitViolation}, code, errOut)
	require.Contains(t, out, "time is up (--for 1s)")
	require.Contains(t, errOut, "progress: ")
	lines := readResultsFile(t, dir)
	require.NotEmpty(t, lines)
	for i, l := range lines {
		require.Equal(t, uint64(i+1), l.Seed)
	}
	m, err := readManifest(dir)
	require.NoError(t, err)
	require.Equal(t, "time", m.Stopped)
	require.Equal(t, "1s", m.For)
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		v           string
		from, last  uint64
		first, step uint64
		count       int
	}{
		{"0/2", 1, 400, 2, 2, 200},
		{"1/2", 1, 400, 1, 2, 200},
		{"0/1", 5, 9, 5, 1, 5},
		{"3/4", 1, 10, 3, 4, 2},
		{"0/4", 1, 3, 0, 4, 0},
		{"2/3", 10, 10, 0, 3, 0},
		{"1/3", 10, 10, 10, 3, 1},
	} {
		s, err := parseShard(tc.v)
		require.NoError(t, err, tc.v)
		first, step, count := s.seeds(tc.from, tc.last)
		assert.Equal(t, tc.count, count, tc.v)
		if count > 0 {
			assert.Equal(t, tc.first, first, tc.v)
			assert.Equal(t, tc.step, step, tc.v)
		}
	}
	for _, bad := range []string{"", "1", "a/b", "2/2", "0/0", "-1/2", "1/100001"} {
		_, err := parseShard(bad)
		require.Error(t, err, bad)
	}
}

// run says how long it simulated beside --duration, which only bounds when
// clients start critical sections: a 1.563 s run of gc-pause simulates
// more than 16 s.
func TestRunSaysHowLongItSimulated(t *testing.T) {
	code, out, errOut := simrun(t, "run", "--lock", "lua", "--scenario", "gc-pause", "--clients", "2", "--duration", "1563ms", "--out", t.TempDir())
	require.Equal(t, exitOK, code, errOut)
	m := regexp.MustCompile(`virtual time: ([0-9.]+)s simulated \(clients start critical sections during the first 1.563s, --duration`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	simulated, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	require.Greater(t, simulated, 1.563)
}
