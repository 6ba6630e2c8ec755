package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/locksim/locksim/report"
)

// maxSeedsShown bounds the undecided seeds a summary names; results.jsonl
// names them all.
const maxSeedsShown = 20

// tally is the summary of results lines: what explore prints at its end
// and merge prints for the merged directories, from the same lines, so
// the two agree.
type tally struct {
	runs, unsafe, stuck, unknown int
	firstFailing, firstUnknown   *report.Line
	undecided                    []uint64 // the first maxSeedsShown
}

func (t *tally) add(l *report.Line) {
	t.runs++
	switch l.Outcome {
	case "violation":
		t.unsafe++
	case "stuck":
		t.stuck++
	case "unknown":
		t.unknown++
		if t.firstUnknown == nil {
			t.firstUnknown = l
		}
		if len(t.undecided) < maxSeedsShown {
			t.undecided = append(t.undecided, l.Seed)
		}
	}
	if l.Failed() && t.firstFailing == nil {
		t.firstFailing = l
	}
}

func (t *tally) violations() int { return t.unsafe + t.stuck }

// print writes the summary: counts, the undecided seeds by name and why
// the first could not be decided, the first failing seed and how to
// reproduce it. dir is where its artifact is; reproduce is the simrun run
// line of a seed.
func (t *tally) print(w io.Writer, dir string, reproduce func(seed uint64) string) {
	rate := 0.0
	if t.runs > 0 {
		rate = 100 * float64(t.violations()) / float64(t.runs)
	}
	fmt.Fprintf(w, "runs: %d, violations: %d (rate %.1f%%): unsafe %d, stuck %d; undecided: %d\n",
		t.runs, t.violations(), rate, t.unsafe, t.stuck, t.unknown)
	if t.firstUnknown != nil {
		var seeds []string
		for _, s := range t.undecided {
			seeds = append(seeds, fmt.Sprint(s))
		}
		more := ""
		if t.unknown > len(t.undecided) {
			more = fmt.Sprintf(" and %d more", t.unknown-len(t.undecided))
		}
		fmt.Fprintf(w, "UNKNOWN in %d run(s), not shown safe: seeds %s%s (all in %s); the first, seed %d, because:\n",
			t.unknown, strings.Join(seeds, ", "), more, report.ResultsFile, t.firstUnknown.Seed)
		for _, u := range undecided(*t.firstUnknown) {
			fmt.Fprint(w, indent(u))
		}
	}
	if t.firstFailing == nil {
		fmt.Fprintln(w, "no violation found")
		return
	}
	fmt.Fprintf(w, "first failing seed: %d\n", t.firstFailing.Seed)
	fmt.Fprintln(w, "reproduce:")
	if a := t.firstFailing.Artifact; a != "" {
		fmt.Fprintf(w, "  simrun replay %s\n", filepath.Join(dir, a))
	}
	fmt.Fprintf(w, "  %s\n", reproduce(t.firstFailing.Seed))
}
