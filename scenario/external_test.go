package scenario

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// inlineBackend runs the World on the caller's goroutine and refuses
// pauses, to stand for a backend that cannot do a fault.
type inlineBackend struct{ runs int }

func (b *inlineBackend) Refuse(cfg Config) error {
	for _, f := range cfg.Faults.Faults {
		if f.Kind == faults.Pause {
			return errors.New("pauses are not done here")
		}
	}
	return nil
}

func (b *inlineBackend) Execute(run func(opts ...sim.Option)) error {
	b.runs++
	run()
	return nil
}

// registerFake registers a library row "fakelib" (locksim's lua under
// another name) for the test, and removes it afterwards.
func registerFake(t *testing.T) *inlineBackend {
	b := &inlineBackend{}
	RegisterLock(ExternalLock{Name: "fakelib", Like: "lua", Version: "fakelib v1", Backend: b,
		New: func(env locks.Env, cfg Config) (locks.Locker, error) { return locks.New("lua", env, env.Options) }})
	t.Cleanup(func() {
		externalMu.Lock()
		defer externalMu.Unlock()
		externals = slices.DeleteFunc(externals, func(e ExternalLock) bool { return e.Name == "fakelib" })
	})
	return b
}

func TestExternalLockRunsThroughItsBackend(t *testing.T) {
	b := registerFake(t)
	assert.Contains(t, LockNames(), "fakelib")
	sc, err := Lookup("delayed-write")
	require.NoError(t, err)
	exp, ok := sc.Expected("fakelib")
	require.True(t, ok, "a library row takes its Like's expectation")
	assert.Equal(t, Unsafe, exp.Expect)
	assert.Contains(t, exp.Why, "as lua: ")
	cfg, err := sc.Config("fakelib")
	require.NoError(t, err)
	assert.Equal(t, 1, cfg.Nodes, "lua's topology")
	res, err := Run(cfg, 1, Options{})
	require.NoError(t, err)
	assert.Equal(t, 1, b.runs, "the run went through the lock's backend")
	assert.Equal(t, Unsafe, res.Outcome())
}

func TestExternalLockRefusalIsBadConfig(t *testing.T) {
	registerFake(t)
	sc, err := Lookup("gc-pause")
	require.NoError(t, err)
	cfg, err := sc.Config("fakelib")
	require.NoError(t, err)
	err = cfg.Validate()
	require.ErrorIs(t, err, ErrBadConfig)
	assert.Contains(t, err.Error(), "pauses are not done here")

	m, err := RunMatrix(t.Context(), MatrixOptions{Locks: []string{"fakelib"}, Scenarios: []string{"gc-pause"}})
	require.NoError(t, err)
	c := m.Rows[0].Cells[0]
	assert.False(t, c.Meaningful)
	assert.Equal(t, "refused", c.String())
	assert.Contains(t, c.Refused, "pauses are not done here")
}

func TestRegisterLockRefusesABuiltInName(t *testing.T) {
	assert.Panics(t, func() { RegisterLock(ExternalLock{Name: "lua", Like: "lua"}) })
}
