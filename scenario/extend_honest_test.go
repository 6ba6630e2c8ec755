package scenario_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/model"
	"github.com/locksim/locksim/scenario"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refusingExtend is the built-in lua lock whose Extend refuses every
// holder, as lua's extend with its reply check inverted does: no two
// holders ever, so no safety check can see it; only extend-honest does.
type refusingExtend struct{ *locks.LuaLock }

func (l refusingExtend) Extend(context.Context, locks.Lease) (locks.Lease, error) {
	return locks.Lease{}, fmt.Errorf("refusing extend: %w", locks.ErrNotOwner)
}

func newRefusingExtend(env locks.Env) (locks.Locker, error) {
	l, err := newBuggyLua(bug{}, 0)(env)
	if err != nil {
		return nil, err
	}
	return refusingExtend{l.(*locks.LuaLock)}, nil
}

// extendHonest runs cfg with seed under lock and returns the run's outcome
// and its extend-honest result.
func extendHonest(t *testing.T, cfg scenario.Config, seed uint64, name string, lock func(locks.Env) (locks.Locker, error)) (scenario.Expect, model.Result) {
	t.Helper()
	res, err := scenario.Run(cfg, seed, scenario.Options{NewLock: lock, LockName: name})
	require.NoError(t, err)
	r, ok := res.Check(model.NameExtendHonest)
	require.True(t, ok, "extend-honest runs when the clients extend")
	return res.Outcome(), r
}

// In pause-before-extend the holder's first extend comes before its pause,
// with half its lease left: a lock that refuses it is stuck-class (no two
// holders, but a valid holder loses its lock), and the correct lua on the
// same seeds is safe with that extend judged.
func TestExtendHonestCatchesARefusingExtend(t *testing.T) {
	n, err := scenario.Lookup("pause-before-extend")
	require.NoError(t, err)
	cfg, err := n.Config("lua")
	require.NoError(t, err)
	for seed := uint64(1); seed <= 5; seed++ {
		out, r := extendHonest(t, cfg, seed, "refusing-extend", newRefusingExtend)
		assert.Equal(t, scenario.Stuck, out, r.Explanation)
		assert.Equal(t, model.Violation, r.Verdict)
		assert.Contains(t, r.Explanation, "was refused")

		out, r = extendHonest(t, cfg, seed, "lua-twin", newBuggyLua(bug{}, 0))
		assert.Equal(t, scenario.Safe, out, r.Explanation)
		assert.Equal(t, model.OK, r.Verdict)
		assert.NotContains(t, r.Explanation, "not applicable", "the holder's first extend is judged")
	}
}

// The check is off unless the clients extend: the scenarios without
// extends run exactly the checks they ran before.
func TestExtendHonestOnlyWhenClientsExtend(t *testing.T) {
	res, err := scenario.Run(scenario.Config{Lock: "lua"}, 1, scenario.Options{})
	require.NoError(t, err)
	_, ok := res.Check(model.NameExtendHonest)
	assert.False(t, ok)
}
