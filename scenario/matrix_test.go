package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/require"
)

func TestMatrixSmall(t *testing.T) {
	m, err := RunMatrix(context.Background(), MatrixOptions{Seeds: 1, Locks: []string{"lua", "mutex"}, Scenarios: []string{"gc-pause", "slow-reply"}, Jobs: 2})
	require.NoError(t, err)
	require.Len(t, m.Rows, 2)
	lua, mutex := m.Rows[0].Cells[0], m.Rows[0].Cells[1]
	require.Equal(t, Unsafe, lua.Expected)
	require.Equal(t, 1, lua.Unsafe)
	require.True(t, lua.Failed)
	require.True(t, lua.Match)
	require.True(t, mutex.Meaningful)
	require.False(t, m.Rows[1].Cells[1].Meaningful, "slow-reply is not meaningful for mutex")
	require.Equal(t, "–", m.Rows[1].Cells[1].String())
	require.Len(t, m.Perf, 2)
	require.Positive(t, m.Perf[0].Acquisitions)
	require.Positive(t, m.Perf[0].PerSecond)

	var b strings.Builder
	require.NoError(t, m.Markdown(&b))
	require.Contains(t, b.String(), "| gc-pause | 1/1 seed 1 (exp violation ✓) | 0/1 (exp safe ✓) |")
	require.Contains(t, b.String(), "not meaningful")
	_, err = json.Marshal(m)
	require.NoError(t, err)
}

func TestMatrixRejectsUnknownNames(t *testing.T) {
	require.ErrorIs(t, MatrixOptions{Locks: []string{"nope"}}.Check(), ErrBadConfig)
	require.ErrorIs(t, MatrixOptions{Scenarios: []string{"nope"}}.Check(), ErrBadConfig)
}

func TestAcquiresAndPercentile(t *testing.T) {
	h := histories.History{
		{Time: 0, Type: histories.Invoke, Op: histories.OpAcquire, OpID: 1, Process: 1},
		{Time: 2 * time.Millisecond, Type: histories.Invoke, Op: histories.OpAcquire, OpID: 2, Process: 2},
		{Time: 5 * time.Millisecond, Type: histories.OK, Op: histories.OpAcquire, OpID: 1, Process: 1},
		{Time: 9 * time.Millisecond, Type: histories.Fail, Op: histories.OpAcquire, OpID: 2, Process: 2},
	}
	s := Acquires(h)
	require.Equal(t, 1, s.Acquisitions)
	require.Equal(t, []time.Duration{5 * time.Millisecond}, s.Latencies)
	ds := []time.Duration{4, 1, 3, 2}
	require.Equal(t, time.Duration(2), Percentile(ds, 50))
	require.Equal(t, time.Duration(4), Percentile(ds, 99))
	require.Equal(t, time.Duration(0), Percentile(nil, 50))
}

// TestUndecidedCellIsNotTicked: a cell whose every seed was undecided is
// shown as undecided with the check that could not decide and why, and is
// never counted as a match, not even against an expectation of unknown.
func TestUndecidedCellIsNotTicked(t *testing.T) {
	for _, exp := range []Expect{Safe, Unknown} {
		c := Cell{Lock: "lua", Meaningful: true, Expected: exp, Why: "because", Runs: 3, Unknown: 3,
			FirstUnknown: 2, Undecided: []string{"liveness: a partition never healed"}}
		c.judge()
		require.Equal(t, Unknown, c.Measured)
		require.False(t, c.Match, "an undecided cell matched %s", exp)
		m := &Matrix{Seeds: 3, From: 1, Locks: []string{"lua"}, Cells: 1, Mismatch: 1,
			Rows: []MatrixRow{{Scenario: "s", Cells: []Cell{c}}}}
		var b strings.Builder
		require.NoError(t, m.Markdown(&b))
		out := b.String()
		require.Contains(t, out, fmt.Sprintf("| s | 0/3 ?3 undecided (measured unknown, exp %s ✗) |", exp))
		require.Contains(t, out, "  undecided (3/3 seeds; seed 2):\n    liveness: a partition never healed\n")
		require.Contains(t, out, "0 of 1 cells match their expectation; these differ:")
		require.NotContains(t, out, "✓)")
	}
}

// TestNoCellExpectsUndecided: an expectation of unknown could never be
// met (an undecided cell never matches), so no named cell states one.
func TestNoCellExpectsUndecided(t *testing.T) {
	for _, sc := range Scenarios() {
		for _, l := range sc.Locks() {
			e, ok := sc.Expected(l)
			require.True(t, ok)
			require.NotEqual(t, Unknown, e.Expect, "%s/%s expects unknown", sc.Name, l)
		}
	}
}
