package scenario

import (
	"strings"
	"testing"

	"github.com/locksim/locksim/model"
	"github.com/stretchr/testify/require"
)

func checks(vs ...model.Verdict) []model.Result {
	names := []string{model.NameMutualExclusion, model.NameResourceLinearizable, model.NameLockLinearizable, model.NameLiveness}
	var out []model.Result
	for i, v := range vs {
		out = append(out, model.Result{Check: names[i], Verdict: v, Explanation: "because " + names[i]})
	}
	return out
}

// TestOutcomeFourValues: a run's outcome is one of four, and a check that
// could not decide never makes a run safe.
func TestOutcomeFourValues(t *testing.T) {
	const ok, bad, unk = model.OK, model.Violation, model.Unknown
	for _, c := range []struct {
		name      string
		checks    []model.Result
		want      Expect
		failed    bool
		undecided []string
	}{
		{"every check ok", checks(ok, ok, ok, ok), Safe, false, nil},
		{"mutual exclusion undecided", checks(unk, ok, ok, ok), Unknown, false, []string{"mutual-exclusion: because mutual-exclusion"}},
		{"liveness undecided", checks(ok, ok, ok, unk), Unknown, false, []string{"liveness: because liveness"}},
		{"stuck beats undecided safety", checks(unk, unk, ok, bad), Stuck, true, []string{"mutual-exclusion: because mutual-exclusion", "linearizability: because linearizability"}},
		{"safety violation beats stuck", checks(ok, bad, ok, bad), Unsafe, true, nil},
		{"safety violation beats undecided", checks(bad, unk, ok, ok), Unsafe, true, []string{"linearizability: because linearizability"}},
		{"no check ran", nil, Unknown, false, []string{"no check ran"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := &Result{Checks: c.checks, Verdict: model.Combine(c.checks)}
			require.Equal(t, c.want, res.Outcome())
			require.Equal(t, c.failed, res.Failed())
			require.Equal(t, c.undecided, res.Undecided())
		})
	}
}

func TestMeasure(t *testing.T) {
	for _, c := range []struct {
		runs, unsafe, stuck, unknown int
		want                         Expect
	}{
		{20, 20, 0, 0, Unsafe},
		{20, 18, 2, 0, Unsafe},
		{20, 17, 0, 3, Mixed},
		{10, 9, 0, 1, Unsafe},
		{10, 8, 0, 0, Mixed},
		{20, 0, 18, 2, Stuck},
		{20, 1, 19, 0, Mixed},
		{20, 0, 0, 20, Unknown},
		{20, 0, 0, 18, Unknown},
		{20, 0, 1, 19, Mixed},
		{100, 0, 0, 0, Safe},
		{100, 0, 0, 1, Mixed},
		{100, 1, 0, 0, Mixed},
		{100, 0, 1, 0, Mixed},
		{0, 0, 0, 0, Mixed},
	} {
		require.Equalf(t, c.want, Measure(c.runs, c.unsafe, c.stuck, c.unknown), "%+v", c)
	}
}

// TestCellMatchesOnlyEqualOutcome: a cell is ticked only when the measured
// outcome equals the expectation; an undecided cell is shown so, with its
// reason in the legend.
func TestCellMatchesOnlyEqualOutcome(t *testing.T) {
	cell := func(exp Expect, outcomes ...Expect) Cell {
		c := Cell{Lock: "lua", Meaningful: true, Expected: exp, Why: "a reason"}
		for i, o := range outcomes {
			var why []string
			if o == Unknown {
				why = []string{"liveness: the history ends too soon"}
			}
			c.add(uint64(i+1), o, why)
		}
		c.judge()
		return c
	}
	undecided := cell(Safe, Unknown, Unknown)
	require.False(t, undecided.Match)
	require.Equal(t, Unknown, undecided.Measured)
	require.Equal(t, "0/2 ?2 undecided (measured unknown, exp safe ✗)", undecided.String())
	require.Equal(t, uint64(1), undecided.FirstUnknown)

	stuck := cell(Safe, Stuck, Stuck)
	require.False(t, stuck.Match)
	require.Equal(t, "0/2 +2 stuck seed 1 (measured stuck, exp safe ✗)", stuck.String())

	require.True(t, cell(Stuck, Stuck, Stuck).Match)
	require.False(t, cell(Unknown, Unknown, Unknown).Match, "an undecided cell is never a match")
	require.True(t, cell(Safe, Safe, Safe).Match)
	require.False(t, cell(Safe, Safe, Unknown).Match)
	require.False(t, cell(Unsafe, Unknown, Unknown).Match)

	m := &Matrix{Seeds: 2, From: 1, Locks: []string{"lua"}, Rows: []MatrixRow{
		{Scenario: "a", Cells: []Cell{undecided}},
		{Scenario: "b", Cells: []Cell{cell(Stuck, Stuck, Stuck)}},
	}}
	m.Cells, m.Mismatch = 2, 1
	var b strings.Builder
	require.NoError(t, m.Markdown(&b))
	out := b.String()
	require.Contains(t, out, "1 of 2 cells match their expectation; these differ:\n  - a/lua: expected safe (a reason), measured unknown")
	require.Contains(t, out, "- a/lua: safe: a reason.\n  undecided (2/2 seeds; seed 1):\n    liveness: the history ends too soon\n")
	require.Contains(t, out, "- b/lua: stuck: a reason.\n")
	require.NotContains(t, out, "Every cell")
}
