package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/locksim/locksim/backend/live"
	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/model"
	"github.com/locksim/locksim/report"
	"github.com/locksim/locksim/scenario"
	"github.com/locksim/locksim/sim"
)

// reportFile is the page simrun report writes into DIR by default.
const reportFile = "report.html"

func cmdReport(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("report")
	out := fs.String("out", "", "the HTML file to write (default DIR/"+reportFile+")")
	pos, err := parse(fs, args, stdout, "DIR [--out FILE]")
	if err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		return 0, badInput("want exactly one DIR (an explore or merge output directory), got %d arguments", len(pos))
	}
	dir := pos[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return 0, badInput("DIR %s: not a directory (want an explore or merge output directory)", dir)
	}
	path := *out
	if path == "" {
		path = filepath.Join(dir, reportFile)
	}
	limitMemory()
	defer useCores(1)()
	page, err := dirPage(dir, path)
	if err != nil {
		return 0, err
	}
	if err := report.WritePath(path, page); err != nil {
		return 0, badInput("--out %s: %v", path, err)
	}
	fmt.Fprintf(stdout, "report: %s (%d distinct failure(s))\n", path, len(page.Failures))
	return exitOK, nil
}

// dirPage builds the page of an explore or merge output directory: from
// its results.jsonl when there is one, else from its artifacts alone.
func dirPage(dir, pagePath string) (*report.Page, error) {
	lines, complete, err := report.ReadResults(dir)
	if err != nil {
		return nil, badInput("%v", err)
	}
	page := &report.Page{Title: "locksim report: " + dir}
	if !complete {
		var notes []string
		lines, notes = artifactLines(dir)
		page.Notes = append(page.Notes, notes...)
		page.Notes = append(page.Notes, "no "+report.ResultsFile+" in "+dir+": the counts are the saved failures only")
	}
	groups := report.Groups(lines)
	failed := 0
	for _, g := range groups {
		failed += len(g.Lines)
	}
	page.Summary = append(page.Summary, fmt.Sprintf("%d seed(s) listed, %d failing, %d distinct failure(s), most frequent first.", len(lines), failed, len(groups)))
	for _, g := range groups {
		page.Failures = append(page.Failures, groupFailure(dir, pagePath, g))
	}
	page.Matrix = report.Tally(lines, complete)
	judgeMatrix(page.Matrix)
	return page, nil
}

// groupFailure replays the representative of g for its timeline.
func groupFailure(dir, pagePath string, g report.Group) report.Failure {
	rep := g.Representative
	var seeds []uint64
	for _, l := range g.Lines {
		seeds = append(seeds, l.Seed)
	}
	if rep.Artifact == "" {
		return report.Failure{
			Title: fmt.Sprintf("%s × %s, seed %d", rep.Lock, rep.Row(), rep.Seed), Signature: g.Signature, Seeds: seeds,
			Note: "no artifact was saved for these seeds (explore --keep reached)", Checks: rep.Checks,
		}
	}
	f := artifactFailure(filepath.Join(dir, rep.Artifact), pagePath)
	f.Signature, f.Seeds = g.Signature, seeds
	if f.Checks == nil {
		f.Checks = rep.Checks // the artifact could not be read: what results.jsonl says
	}
	return f
}

// artifactFailure is the failure an artifact records, replayed for its
// timeline and the lock key's real lifetime on the Redis nodes. An
// artifact that cannot be replayed is drawn from its recorded history.
func artifactFailure(path, pagePath string) report.Failure {
	f := report.Failure{Title: filepath.Base(path), Replay: "go run ./cmd/simrun replay " + shellQuote(path), Artifact: relLink(pagePath, path)}
	a, err := histories.LoadArtifact(path)
	if err != nil {
		f.Note = fmt.Sprintf("cannot read the artifact: %v", err)
		f.Replay, f.Artifact = "", "" // neither would work
		return f
	}
	f.Seeds = []uint64{a.Seed}
	for _, v := range a.Verdicts {
		f.Checks = append(f.Checks, report.CheckResult{Name: v.Check, Verdict: v.Verdict, Why: v.Explanation})
	}
	cfg, seed, err := scenario.FromArtifact(a)
	if err != nil {
		f.Note = fmt.Sprintf("cannot replay the artifact: %s", trimBad(err))
		return f
	}
	f.Title = fmt.Sprintf("%s × %s, seed %d", cfg.Lock, rowName(cfg), seed)
	if vs, _ := filepath.Glob(filepath.Join(scenario.VisualizeDirFor(filepath.Dir(path), cfg, seed), "*.html")); len(vs) > 0 {
		f.Visualization = relLink(pagePath, vs[0])
	}
	if a.TraceHash == live.TraceHash {
		f.Run = &report.Run{History: a.History, Checks: model.CheckAll(a.History, model.Options{})}
		f.Note = "a live run: real processes decided it, not its seed, so it is not replayed; the recorded history is shown, the Redis lanes show expiries only"
		f.Replay = ""
		return f
	}
	run, note := replayRun(a)
	f.Run, f.Note = run, note
	return f
}

// replayRun re-runs the artifact watching the lock keys, for the report;
// when it cannot (a custom lock, a live run) it returns the recorded
// history, checked again.
func replayRun(a *histories.Artifact) (*report.Run, string) {
	keys := lockKeys(a.History)
	var ks []scenario.KeyState
	res, err := scenario.Replay(a, scenario.Options{SimOptions: []sim.Option{scenario.WatchKeys(keys, &ks)}})
	if err == nil {
		return &report.Run{History: res.History, Checks: res.Checks, Keys: toReportKeys(ks)}, ""
	}
	recorded := &report.Run{History: a.History, Checks: model.CheckAll(a.History, model.Options{})}
	if res != nil {
		return recorded, fmt.Sprintf("the replay did not reproduce the recorded trace hash (%v); the recorded history is shown, the Redis lanes show expiries only", err)
	}
	return recorded, fmt.Sprintf("not replayed (%s); the recorded history is shown, the Redis lanes show expiries only", trimBad(err))
}

// lockKeys are the lock keys the history's acquires name, sorted.
func lockKeys(h histories.History) []string {
	var ks []string
	for _, e := range h {
		if e.Op == histories.OpAcquire && e.Key != "" && !slices.Contains(ks, e.Key) {
			ks = append(ks, e.Key)
		}
	}
	sort.Strings(ks)
	return ks
}

func toReportKeys(ks []scenario.KeyState) []report.KeyState {
	out := make([]report.KeyState, len(ks))
	for i, k := range ks {
		out[i] = report.KeyState(k)
	}
	return out
}

// relLink is target as a link from the page at pagePath.
func relLink(pagePath, target string) string {
	if r, err := filepath.Rel(filepath.Dir(pagePath), target); err == nil {
		return filepath.ToSlash(r)
	}
	if abs, err := filepath.Abs(target); err == nil {
		return "file://" + filepath.ToSlash(abs)
	}
	return target
}

// rowName is the matrix row of a config: its scenario, else its faults.
func rowName(cfg scenario.Config) string {
	switch {
	case cfg.Scenario != "":
		return cfg.Scenario
	case cfg.Faults.Len() > 0:
		return "faults: schedule"
	}
	return "no faults"
}

// judgeMatrix fills each cell's measured outcome (when every seed is
// counted) and what the named scenario expects of the lock.
func judgeMatrix(m *report.Matrix) {
	for r := range m.Rows {
		row := &m.Rows[r]
		named, err := scenario.Lookup(row.Scenario)
		for c := range row.Cells {
			cell := &row.Cells[c]
			if cell.Runs == 0 {
				continue
			}
			if m.Complete {
				cell.Measured = string(scenario.Measure(cell.Runs, cell.Violation, cell.Stuck, cell.Unknown))
			}
			if err != nil {
				continue
			}
			if e, ok := named.Expected(cell.Lock); ok {
				cell.Expected, cell.Why = string(e.Expect), e.Why
			}
		}
	}
}

// artifactLines are the lines of a directory without results.jsonl: one
// per artifact file, its signature lock + failing checks + fault kinds
// and targets. A shrunk artifact (-min) beside its original is left out:
// it is the same seed.
func artifactLines(dir string) ([]report.Line, []string) {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Strings(paths)
	var lines []report.Line
	var notes []string
	for _, p := range paths {
		if filepath.Base(p) == "manifest.json" {
			continue
		}
		if base := strings.TrimSuffix(p, "-min.json"); base != p {
			if _, err := os.Stat(base + ".json"); err == nil {
				continue
			}
		}
		a, err := histories.LoadArtifact(p)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s: not a readable artifact, left out (%s)", filepath.Base(p), oneLine(err.Error())))
			continue
		}
		lines = append(lines, artifactLine(a, filepath.Base(p)))
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Seed < lines[j].Seed })
	return lines, notes
}

// artifactLine is the results line an artifact stands for.
func artifactLine(a *histories.Artifact, name string) report.Line {
	l := report.Line{Seed: a.Seed, TraceHash: a.TraceHash, Artifact: name, Outcome: "unknown", Lock: "?"}
	if cfg, _, err := scenario.FromArtifact(a); err == nil {
		l.Lock, l.Scenario = cfg.Lock, cfg.Scenario
		if cfg.Scenario == "" {
			l.Faults = "schedule"
		}
	}
	var failing []string
	safety, progress := false, false
	for _, v := range a.Verdicts {
		l.Checks = append(l.Checks, report.CheckResult{Name: v.Check, Verdict: v.Verdict, Why: v.Explanation})
		if v.Verdict == model.Violation.String() {
			failing = append(failing, v.Check)
			if model.IsProgress(v.Check) {
				progress = true
			} else {
				safety = true
			}
		}
	}
	switch {
	case safety:
		l.Outcome = string(scenario.Unsafe)
	case progress:
		l.Outcome = string(scenario.Stuck)
	}
	var fs []string
	for _, e := range a.History {
		if e.Op == histories.OpFaultStart {
			if f := e.Fault + " " + e.Target; !slices.Contains(fs, f) {
				fs = append(fs, f)
			}
		}
	}
	sort.Strings(fs)
	l.Signature = fmt.Sprintf("%s | %s | %s", l.Lock, strings.Join(failing, ","), strings.Join(fs, "; "))
	return l
}

// pagePath is where the single-failure page of an artifact goes: beside
// it, with the extension .html.
func pagePath(artifact string) string {
	return strings.TrimSuffix(artifact, filepath.Ext(artifact)) + ".html"
}

// writeFailurePage writes the page of the one failure the artifact at
// path records (replayed for its timeline) beside it, and returns its
// path.
func writeFailurePage(path string) (string, error) {
	out := pagePath(path)
	f := artifactFailure(path, out)
	page := &report.Page{Title: "locksim: " + f.Title, Failures: []report.Failure{f}}
	if err := report.WritePath(out, page); err != nil {
		return "", err
	}
	return out, nil
}

// shellQuote quotes path for a POSIX shell when it needs it, so that the
// printed command works as written.
func shellQuote(path string) string {
	if path != "" && strings.Trim(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+=:,@") == "" {
		return path
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}
