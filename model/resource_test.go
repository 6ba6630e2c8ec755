package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResourceLinearizable(t *testing.T) {
	runCheckCases(t, NameResourceLinearizable, CheckResourceLinearizable, []checkCase{
		{"sequential increments", func(t *testing.T) histories.History { return sequential(t).history() },
			OK, []string{"3 critical sections on 1 resource: linearizable"}},
		{"gc pause, fenced: rejected write is a no-op", func(t *testing.T) histories.History { return gcPause(t, true).history() },
			OK, nil},
		{"gc pause, unfenced: lost update", func(t *testing.T) histories.History { return gcPause(t, false).history() },
			Violation, []string{
				"the 2 critical sections on \"counter\" are not linearizable",
				"Lost update: client 1 (cs 1) and client 2 (cs 3) both read 0 and both writes were applied",
				"The longest legal order covers 1 of them; it cannot place client",
			}},
		{"indeterminate write that happened", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.counterState("counter", 0, 0)
			b.access(access{op: histories.OpRead, client: 1, cs: 1, inv: 10, at: 11, done: 12, counter: histories.Int64(0)})
			b.access(access{op: histories.OpWrite, client: 1, cs: 1, inv: 13, at: 14, done: 50, typ: histories.Info, counter: histories.Int64(1)})
			b.rmw(2, 9, 0, 100, 1, 2)
			return b.history()
		}, OK, nil},
		{"indeterminate write that did not happen", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.counterState("counter", 0, 0)
			b.access(access{op: histories.OpRead, client: 1, cs: 1, inv: 10, at: 11, done: 12, counter: histories.Int64(0)})
			b.access(access{op: histories.OpWrite, client: 1, cs: 1, inv: 13, at: -1, done: -1, counter: histories.Int64(1)})
			b.rmw(2, 9, 0, 100, 0, 1)
			return b.history()
		}, OK, nil},
		{"read from nowhere", func(t *testing.T) histories.History {
			b := sequential(t)
			b.rmw(1, 99, 0, 5000, 7, 8)
			return b.history()
		}, Violation, []string{"it cannot place client 1 cs 99: read 7, write 8 (started at 5.000s)"}},
		{"no initial snapshot: the first read defines the state", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.rmw(1, 1, 0, 0, 41, 42)
			b.rmw(2, 2, 0, 10, 42, 43)
			return b.history()
		}, OK, nil},
		{"ledger transfers", func(t *testing.T) histories.History { return wallet(t, false).history() },
			OK, nil},
		{"ledger lost update", func(t *testing.T) histories.History { return wallet(t, true).history() },
			Violation, []string{"Lost update: client 1 (cs 1) and client 2 (cs 5) both read a=100"}},
		{"counter workload whose events also carry balances", func(t *testing.T) histories.History {
			b := gcPause(t, false)
			for i, e := range b.h {
				if e.Op == histories.OpStorageState || (e.Op == histories.OpRead && e.Type == histories.OK) || e.Op == histories.OpStorageRead {
					b.h[i].Balances = map[string]int64{"alice": 100, "bob": 100}
				}
			}
			return b.history()
		}, Violation, []string{"Lost update: client 1 (cs 1) and client 2 (cs 3) both read 0"}},
		{"no resource accesses", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "L", "v1", 0, 0, 10, 300)
			return b.history()
		}, Unknown, []string{"no critical section read or wrote the resource"}},
	})
}

func TestResourceLinearizableVisualization(t *testing.T) {
	dir := t.TempDir()
	r := CheckResourceLinearizable(gcPause(t, false).history(), Options{VisualizeDir: dir})
	require.Equal(t, Violation, r.Verdict)
	require.Equal(t, filepath.Join(dir, VisualizeResourceFile), r.Visualization)
	html, err := os.ReadFile(r.Visualization)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(html), "<html"), "an HTML page")
	assert.Contains(t, string(html), "client 1 cs 1: read 0, write 1")

	r = CheckResourceLinearizable(sequential(t).history(), Options{VisualizeDir: t.TempDir()})
	assert.Empty(t, r.Visualization, "nothing written for a linearizable history")
}

func TestResourceLinearizableBudget(t *testing.T) {
	h := stretchedCounterHistory(2000, 1, 50, 7, false)
	r := CheckResourceLinearizable(h, Options{SearchBudget: 1})
	assert.Equal(t, Unknown, r.Verdict, r.Explanation)
	assert.Contains(t, r.Explanation, "gave up after the budget of 1 model steps")
}
