package model

import (
	"fmt"
	"slices"
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"
)

func TestMutualExclusion(t *testing.T) {
	tests := []struct {
		name     string
		history  func(t *testing.T) histories.History
		opts     Options
		verdict  Verdict
		contains []string
		notes    []string
	}{
		{
			name:     "sequential critical sections",
			history:  func(t *testing.T) histories.History { return sequential(t).history() },
			verdict:  OK,
			contains: []string{"3 critical sections never interleave", "6 storage accesses"},
		},
		{
			name:    "gc pause, fenced: stale write rejected",
			history: func(t *testing.T) histories.History { return gcPause(t, true).history() },
			verdict: OK,
			notes:   []string{"stale access rejected: client 1 (cs 1, token 33): write 1 at 3.115s rejected by the storage"},
		},
		{
			name:    "gc pause, unfenced: two holders",
			history: func(t *testing.T) histories.History { return gcPause(t, false).history() },
			verdict: Violation,
			contains: []string{
				"critical sections of client 1 and client 2 interleave at the storage on \"counter\" (overlap 3ms, 1.421s..1.424s)",
				"client 1 (cs 1) had accepted accesses read 0 at 1.025s, write 1 at 3.115s",
				"client 2 (cs 3) had accepted accesses read 0 at 1.421s, write 1 at 1.424s",
				"Client 1 believed it held lock \"L\" (value v1) from 1.010s (acquire ok) until 1.310s (validity)",
				"Client 2 believed it held lock \"L\" (value v2) from 1.410s (acquire ok) until its release at 1.460s",
				"Their beliefs did not overlap. Client 1 was still accessing at 3.115s, 1805ms after its belief ended at 1.310s.",
				"Faults active: fault 1 pause c1 1.100s..3.100s",
			},
		},
		{
			name: "access outside any critical section",
			history: func(t *testing.T) histories.History {
				b := sequential(t)
				b.access(access{op: histories.OpWrite, client: 4, inv: 1021, at: 1022, done: 1023, counter: histories.Int64(7)})
				return b.history()
			},
			verdict:  Violation,
			contains: []string{"Client 4 accessed the resource outside any critical section"},
		},
		{
			name:     "write timed out, no storage record, may still arrive",
			history:  func(t *testing.T) histories.History { return timedOutWrite(t).history() },
			verdict:  Unknown,
			contains: []string{"no accepted accesses interleave, but client 1 (cs 1) and client 2 (cs 4) on \"counter\" might", "client 1's write (op 3, invoked at 0.030s) is indeterminate and the storage has no record of it: it may still arrive"},
		},
		{
			name:    "write timed out, storage record complete",
			history: func(t *testing.T) histories.History { return timedOutWrite(t).history() },
			opts:    Options{StorageComplete: true},
			verdict: OK,
		},
		{
			name: "write timed out but the storage executed it: resolved",
			history: func(t *testing.T) histories.History {
				b := newBuilder(t)
				cs1 := b.acquire(1, "L", "v1", 0, 0, 10, 300)
				b.access(access{op: histories.OpWrite, client: 1, cs: cs1, inv: 30, at: 35, done: 80, typ: histories.Info, counter: histories.Int64(1)})
				cs2 := b.acquire(2, "L", "v2", 0, 400, 410, 700)
				b.rmw(2, cs2, 0, 420, 1, 2)
				return b.history()
			},
			verdict: OK,
		},
		{
			name: "both believe they hold the lock (redis clock jump)",
			history: func(t *testing.T) histories.History {
				b := newBuilder(t)
				b.counterState("counter", 0, 0)
				cs1 := b.acquire(1, "L", "v1", 0, 0, 10, 10010)
				b.fault("clock-jump", "redis-1", 100, 100)
				b.expire("redis-1", "L", "v1", 100)
				cs2 := b.acquire(2, "L", "v2", 0, 200, 210, 10210)
				b.access(access{op: histories.OpRead, client: 1, cs: cs1, inv: 300, at: 301, done: 302, counter: histories.Int64(0)})
				b.rmw(2, cs2, 0, 303, 0, 1)
				b.access(access{op: histories.OpWrite, client: 1, cs: cs1, inv: 400, at: 401, done: 402, counter: histories.Int64(1)})
				return b.history()
			},
			verdict: Violation,
			contains: []string{
				"(overlap 3ms, 0.304s..0.307s)",
				"Their beliefs overlapped by 9800ms.",
				"Faults active: fault 1 clock-jump redis-1 0.100s..0.100s.",
			},
		},
		{
			name: "no storage events",
			history: func(t *testing.T) histories.History {
				b := newBuilder(t)
				b.acquire(1, "L", "v1", 0, 0, 10, 300)
				return b.history()
			},
			verdict:  Unknown,
			contains: []string{"the storage recorded no resource access"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckMutualExclusion(tt.history(t), tt.opts)
			assert.Equal(t, NameMutualExclusion, r.Check)
			assert.Equal(t, tt.verdict, r.Verdict, r.Explanation)
			for _, s := range tt.contains {
				assert.Contains(t, r.Explanation, s)
			}
			if r.Verdict == Violation {
				assert.Less(t, r.From, r.To, "a violation names its stretch of time")
			}
			for _, n := range tt.notes {
				assert.Contains(t, r.Notes, n)
			}
		})
	}
}

// TestRapidMutualExclusionMatchesBruteForce compares the sweep with a
// pairwise check on random storage accesses of a few critical sections.
func TestRapidMutualExclusionMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(t, "sections")
		slots := rapid.Permutation(make20()).Draw(t, "slots")
		var h histories.History
		type span struct{ lo, hi int }
		spans := make([]span, n)
		used := 0
		for cs := 1; cs <= n; cs++ {
			k := rapid.IntRange(1, 3).Draw(t, fmt.Sprintf("accesses%d", cs))
			spans[cs-1] = span{lo: 1 << 30, hi: -1}
			for range k {
				if used == len(slots) {
					break
				}
				at := slots[used]
				used++
				spans[cs-1].lo, spans[cs-1].hi = min(spans[cs-1].lo, at), max(spans[cs-1].hi, at)
				h = append(h, histories.Event{Time: ms(at), Type: histories.Observed, Op: histories.OpStorageRead,
					Process: cs, Node: "storage", Key: "counter", CS: cs, Outcome: histories.Accepted, Counter: histories.Int64(0)})
			}
		}
		slices.SortStableFunc(h, func(a, b histories.Event) int { return int(a.Time - b.Time) })
		want := OK
		for i := range spans {
			for j := range spans {
				if i != j && spans[i].hi >= 0 && spans[j].hi >= 0 && spans[i].lo < spans[j].lo && spans[j].lo < spans[i].hi {
					want = Violation
				}
			}
		}
		r := CheckMutualExclusion(h, Options{})
		if r.Verdict != want {
			t.Fatalf("got %v, want %v: %s", r.Verdict, want, r.Explanation)
		}
	})
}

func make20() []int {
	s := make([]int, 20)
	for i := range s {
		s[i] = i
	}
	return s
}
