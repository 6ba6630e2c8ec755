package scenario

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/locksim/locksim/locks"
	"github.com/stretchr/testify/require"
)

// The expected-outcome table of the literature (issue 5), as a test: each
// cell's outcome over its seeds, measured by Measure (the matrix's rule),
// must equal its expectation: a violation, stuck or unknown cell in at
// least 18 of the first 20 seeds, a safe cell safe (every check ok) in
// each of 100 seeds. A check that cannot decide makes a seed unknown,
// never safe, so a checker that always says unknown fails every safe cell.
//
// LOCKSIM_TABLE_SEEDS scales the seed counts down for a quick look.
func TestExpectedOutcomes(t *testing.T) {
	violationSeeds, safeSeeds := 20, 100
	if s := os.Getenv("LOCKSIM_TABLE_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		violationSeeds, safeSeeds = n, n
	}
	if testing.Short() {
		violationSeeds, safeSeeds = 5, 10
	}
	for _, sc := range Scenarios() {
		for _, lock := range locks.Names() {
			exp, ok := sc.Expected(lock)
			if !ok {
				continue
			}
			t.Run(sc.Name+"/"+lock, func(t *testing.T) {
				t.Parallel()
				require.NotEqual(t, Mixed, exp.Expect, "mixed is measured, never expected")
				require.NotEmpty(t, exp.Why, "every expectation says why")
				cfg, err := sc.Config(lock)
				require.NoError(t, err)
				seeds := violationSeeds
				if exp.Expect == Safe {
					seeds = safeSeeds
				}
				count, first := map[Expect]int{}, ""
				for seed := uint64(1); seed <= uint64(seeds); seed++ {
					res, err := Run(cfg, seed, Options{})
					require.NoError(t, err)
					got := res.Outcome()
					count[got]++
					if got != exp.Expect && first == "" {
						first = fmt.Sprintf("seed %d gave %s:\n%s\nreplay: %s", seed, got, explain(res), replayCommand(cfg, seed))
					}
				}
				got := Measure(seeds, count[Unsafe], count[Stuck], count[Unknown])
				require.Equalf(t, exp.Expect, got, "measured %s over %d seeds (%d violation, %d stuck, %d unknown, %d safe), expected %s (%s); first miss: %s",
					got, seeds, count[Unsafe], count[Stuck], count[Unknown], count[Safe], exp.Expect, exp.Why, first)
			})
		}
	}
}

func explain(res *Result) string {
	s := ""
	for _, c := range res.Checks {
		s += "  " + c.String() + "\n"
	}
	return s
}

func replayCommand(cfg Config, seed uint64) string {
	return fmt.Sprintf("simrun run --lock %s --scenario %s --seed %d", cfg.Lock, cfg.Scenario, seed)
}
