package scenario_test

import (
	"fmt"

	"github.com/locksim/locksim/scenario"
)

// A lock checked against a named scenario over seeds from a test: Verify
// returns the report that Check asserts on a *testing.T, e.g.
//
//	scenario.Check(t, scenario.Spec{Like: "fenced", Scenario: "gc-pause", Seeds: 20})
func ExampleVerify() {
	rep, err := scenario.Verify(scenario.Spec{Like: "fenced", Scenario: "gc-pause", Seeds: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("safe:", rep.OK(), "seeds:", rep.Runs)

	rep, err = scenario.Verify(scenario.Spec{Like: "lua", Scenario: "gc-pause", Seeds: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("safe:", rep.OK())
	f := rep.Failures[0]
	fmt.Println("first failure: seed", f.Seed, f.Outcome)
	// Output:
	// safe: true seeds: 3
	// safe: false
	// first failure: seed 1 violation
}
