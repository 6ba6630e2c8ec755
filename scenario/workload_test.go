package scenario

import (
	"testing"

	"github.com/locksim/locksim/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The wallet workload of the source article: a lock that lets two holders
// in makes or loses money in some of the first seeds; a fenced lock never
// does.
func TestLedgerWorkloadConservesMoneyOnlyUnderASafeLock(t *testing.T) {
	for _, tc := range []struct {
		lock   string
		unsafe bool
	}{{"lua", true}, {"redlock", true}, {"fenced", false}} {
		cfg := namedConfig(t, "gc-pause", tc.lock)
		cfg.Workload = Ledger
		broken := 0
		for seed := uint64(1); seed <= 5; seed++ {
			res, err := Run(cfg, seed, Options{})
			require.NoError(t, err)
			got, ok := res.Check(model.NameLedgerConservation)
			require.True(t, ok, "the ledger workload runs the conservation check")
			if got.Verdict == model.Violation {
				broken++
			} else {
				require.Equalf(t, model.OK, got.Verdict, "%s seed %d: %s", tc.lock, seed, got)
			}
		}
		if tc.unsafe {
			assert.Positivef(t, broken, "%s: no seed of 5 lost or made money", tc.lock)
		} else {
			assert.Zerof(t, broken, "%s: %d seeds of 5 lost or made money", tc.lock, broken)
		}
	}
}

// A careful client skips its write once its lease's validity has passed:
// it narrows the window (gc-pause's holder no longer writes, so no update
// is lost), though its stale read may still land inside another holder's
// critical section.
func TestCarefulClientSkipsTheStaleWrite(t *testing.T) {
	cfg := namedConfig(t, "gc-pause", "lua")
	cfg.Careful = true
	res, err := Run(cfg, 1, Options{})
	require.NoError(t, err)
	for _, e := range res.History {
		if e.Process == 1 && e.CS == 1 {
			assert.NotEqual(t, "write", string(e.Op), "the careful holder must not write after its validity")
		}
	}
	lin, _ := res.Check(model.NameResourceLinearizable)
	assert.Equal(t, model.OK, lin.Verdict, "no write, no lost update: %s", lin)
}
