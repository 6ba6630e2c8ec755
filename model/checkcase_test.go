package model

import (
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/assert"
)

// checkCase is a history one check is run on and what its result must
// say.
type checkCase struct {
	name     string
	history  func(t *testing.T) histories.History
	verdict  Verdict
	contains []string // each must be in the explanation
}

// runCheckCases runs check (named name) on each case's history, with the
// default Options, as a subtest, and asserts the result's check name, its
// verdict, and that its explanation contains each of the case's strings.
func runCheckCases(t *testing.T, name string, check func(histories.History, Options) Result, cases []checkCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			r := check(tt.history(t), Options{})
			assert.Equal(t, name, r.Check)
			assert.Equal(t, tt.verdict, r.Verdict, r.Explanation)
			for _, s := range tt.contains {
				assert.Contains(t, r.Explanation, s)
			}
		})
	}
}
