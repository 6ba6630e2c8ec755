package mutate

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

var allOutcomes = []Outcome{Safe, Violation, Stuck, Unknown, Nondeterminism, Crash, Rejected, Timeout}

func TestKillsIsBugOnly(t *testing.T) {
	tests := []struct {
		original, mutant Outcome
		kills            bool
	}{
		{Safe, Safe, false},
		{Safe, Violation, true},
		{Safe, Stuck, true},
		{Safe, Unknown, false}, // undecided is not a failure
		{Safe, Crash, true},
		{Safe, Timeout, true},
		{Safe, Rejected, true},
		{Safe, "", false}, // not run
		{Violation, Safe, false},
		{Violation, Stuck, false},
		{Stuck, Violation, false},
		{Unknown, Violation, false},
		{"", Violation, false}, // the original never ran it
	}
	for _, tt := range tests {
		require.Equal(t, tt.kills, Kills(tt.original, tt.mutant), "%q -> %q", tt.original, tt.mutant)
	}
}

func TestKillsNeedsASafeOriginal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := rapid.SampledFrom(allOutcomes).Draw(t, "original")
		m := rapid.SampledFrom(allOutcomes).Draw(t, "mutant")
		if Kills(o, m) != (o == Safe && m != Safe && m != Unknown) {
			t.Fatalf("Kills(%s, %s) = %v", o, m, Kills(o, m))
		}
	})
}

func TestJudgeFindsTheFirstKillingCaseInOrder(t *testing.T) {
	gc1 := Case{Scenario: "gc-pause", Seed: 1}
	hc1 := Case{Scenario: "holder-crash", Seed: 1}
	hc2 := Case{Scenario: "holder-crash", Seed: 2}
	r3 := Case{Seed: 3}
	order := []Case{gc1, hc1, hc2, r3}
	original := Table{gc1: Violation, hc1: Safe, hc2: Safe, r3: Safe}

	tests := []struct {
		name   string
		mutant Table
		want   *Kill
	}{
		{"all as the original", Table{gc1: Violation, hc1: Safe, hc2: Safe, r3: Safe}, nil},
		{"fails only where the original fails", Table{gc1: Stuck, hc1: Safe, hc2: Safe, r3: Safe}, nil},
		{"fixes the original's failure", Table{gc1: Safe, hc1: Safe, hc2: Safe, r3: Safe}, nil},
		{"fails a safe seed", Table{gc1: Violation, hc1: Safe, hc2: Stuck, r3: Violation},
			&Kill{Case: hc2, Original: Safe, Mutant: Stuck, Command: "simrun run --lock lua --scenario holder-crash --seed 2"}},
		{"random faults", Table{gc1: Violation, hc1: Safe, hc2: Safe, r3: Crash},
			&Kill{Case: r3, Original: Safe, Mutant: Crash, Command: "simrun run --lock lua --faults random --seed 3"}},
		{"cases not run cannot kill", Table{hc1: Safe}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := Judge("lua", order, original, tt.mutant)
			if tt.want == nil {
				require.False(t, ok, "killed by %v", k)
				return
			}
			require.True(t, ok)
			require.Equal(t, *tt.want, k)
		})
	}
}

func TestCandidatesAreTheOriginalsSafeCases(t *testing.T) {
	a, b, c := Case{Scenario: "x", Seed: 1}, Case{Scenario: "x", Seed: 2}, Case{Seed: 1}
	got := Candidates([]Case{a, b, c}, Table{a: Safe, b: Violation, c: Safe})
	require.Equal(t, []Case{a, c}, got)
}

func TestCasesListScenariosThenRandomFaults(t *testing.T) {
	got := cases([]string{"s", "t"}, 2, 1)
	require.Equal(t, []Case{{"s", 1}, {"s", 2}, {"t", 1}, {"t", 2}, {"", 1}}, got)
	require.Equal(t, []string{"run", "--lock", "redlock", "--scenario", "t", "--seed", "2"}, Case{"t", 2}.Args("redlock"))
	require.Equal(t, "random-faults seed 1", Case{"", 1}.String())
}
