package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/model"
	"github.com/locksim/locksim/scenario"
)

// outcome is what simrun did with one run: its result and, for a
// violation, the artifact written.
type outcome struct {
	res      *scenario.Result
	artifact string   // path, "" if none
	viz      []string // visualization paths
	page     string   // the HTML page of the failure, "" if none
}

// execute runs cfg with seed; on a violation it writes the artifact into
// dir and the visualizations next to it.
func execute(cfg scenario.Config, seed uint64, dir string) (*outcome, error) {
	res, err := scenario.Run(cfg, seed, scenario.Options{VisualizeDir: scenario.VisualizeDirFor(dir, cfg, seed)})
	if err != nil {
		return nil, err
	}
	return save(res, dir)
}

// newOutcome is res, with its visualizations, and no artifact.
func newOutcome(res *scenario.Result) *outcome {
	o := &outcome{res: res}
	for _, c := range res.Checks {
		if c.Visualization != "" {
			o.viz = append(o.viz, c.Visualization)
		}
	}
	return o
}

// save writes the artifact of a failed res into dir.
func save(res *scenario.Result, dir string) (*outcome, error) {
	o := newOutcome(res)
	if !res.Failed() {
		return o, nil
	}
	path, err := scenario.SaveArtifact(res, dir)
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w", dir, err)
	}
	o.artifact = path
	return o, nil
}

// counts are the operations of a history.
func counts(h histories.History) (ops, acquisitions int) {
	for _, e := range h {
		if e.Type == histories.Invoke {
			ops++
		}
		if e.Op == histories.OpAcquire && e.Type == histories.OK {
			acquisitions++
		}
	}
	return ops, acquisitions
}

// describeConfig is one line about cfg and seed.
func describeConfig(cfg scenario.Config, seed uint64) string {
	sc := cfg.Scenario
	if sc == "" {
		sc = "(none)"
	}
	work := string(cfg.Workload) + " workload"
	if cfg.Careful {
		work += ", careful clients"
	}
	if cfg.ExtendEvery > 0 {
		work += fmt.Sprintf(", extending every %s", cfg.ExtendEvery)
	}
	return fmt.Sprintf("lock %s, scenario %s, seed %d: %d clients, %d Redis node(s), ttl %s, duration %s, %s, %d fault(s)",
		cfg.Lock, sc, seed, cfg.Clients, cfg.Nodes, cfg.TTL, cfg.Duration, work, cfg.Faults.Len())
}

// printResult prints the summary of o, and on a violation its explanation,
// a timeline around it, the artifact and how to reproduce it.
func printResult(w io.Writer, o *outcome, reproduce string) {
	res := o.res
	fmt.Fprintln(w, describeConfig(res.Config, res.Seed))
	if res.Config.Faults.Len() > 0 {
		fmt.Fprintf(w, "faults:\n%s", indent(res.Config.Faults.String()))
	}
	ops, acq := counts(res.History)
	fmt.Fprintf(w, "operations: %d, acquisitions: %d, events: %d\n", ops, acq, len(res.History))
	fmt.Fprintln(w, "checks:")
	for _, c := range res.Checks {
		fmt.Fprintf(w, "  %-22s %s\n", c.Check, c.Verdict)
	}
	fmt.Fprintf(w, "verdict: %s (%s)\n", res.Verdict, res.Outcome())
	fmt.Fprintf(w, "trace hash: %s\n", res.TraceHash)
	if res.Outcome() == scenario.Unknown {
		printUndecided(w, res)
	}
	if !res.Failed() {
		return
	}
	for _, c := range res.Checks {
		if c.Verdict != model.Violation {
			continue
		}
		fmt.Fprintf(w, "\n%s violation:\n%s", c.Check, indent(c.Explanation))
	}
	fmt.Fprintln(w)
	printTimeline(w, res)
	if o.artifact != "" {
		fmt.Fprintf(w, "artifact: %s\n", o.artifact)
	}
	for _, v := range o.viz {
		fmt.Fprintf(w, "visualization: %s\n", v)
	}
	if o.page != "" {
		fmt.Fprintf(w, "report: %s (open it in a browser)\n", o.page)
	}
	fmt.Fprintln(w, "reproduce:")
	if o.artifact != "" {
		fmt.Fprintf(w, "  simrun replay %s\n", o.artifact)
	}
	if reproduce != "" {
		fmt.Fprintf(w, "  %s\n", reproduce)
	}
}

// timelineMargin is the time shown before and after a violation.
const timelineMargin = 2 * time.Second

// printTimeline prints the timeline of the first violation of res: the
// stretch its check names, with a margin, or the whole history. A stretch
// longer than maxStretch is shown as two windows, around its start and
// around its end.
func printTimeline(w io.Writer, res *scenario.Result) {
	var from, to time.Duration
	for _, c := range res.Checks {
		if c.Verdict == model.Violation && (c.From != 0 || c.To != 0) {
			from, to = c.From, c.To
			break
		}
	}
	windows := [][2]time.Duration{{0, 0}}
	switch {
	case from == 0 && to == 0:
	case to-from > maxStretch:
		windows = [][2]time.Duration{
			{max(from-timelineMargin, 0), from + maxStretch/2},
			{to - maxStretch/2, to + timelineMargin},
		}
	default:
		windows = [][2]time.Duration{{max(from-timelineMargin, 0), to + timelineMargin}}
	}
	for i, win := range windows {
		if i > 0 {
			fmt.Fprintln(w, "...")
		}
		if err := histories.Timeline(res.History, win[0], win[1], w); err != nil {
			fmt.Fprintf(w, "(timeline: %v)\n", err)
		}
	}
}

// maxStretch is the longest stretch of time shown in one timeline window.
const maxStretch = 6 * time.Second

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// jsonResult is the object run --json prints.
type jsonResult struct {
	Seed          uint64            `json:"seed"`
	Lock          string            `json:"lock"`
	Scenario      string            `json:"scenario"`
	Verdict       string            `json:"verdict"`
	Outcome       string            `json:"outcome"`
	Undecided     []string          `json:"undecided,omitempty"`
	Checks        map[string]string `json:"checks"`
	TraceHash     string            `json:"trace_hash"`
	Artifact      *string           `json:"artifact"`
	Visualization []string          `json:"visualizations"`
	Report        *string           `json:"report,omitempty"`
	Operations    int               `json:"operations"`
	Acquisitions  int               `json:"acquisitions"`
	Reproduce     []string          `json:"reproduce,omitempty"`
}

func printJSON(w io.Writer, o *outcome, reproduce string) error {
	res := o.res
	ops, acq := counts(res.History)
	j := jsonResult{
		Seed: res.Seed, Lock: res.Config.Lock, Scenario: res.Config.Scenario,
		Verdict: res.Verdict.String(), Outcome: string(res.Outcome()), Checks: map[string]string{},
		Undecided: res.Undecided(),
		TraceHash: res.TraceHash, Visualization: o.viz, Operations: ops, Acquisitions: acq,
	}
	if j.Visualization == nil {
		j.Visualization = []string{}
	}
	for _, c := range res.Checks {
		j.Checks[c.Check] = c.Verdict.String()
	}
	if o.page != "" {
		j.Report = &o.page
	}
	if o.artifact != "" {
		j.Artifact = &o.artifact
		j.Reproduce = append(j.Reproduce, "simrun replay "+o.artifact)
		if reproduce != "" {
			j.Reproduce = append(j.Reproduce, reproduce)
		}
	}
	return writeJSON(w, j)
}

// writeJSON writes v as simrun's --json output: indented by two spaces,
// with a final newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// loadArtifact reads an artifact file, as bad input on error.
func loadArtifact(path string) (*histories.Artifact, error) {
	a, err := histories.LoadArtifact(path)
	if err != nil {
		if _, serr := os.Stat(path); serr != nil {
			return nil, badInput("cannot read artifact %s: %v", path, unwrapPath(serr))
		}
		return nil, badInput("%v", strings.TrimPrefix(err.Error(), "load artifact: "))
	}
	return a, nil
}

// openArtifact reads the artifact file at path and decodes the run it
// records: its config and seed. Errors are bad input naming the file.
func openArtifact(path string) (*histories.Artifact, scenario.Config, uint64, error) {
	a, err := loadArtifact(path)
	if err != nil {
		return nil, scenario.Config{}, 0, err
	}
	cfg, seed, err := scenario.FromArtifact(a)
	if err != nil {
		return nil, scenario.Config{}, 0, badInput("%s: %s", path, trimBad(err))
	}
	return a, cfg, seed, nil
}

// exitFor is the exit code of a result: 1 for a violation or a stuck
// lock, else 0. An unknown outcome exits 0, as "no violation found" (the
// design's exit codes have no "undecided"), but is never silent: the
// report says UNKNOWN and which check could not decide, and --json has
// "outcome": "unknown" with the reasons.
func exitFor(res *scenario.Result) int {
	if res.Failed() {
		return exitViolation
	}
	return exitOK
}

// printUndecided says, for a run whose outcome is unknown, that it is not
// safe and which checks could not decide, and why.
func printUndecided(w io.Writer, res *scenario.Result) {
	fmt.Fprintln(w, "UNKNOWN: no check found a violation, but some could not decide, so the run is not shown safe:")
	for _, u := range res.Undecided() {
		fmt.Fprint(w, indent(u))
	}
}

// minPath is the default path of the shrunk artifact of path.
func minPath(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-min" + ext
}
