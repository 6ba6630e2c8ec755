package mutate

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestParseScenarios(t *testing.T) {
	out := `gc-pause                 the holder pauses [mutex=safe fenced=safe lua=violation]
holder-crash             the holder crashes [lua=safe setnx=stuck]
`
	m, err := parseScenarios(out)
	require.NoError(t, err)
	require.Equal(t, map[string][]string{
		"mutex": {"gc-pause"}, "fenced": {"gc-pause"}, "lua": {"gc-pause", "holder-crash"}, "setnx": {"holder-crash"},
	}, m)

	_, err = parseScenarios("gc-pause   no expectations\n")
	require.Error(t, err)
	_, err = parseScenarios("")
	require.Error(t, err)
}

func TestClassify(t *testing.T) {
	tests := []struct {
		code   int
		stdout string
		stderr string
		want   Outcome
	}{
		{0, `{"outcome":"safe"}`, "", Safe},
		{1, `{"outcome":"violation"}`, "", Violation},
		{1, `{"outcome":"stuck"}`, "", Stuck},
		{0, `{"outcome":"unknown"}`, "", Unknown},
		{3, `{"outcome":"safe"}`, "", Nondeterminism},
		{2, ``, "simrun: --ttl is bad", Rejected},
		{2, ``, "panic: index out of range\n\ngoroutine 1", Crash},
		{2, ``, "simrun: internal error: runtime error: index out of range [16] with length 16", Crash},
		{0, `not json`, "", Crash},
		{0, `{"outcome":"maybe"}`, "", Crash},
		{137, ``, "", Crash},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, classify(tt.code, []byte(tt.stdout), tt.stderr), "%d %s %s", tt.code, tt.stdout, tt.stderr)
	}
}

func TestScoresCountPerLockAndLeaveOutTheUncompiled(t *testing.T) {
	m := func(id string) Mutant { return Mutant{ID: id} }
	rs := []Result{
		{Mutant: m("M1"), Lock: "lua", Status: Killed},
		{Mutant: m("M2"), Lock: "lua", Status: Killed, Kill: &Kill{Case: Case{Seed: 4}}},
		{Mutant: m("M3"), Lock: "lua", Status: Survived},
		{Mutant: m("M4"), Lock: "lua", Status: NotCompiled},
		{Mutant: m("M1"), Lock: "fenced", Status: Survived},
	}
	got := Scores(rs)
	require.Equal(t, []Score{{Lock: "fenced", Survived: 1}, {Lock: "lua", Killed: 2, Survived: 1, NotCompiled: 1, ByRandom: 1}}, got)
	require.Equal(t, "lua: 2/3 killed (67%), 1 not compiled; 1 of the kills by random faults only", got[1].String())
	require.Equal(t, 0, Score{Lock: "x", NotCompiled: 3}.Percent())
	require.Equal(t, []Result{rs[4], rs[2]}, Survivors(rs))
}

func TestWriteTextShowsKillsAndScores(t *testing.T) {
	k := Kill{Case: Case{Scenario: "holder-crash", Seed: 2}, Original: Safe, Mutant: Stuck, Command: "simrun run --lock lua --scenario holder-crash --seed 2"}
	rep := Report{Seeds: 5, RandomSeeds: 20, Elapsed: "1m0s",
		Baseline: map[string][]BaseCase{"lua": {{Case{Scenario: "holder-crash", Seed: 2}, Safe}, {Case{Seed: 1}, Violation}}},
		Results: []Result{
			{Mutant: Mutant{ID: "M001", File: "locks/lua.go", Line: 7, Func: "f", Operator: OpNegate, Desc: "if a -> if !(a)"}, Lock: "lua", Status: Killed, Kill: &k},
			{Mutant: Mutant{ID: "M002", File: "locks/lua.go", Line: 9, Func: "f", Operator: OpConst, Desc: "1 -> 2"}, Lock: "lua", Status: Survived},
		}}
	var b bytes.Buffer
	require.NoError(t, WriteText(&b, rep))
	s := b.String()
	require.Contains(t, s, "unmutated: 1 of 2 cases safe")
	require.Contains(t, s, "holder-crash seed 2: stuck (original safe)  [simrun run --lock lua --scenario holder-crash --seed 2]")
	require.Contains(t, s, "lua.go:9")
	require.Contains(t, s, "lua: 1/2 killed (50%), 0 not compiled; 0 of the kills by random faults only")
}

func TestSampleIsEvenDeterministicAndOrdered(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 60).Draw(t, "len")
		k := rapid.IntRange(0, 70).Draw(t, "max")
		ms := make([]Mutant, n)
		for i := range ms {
			ms[i].ID = fmt.Sprintf("M%03d", i+1)
		}
		got := Sample(ms, k)
		want := n
		if k > 0 && k < n {
			want = k
		}
		if len(got) != want {
			t.Fatalf("Sample(%d, %d) has %d", n, k, len(got))
		}
		for i := 1; i < len(got); i++ {
			if got[i].ID <= got[i-1].ID {
				t.Fatalf("not increasing: %s then %s", got[i-1].ID, got[i].ID)
			}
		}
		if len(got) > 0 && got[0].ID != "M001" {
			t.Fatalf("first is %s", got[0].ID)
		}
	})
}

func TestFilterLocksNarrows(t *testing.T) {
	ms := []Mutant{{ID: "M1", Locks: []string{"fenced", "lua"}}, {ID: "M2", Locks: []string{"redlock"}}, {ID: "M3"}}
	got := FilterLocks(ms, []string{"lua"})
	require.Equal(t, []Mutant{{ID: "M1", Locks: []string{"lua"}}}, got)
	require.Len(t, FilterLocks(ms, nil), 2, "a mutant no lock reaches is left out")
}

func TestDiffBoundsTheChange(t *testing.T) {
	orig := "a\nb\nc\nd\n"
	require.Equal(t, "@@ line 2 @@\n-b\n+B\n", Diff([]byte(orig), []byte("a\nB\nc\nd\n")))
	require.Equal(t, "@@ line 3 @@\n-c\n", Diff([]byte(orig), []byte("a\nb\nd\n")))
	require.Equal(t, "@@ line 1 @@\n+x\n", Diff([]byte(orig), []byte("x\na\nb\nc\nd\n")))
}
