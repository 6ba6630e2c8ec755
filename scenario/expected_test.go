package scenario

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/locksim/locksim/locks"
	"github.com/stretchr/testify/require"
)

// The expected-outcome table of the literature (issue 5), as a test: every
// violation cell must be found in at least 18 of the first 20 seeds, every
// safe cell must show no safety violation in 100 seeds, a stuck cell must
// be stuck (liveness violation, no safety violation) in 18 of 20.
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
				cfg, err := sc.Config(lock)
				require.NoError(t, err)
				seeds := safeSeeds
				if exp.Expect != Safe {
					seeds = violationSeeds
				}
				hits, first := 0, ""
				for seed := uint64(1); seed <= uint64(seeds); seed++ {
					res, err := Run(cfg, seed, Options{})
					require.NoError(t, err)
					got := res.Outcome()
					if exp.Expect == Safe {
						require.NotEqualf(t, Unsafe, got, "seed %d: expected no safety violation (%s):\n%s\nreplay: %s", seed, exp.Why, explain(res), replayCommand(cfg, seed))
						continue
					}
					if got == exp.Expect {
						hits++
					} else if first == "" {
						first = fmt.Sprintf("seed %d gave %s:\n%s", seed, got, explain(res))
					}
				}
				if exp.Expect != Safe {
					need := seeds * 9 / 10
					require.GreaterOrEqualf(t, hits, need, "%s found in %d of %d seeds, want at least %d (%s); first miss: %s", exp.Expect, hits, seeds, need, exp.Why, first)
				}
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
