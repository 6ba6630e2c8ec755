package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// ResultsFile is the name of the per-seed results file that explore
// --shard and merge write into their output directory.
const ResultsFile = "results.jsonl"

// Line is one seed of results.jsonl, as simrun explore and merge write it
// and simrun report reads it. The keys and their order are the file's
// format: change them only with a new manifest format.
type Line struct {
	Lock string `json:"lock"`
	// Scenario is the named scenario, or "".
	Scenario string `json:"scenario"`
	// Faults is the fault mode: "random", "none", "scenario" (the named
	// scenario's schedule) or "file:NAME" (a schedule file).
	Faults string `json:"faults"`
	Seed   uint64 `json:"seed"`
	// Outcome is safe, violation, stuck or unknown.
	Outcome string        `json:"outcome"`
	Checks  []CheckResult `json:"checks"`
	// TraceHash identifies the run's trace.
	TraceHash string `json:"trace_hash"`
	// WallMS is the run's wall time in milliseconds with explore's
	// --wall-ms, else 0: the one value a rerun changes, kept out so that a
	// shard's results are the same file on every rerun (timings.jsonl
	// holds them then).
	WallMS float64 `json:"wall_ms"`
	// Artifact is the saved artifact's file name relative to the
	// directory, "" when none was saved (no failure, or --keep reached).
	Artifact string `json:"artifact"`
	// Signature is the deduplication signature of a failure
	// (scenario.Signature), "" for a run that did not fail.
	Signature string `json:"signature"`
}

// CheckResult is one check of a Line; Why is the first line of its
// explanation when the verdict is not ok, else "".
type CheckResult struct {
	Name    string `json:"name"`
	Verdict string `json:"verdict"`
	Why     string `json:"why"`
}

// Failed reports whether the seed failed: a violation or a stuck lock.
func (l Line) Failed() bool { return l.Outcome == "violation" || l.Outcome == "stuck" }

// Row names the matrix row of the line: its scenario, else its fault mode.
func (l Line) Row() string {
	switch {
	case l.Scenario != "":
		return l.Scenario
	case l.Faults != "":
		return "faults: " + l.Faults
	}
	return "no faults"
}

// outcomes are the values Line.Outcome may take.
var outcomes = []string{"safe", "violation", "stuck", "unknown"}

// ParseResults reads results.jsonl: one JSON object per line, blank lines
// ignored. An error names the line and what is wrong with it.
func ParseResults(r io.Reader) ([]Line, error) {
	var out []Line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var l Line
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		switch {
		case l.Lock == "":
			return nil, fmt.Errorf("line %d: lock is missing", n)
		case !slices.Contains(outcomes, l.Outcome):
			return nil, fmt.Errorf("line %d: outcome %q is not one of safe, violation, stuck, unknown", n, l.Outcome)
		case filepath.IsAbs(l.Artifact) || escapes(l.Artifact):
			return nil, fmt.Errorf("line %d: artifact %q must be a file name inside the directory", n, l.Artifact)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	return out, nil
}

// ReadResults reads dir's results.jsonl; ok is false (and err nil) when
// the directory has none.
func ReadResults(dir string) (lines []Line, ok bool, err error) {
	path := filepath.Join(dir, ResultsFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	lines, err = ParseResults(f)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return lines, true, nil
}

func escapes(name string) bool {
	c := filepath.Clean(name)
	return c == ".." || len(c) > 2 && c[:3] == "../"
}
