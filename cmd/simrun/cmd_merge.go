package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/locksim/locksim/internal/atomicfile"
	"github.com/locksim/locksim/report"
	"github.com/locksim/locksim/scenario"
)

func cmdMerge(args []string, stdout, stderr io.Writer) (int, error) {
	tuneGC()
	fs := newFlags("merge")
	out := fs.String("out", "merged", "directory for the merged results.jsonl, timings.jsonl, manifest.json, the artifacts and the shrunk representatives")
	shrinkRuns := fs.Int("shrink-runs", 100, "candidate runs to shrink each signature's representative (0: do not shrink)")
	maxShrink := fs.Int("shrink", 100, "shrink the representatives of at most this many signatures, the most frequent first")
	pos, err := parse(fs, args, stdout, "DIR... [--out DIR]")
	if err != nil {
		return 0, err
	}
	switch {
	case len(pos) == 0:
		return 0, badInput("want at least one DIR (a directory simrun explore --out wrote)")
	case *shrinkRuns < 0:
		return 0, badInput("--shrink-runs: %d must not be negative", *shrinkRuns)
	case *maxShrink < 0:
		return 0, badInput("--shrink: %d must not be negative", *maxShrink)
	}
	m, err := readManifests(pos, *out)
	if err != nil {
		return 0, err
	}
	lines, timings, err := readResults(pos)
	if err != nil {
		return 0, err
	}
	var base scenario.Config
	if err := json.Unmarshal(m[0].Config, &base); err != nil {
		return 0, badInput("%s: config: %v", filepath.Join(pos[0], manifestFile), err)
	}
	explore := scenario.ExploreOptions{Base: base, RandomFaults: m[0].Faults == "random"}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return 0, badInput("--out: %v", err)
	}
	if err := writeMerged(*out, pos, args, m, lines, timings); err != nil {
		return 0, err
	}

	what := "no faults"
	switch {
	case m[0].Scenario != "":
		what = "scenario " + m[0].Scenario
	case m[0].Faults == "random":
		what = "random faults"
	case m[0].Faults != "none":
		what = "faults " + strings.TrimPrefix(m[0].Faults, "file:")
	}
	var shards []string
	for i, d := range pos {
		s := m[i].Seeds.Shard
		if s == "" {
			s = "all"
		}
		shards = append(shards, d+" ("+s+")")
		if m[i].Stopped != "" {
			fmt.Fprintf(stdout, "note: %s stopped early (%s) after %d of its %d seeds\n", d, m[i].Stopped, m[i].Runs, m[i].Seeds.Planned)
		}
	}
	seedsText := "no seeds"
	if len(lines) > 0 {
		seedsText = fmt.Sprintf("seeds %d..%d", lines[0].line.Seed, lines[len(lines)-1].line.Seed)
	}
	fmt.Fprintf(stdout, "merge: %s; lock %s, %s, %s\n", strings.Join(shards, ", "), m[0].Lock, what, seedsText)
	var t tally
	for i := range lines {
		t.add(&lines[i].line)
	}
	reproduce := func(seed uint64) string { return strings.Replace(m[0].Reproduce, "SEED", fmt.Sprint(seed), 1) }
	t.print(stdout, *out, reproduce)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	printSignatures(ctx, stdout, *out, explore, lines, *maxShrink, *shrinkRuns)
	if ctx.Err() != nil {
		fmt.Fprintln(stdout, "interrupted while shrinking: the merged files are complete, some representatives are not shrunk")
		return exitInterrupted, nil
	}
	if t.violations() > 0 {
		return exitViolation, nil
	}
	return exitOK, nil
}

// sourced is a results line and the index of the directory it came from.
type sourced struct {
	line report.Line
	dir  int
}

// readManifests reads the manifests of dirs and refuses a mix: another
// build, config or range, a shard twice or missing, or out among dirs.
func readManifests(dirs []string, out string) ([]*manifest, error) {
	ms := make([]*manifest, len(dirs))
	absOut, _ := filepath.Abs(out)
	for i, d := range dirs {
		if abs, _ := filepath.Abs(d); abs == absOut {
			return nil, badInput("--out %s is one of the directories to merge; merge into another", out)
		}
		m, err := readManifest(d)
		if err != nil {
			return nil, err
		}
		ms[i] = m
		if f, a, b := disagreement(ms[0], m); f != "" {
			return nil, badInput("the manifests disagree on %s: %s has %s, %s has %s (merge only the shards of one command and one build)", f, dirs[0], a, d, b)
		}
	}
	n, err := parseShard("0/" + shardCount(ms[0].Seeds.Shard))
	if err != nil || n.n == 1 {
		return ms, nil
	}
	seen := map[uint64]string{}
	for i, m := range ms {
		sh, err := parseShard(m.Seeds.Shard)
		if err != nil {
			return nil, badInput("%s: seeds.shard: %v", filepath.Join(dirs[i], manifestFile), err)
		}
		if prev, ok := seen[sh.i]; ok {
			return nil, badInput("shard %s is given twice: %s and %s", sh, prev, dirs[i])
		}
		seen[sh.i] = dirs[i]
	}
	for i := range n.n {
		if _, ok := seen[i]; !ok {
			return nil, badInput("shard %d/%d is missing: a merge of some of the shards is not the run (give every shard's directory)", i, n.n)
		}
	}
	return ms, nil
}

// readResults reads every directory's results, in seed order, and their
// timings; a seed in two directories is refused.
func readResults(dirs []string) ([]sourced, []timingLine, error) {
	var all []sourced
	var timings []timingLine
	for i, d := range dirs {
		ls, err := readLines[report.Line](filepath.Join(d, report.ResultsFile))
		if err != nil {
			return nil, nil, badInput("%v", unwrapPath(err))
		}
		for _, l := range ls {
			all = append(all, sourced{l, i})
		}
		ts, err := readLines[timingLine](filepath.Join(d, timingsFile))
		if err != nil && !os.IsNotExist(err) {
			return nil, nil, badInput("%v", err)
		}
		timings = append(timings, ts...)
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].line.Seed < all[b].line.Seed })
	for k := 1; k < len(all); k++ {
		if all[k].line.Seed == all[k-1].line.Seed {
			return nil, nil, badInput("seed %d is in both %s and %s: the directories overlap", all[k].line.Seed, dirs[all[k-1].dir], dirs[all[k].dir])
		}
	}
	sort.SliceStable(timings, func(a, b int) bool { return timings[a].Seed < timings[b].Seed })
	return all, timings, nil
}

// writeMerged writes the merged results.jsonl (the same bytes explore
// writes for the same seeds), timings.jsonl and manifest.json into out,
// and copies the artifacts the lines name, with their visualizations.
func writeMerged(out string, dirs, args []string, ms []*manifest, lines []sourced, timings []timingLine) error {
	rw, err := createLines(filepath.Join(out, report.ResultsFile))
	if err != nil {
		return badInput("--out: %v", err)
	}
	defer rw.abort()
	for _, s := range lines {
		if err := rw.write(s.line); err != nil {
			return err
		}
		if a := s.line.Artifact; a != "" {
			if err := copyArtifact(dirs[s.dir], out, a); err != nil {
				return fmt.Errorf("--out %s: %w", out, err)
			}
		}
	}
	if err := rw.close(); err != nil {
		return err
	}
	if len(timings) > 0 {
		tw, err := createLines(filepath.Join(out, timingsFile))
		if err != nil {
			return err
		}
		defer tw.abort()
		for _, t := range timings {
			if err := tw.write(t); err != nil {
				return err
			}
		}
		if err := tw.close(); err != nil {
			return err
		}
	}
	m := *ms[0]
	m.Command = append([]string{"simrun", "merge"}, args...)
	m.Merged = dirs
	m.Seeds.Shard, m.Seeds.Planned, m.Runs, m.Stopped = "", 0, len(lines), ""
	if n := ms[0].Seeds.Step / uint64(len(dirs)); len(dirs) > 1 && ms[0].Seeds.Shard != "" && n >= 1 {
		m.Seeds.Step = n
	}
	for _, x := range ms {
		m.Seeds.Planned += x.Seeds.Planned
		m.Seeds.First = min(m.Seeds.First, x.Seeds.First)
		if m.Stopped == "" {
			m.Stopped = x.Stopped
		}
	}
	return writeManifest(out, &m)
}

// copyArtifact copies the artifact name, and its visualizations if any,
// from dir into out.
func copyArtifact(dir, out, name string) error {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(out, name), data); err != nil {
		return err
	}
	viz := strings.TrimSuffix(name, ".json") + "-viz"
	if _, err := os.Stat(filepath.Join(dir, viz)); err != nil {
		return nil
	}
	if err := os.RemoveAll(filepath.Join(out, viz)); err != nil {
		return err
	}
	return os.CopyFS(filepath.Join(out, viz), os.DirFS(filepath.Join(dir, viz)))
}

// group is the failing seeds of one signature.
type group struct {
	sig   string
	seeds []uint64
}

// printSignatures deduplicates the failures by signature, shrinks the
// first seed of the most frequent maxShrink signatures (writing its
// minimal artifact into out) and prints the failures grouped by the
// signature of the shrunk run, most frequent first: seeds whose schedules
// differed before shrinking but need the same faults fall together.
func printSignatures(ctx context.Context, w io.Writer, out string, o scenario.ExploreOptions, lines []sourced, maxShrink, shrinkRuns int) {
	byRaw := map[string]*group{}
	var raw []*group
	for _, s := range lines {
		if s.line.Signature == "" {
			continue
		}
		g := byRaw[s.line.Signature]
		if g == nil {
			g = &group{sig: s.line.Signature}
			byRaw[g.sig] = g
			raw = append(raw, g)
		}
		g.seeds = append(g.seeds, s.line.Seed)
	}
	if len(raw) == 0 {
		return
	}
	sortGroups(raw)
	type final struct {
		group
		shrunk       bool
		artifact     string
		faults, runs int
	}
	byFinal := map[string]*final{}
	var finals []*final
	for i, g := range raw {
		sig, art, faultsLeft, runs, shrunk := g.sig, "", 0, 0, false
		if i < maxShrink && shrinkRuns > 0 && ctx.Err() == nil {
			seed := g.seeds[0]
			sr, err := scenario.Shrink(ctx, o.ConfigFor(seed), seed, scenario.ShrinkOptions{MaxRuns: shrinkRuns})
			if err == nil {
				path := filepath.Join(out, scenario.ArtifactName(sr.Config, seed)+"-min.json")
				if werr := scenario.WriteArtifactFile(sr.Result, path); werr == nil {
					art = path
				}
				sig, faultsLeft, runs, shrunk = scenario.Signature(sr.Result), sr.Config.Faults.Len(), sr.Runs, true
			} else {
				fmt.Fprintf(w, "note: seed %d could not be shrunk: %v\n", seed, err)
			}
		}
		f := byFinal[sig]
		if f == nil {
			f = &final{group: group{sig: sig}, shrunk: shrunk, artifact: art, faults: faultsLeft, runs: runs}
			byFinal[sig] = f
			finals = append(finals, f)
		}
		f.seeds = append(f.seeds, g.seeds...)
	}
	slices.SortStableFunc(finals, func(a, b *final) int { return compareGroups(&a.group, &b.group) })
	fmt.Fprintf(w, "failures by signature (lock/checks/fault kinds:targets), most frequent first: %d signature(s) before shrinking, %d after\n", len(raw), len(finals))
	for _, f := range finals {
		slices.Sort(f.seeds)
		fmt.Fprintf(w, "  %d seed(s), first %d: %s\n", len(f.seeds), f.seeds[0], f.sig)
		switch {
		case f.shrunk && f.artifact != "":
			fmt.Fprintf(w, "    shrunk to %d fault(s) in %d runs: simrun replay %s\n", f.faults, f.runs, f.artifact)
		case f.shrunk:
			fmt.Fprintf(w, "    shrunk to %d fault(s) in %d runs (artifact not written)\n", f.faults, f.runs)
		default:
			fmt.Fprintln(w, "    not shrunk (--shrink, --shrink-runs)")
		}
	}
}

func sortGroups(gs []*group) {
	slices.SortStableFunc(gs, compareGroups)
}

// compareGroups orders the most frequent first, then by first seed.
func compareGroups(a, b *group) int {
	if len(a.seeds) != len(b.seeds) {
		return len(b.seeds) - len(a.seeds)
	}
	return cmp.Compare(slices.Min(a.seeds), slices.Min(b.seeds))
}
