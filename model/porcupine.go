package model

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

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

// runPorcupine checks ops against m within timeout. On Illegal it searches
// again verbosely, for the explanation and the visualization.
func runPorcupine(m porcupine.Model, ops []porcupine.Operation, timeout time.Duration) linCheck {
	start := time.Now()
	res := porcupine.CheckOperationsTimeout(m, ops, timeout)
	lc := linCheck{result: res}
	if res != porcupine.Illegal {
		return lc
	}
	left := timeout - time.Since(start)
	if left <= 0 {
		return lc
	}
	vres, info := porcupine.CheckOperationsVerbose(m, ops, left)
	if vres != porcupine.Illegal {
		return lc
	}
	lc.info = &info
	in := make(map[any]bool)
	for _, partition := range info.PartialLinearizationsOperations() {
		for _, lin := range partition {
			if len(lin) > lc.longest {
				lc.longest = len(lin)
				clear(in)
				for _, op := range lin {
					in[op.Input] = true
				}
			}
		}
	}
	for i := range ops {
		if !in[ops[i].Input] && (lc.stuck == nil || ops[i].Call < lc.stuck.Call) {
			lc.stuck = &ops[i]
		}
	}
	return lc
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
