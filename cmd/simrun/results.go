package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/locksim/locksim/internal/atomicfile"
	"github.com/locksim/locksim/model"
	"github.com/locksim/locksim/report"
	"github.com/locksim/locksim/scenario"
)

// timingsFile and manifestFile are the files explore writes into its
// --out directory besides the artifacts and report.ResultsFile.
const (
	timingsFile  = "timings.jsonl"
	manifestFile = "manifest.json"
)

// timingLine is one line of timings.jsonl.
type timingLine struct {
	Seed   uint64 `json:"seed"`
	WallMS int64  `json:"wall_ms"`
}

// newResultLine is the line of res; artifact is the saved file's path or "".
func newResultLine(res *scenario.Result, mode, artifact string, wallMS bool) report.Line {
	l := report.Line{
		Lock: res.Config.Lock, Scenario: res.Config.Scenario, Faults: mode, Seed: res.Seed,
		Outcome: string(res.Outcome()), Checks: []report.CheckResult{}, TraceHash: res.TraceHash,
		Signature: scenario.Signature(res),
	}
	if wallMS {
		l.WallMS = float64(res.Wall.Milliseconds()) // whole ms: encoded as an integer
	}
	if artifact != "" {
		l.Artifact = filepath.Base(artifact)
	}
	for _, c := range res.Checks {
		why := ""
		if c.Verdict != model.OK {
			why, _, _ = strings.Cut(strings.TrimSpace(c.Explanation), "\n")
		}
		l.Checks = append(l.Checks, report.CheckResult{Name: c.Check, Verdict: c.Verdict.String(), Why: why})
	}
	return l
}

// failedChecks names the checks of l in violation.
func failedChecks(l report.Line) string {
	var s []string
	for _, c := range l.Checks {
		if c.Verdict == model.Violation.String() {
			s = append(s, c.Name)
		}
	}
	return strings.Join(s, ", ")
}

// undecided lists "check: why" for each check of l that could not decide.
func undecided(l report.Line) []string {
	var out []string
	for _, c := range l.Checks {
		if c.Verdict != model.OK.String() && c.Verdict != model.Violation.String() {
			out = append(out, c.Name+": "+c.Why)
		}
	}
	if len(l.Checks) == 0 {
		out = append(out, "no check ran")
	}
	return out
}

// encodeLine is v as one JSON line: the one encoding of results.jsonl and
// timings.jsonl, so that explore and merge write the same bytes.
func encodeLine(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// lineWriter writes a JSON Lines file atomically (internal/atomicfile),
// so that the file is complete whenever it exists, even after an
// interrupt.
type lineWriter struct {
	f *atomicfile.File
	w *bufio.Writer
}

func createLines(path string) (*lineWriter, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	return &lineWriter{f: f, w: bufio.NewWriter(f)}, nil
}

func (lw *lineWriter) write(v any) error {
	b, err := encodeLine(v)
	if err != nil {
		return err
	}
	_, err = lw.w.Write(b)
	return err
}

// close flushes the file and renames it into place.
func (lw *lineWriter) close() error {
	if err := lw.w.Flush(); err != nil {
		lw.f.Abort()
		return err
	}
	return lw.f.Commit()
}

// abort drops the temporary file.
func (lw *lineWriter) abort() { lw.f.Abort() }

// readLines decodes the JSON Lines file at path into values made by
// newV, rejecting unknown keys. Errors name the file and line.
func readLines[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var v T
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if derr := dec.Decode(&v); derr != nil {
				return nil, fmt.Errorf("%s line %d: %w", path, n, derr)
			}
			out = append(out, v)
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
}
