package locks

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A lease made for another key is refused with ErrNotOwner before any
// command is sent: the scripts compare only the owner value, so a lease of
// key "a" whose value happens to sit in key "k" (one owner value reused
// across locks) would otherwise release or extend "k". The workload never
// passes a foreign lease, so only these tests see the key checks
// (mutants M026, M047, M233 drop them).
func TestForeignLeaseIsRefusedWithoutACommand(t *testing.T) {
	foreign := Lease{Key: "a", Value: "v"}
	cases := []struct {
		name string
		call func(t *testing.T, rt Runtime, c Conn) error
	}{
		{"lua unlock", func(t *testing.T, rt Runtime, c Conn) error {
			l, err := NewLua(rt, c, LuaOptions{Key: "k"})
			require.NoError(t, err)
			return l.Unlock(context.Background(), foreign)
		}},
		{"lua extend", func(t *testing.T, rt Runtime, c Conn) error {
			l, err := NewLua(rt, c, LuaOptions{Key: "k"})
			require.NoError(t, err)
			_, err = l.Extend(context.Background(), foreign)
			return err
		}},
		{"redlock unlock", func(t *testing.T, rt Runtime, c Conn) error {
			l, err := NewRedlock(rt, []Conn{c, c, c}, RedlockOptions{Key: "k"})
			require.NoError(t, err)
			return l.Unlock(context.Background(), foreign)
		}},
		{"redlock extend", func(t *testing.T, rt Runtime, c Conn) error {
			l, err := NewRedlock(rt, []Conn{c, c, c}, RedlockOptions{Key: "k"})
			require.NoError(t, err)
			_, err = l.Extend(context.Background(), foreign)
			return err
		}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			// Every node holds the value and answers yes: only the key
			// check can refuse.
			c := fakeConn{log: &log, reply: func([]any) (any, error) { return int64(1), nil }}
			err := tt.call(t, newFakeRuntime(), c)
			require.ErrorIs(t, err, ErrNotOwner)
			assert.Contains(t, err.Error(), `lease is for key "a", lock is "k"`)
			assert.Empty(t, log, "no command may be sent for a foreign lease")
		})
	}
}

// Redlock runs on a single node with the default quorum, 1: a quorum of
// one of one is the lua lock's guarantee, not an invalid option (mutant
// M166 refuses it).
func TestRedlockOnOneNode(t *testing.T) {
	rt := newFakeRuntime()
	c := fakeConn{reply: func(args []any) (any, error) {
		if cmdOf(args) == "SET" {
			return "OK", nil
		}
		return int64(1), nil
	}}
	l, err := NewRedlock(rt, []Conn{c}, RedlockOptions{Key: "k"})
	require.NoError(t, err)
	assert.Equal(t, 1, l.Quorum())
	lease, err := l.Lock(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "k", lease.Key)
	_, err = NewRedlock(rt, []Conn{c, c, c}, RedlockOptions{Key: "k", Quorum: 1})
	require.NoError(t, err, "an explicit quorum of 1 is in [1, n]")
}
