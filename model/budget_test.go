package model

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stepsNeeded is the number of model steps check takes to decide.
func stepsNeeded(t *testing.T, check func(Options) Result) int64 {
	t.Helper()
	var steps int64
	r := check(Options{onStep: func() { steps++ }})
	require.NotEqual(t, Unknown, r.Verdict, r.Explanation)
	return steps
}

// TestVerdictIndependentOfSpeed: the linearizability checks stop on a
// count of model steps, not on a clock, so a history gives the same
// verdict (and explanation) on a machine a thousand times slower, on
// either side of the budget's edge.
func TestVerdictIndependentOfSpeed(t *testing.T) {
	for _, c := range []struct {
		name string
		h    func(Options) Result
		want Verdict
	}{
		{"linearizable counter", func(o Options) Result {
			return CheckResourceLinearizable(stretchedCounterHistory(60, 1, 6, 3, false), o)
		}, OK},
		{"lost update", func(o Options) Result {
			return CheckResourceLinearizable(gcPause(t, false).history(), o)
		}, Violation},
		{"lock", func(o Options) Result {
			return CheckLockLinearizable(sequential(t).history(), o)
		}, OK},
	} {
		t.Run(c.name, func(t *testing.T) {
			need := stepsNeeded(t, c.h)
			require.Positive(t, need)
			for _, budget := range []int64{need, need - 1, need / 2, need + 1} {
				fast := c.h(Options{SearchBudget: budget})
				// A slow machine.
				slow := c.h(Options{SearchBudget: budget, onStep: func() { time.Sleep(20 * time.Microsecond) }})
				require.Equal(t, fast, slow, "budget %d: the same history must give the same result at any speed", budget)
				switch {
				case budget >= need:
					require.Equal(t, c.want, fast.Verdict, fast.Explanation)
				case c.want == Violation:
					// The first search found the violation; the verbose one,
					// short of steps, cannot explain it, but it stands.
					require.Contains(t, []Verdict{Violation, Unknown}, fast.Verdict, fast.Explanation)
				default:
					require.Equal(t, Unknown, fast.Verdict, fast.Explanation)
					require.Contains(t, fast.Explanation, "model steps")
				}
			}
		})
	}
}

// TestModelReadsNoClock: nothing in the checkers reads the wall clock, so
// no verdict can depend on how fast the machine is.
func TestModelReadsNoClock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" {
				switch sel.Sel.Name {
				case "Now", "Since", "Until", "After", "AfterFunc", "NewTimer", "NewTicker", "Tick", "Sleep":
					t.Errorf("%s: time.%s: a verdict must not depend on the machine's speed", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}
