package model

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/anishathalye/porcupine"
	"github.com/locksim/locksim/histories"
)

// linCheck is the outcome of porcupine on one key.
type linCheck struct {
	result porcupine.CheckResult
	// longest is the length of the longest linearizable prefix found, and
	// stuck the first operation (by call) outside it; only for Illegal
	// when the verbose search finished.
	longest int
	stuck   *porcupine.Operation
	info    *porcupine.LinearizationInfo
}

// runPorcupine checks ops against m, drawing every model step from b. On
// Illegal it searches again verbosely, on what is left of b, for the
// explanation and the visualization. result is Unknown when b ran out
// before the search decided: never a wall-clock timeout, so the same ops
// give the same linCheck on any machine.
func runPorcupine(m porcupine.Model, ops []porcupine.Operation, b *stepBudget) linCheck {
	res := porcupine.CheckOperationsTimeout(b.wrap(m), ops, 0)
	if b.exhausted {
		return linCheck{result: porcupine.Unknown}
	}
	lc := linCheck{result: res}
	if res != porcupine.Illegal {
		return lc
	}
	vres, info := porcupine.CheckOperationsVerbose(b.wrap(m), ops, 0)
	if b.exhausted || vres != porcupine.Illegal {
		// The verbose search ran out: the violation stands, unexplained.
		b.exhausted = false
		return lc
	}
	lc.info = &info
	// Porcupine lists the partial linearizations in map order: of the
	// longest, take the one whose calls come first, so that the
	// explanation is the same on every run.
	var best []porcupine.Operation
	for _, partition := range info.PartialLinearizationsOperations() {
		for _, lin := range partition {
			if len(lin) > len(best) || (len(lin) == len(best) && earlierCalls(lin, best)) {
				best = lin
			}
		}
	}
	lc.longest = len(best)
	in := make(map[any]bool)
	for _, op := range best {
		in[op.Input] = true
	}
	for i := range ops {
		if !in[ops[i].Input] && (lc.stuck == nil || ops[i].Call < lc.stuck.Call) {
			lc.stuck = &ops[i]
		}
	}
	return lc
}

// earlierCalls reports whether a's (call time, client) pairs come
// lexicographically before b's (of the same length).
func earlierCalls(a, b []porcupine.Operation) bool {
	for i := range a {
		switch {
		case a[i].Call != b[i].Call:
			return a[i].Call < b[i].Call
		case a[i].ClientId != b[i].ClientId:
			return a[i].ClientId < b[i].ClientId
		}
	}
	return false
}

// faultAnnotations marks the faults on a visualization whose times are
// history indices.
func faultAnnotations(h histories.History) []porcupine.Annotation {
	var as []porcupine.Annotation
	for _, f := range faultSpans(h) {
		end := int64(len(h))
		if f.ended {
			end = int64(f.endIndex)
		}
		as = append(as, porcupine.Annotation{
			Tag:         "faults",
			Start:       int64(f.startIndex),
			End:         end,
			Description: f.start.Fault + " " + f.start.Target,
			Details:     f.String(),
		})
	}
	return as
}

// visualize writes the HTML visualization of info to dir/file.
func visualize(m porcupine.Model, info *porcupine.LinearizationInfo, h histories.History, dir, file string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write visualization: %w", err)
	}
	info.AddAnnotations(faultAnnotations(h))
	path := filepath.Join(dir, file)
	if err := porcupine.VisualizePath(m, *info, path); err != nil {
		return "", fmt.Errorf("write visualization %s: %w", path, err)
	}
	return path, nil
}
