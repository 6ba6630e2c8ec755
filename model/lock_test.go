package model

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/require"
)

// withoutExpiries drops the recorded expiries: what a plain mutex model
// would see.
func withoutExpiries(h histories.History) histories.History {
	return h.Filter(func(e histories.Event) bool { return e.Op != histories.OpExpire })
}

func TestLockLinearizable(t *testing.T) {
	runCheckCases(t, NameLockLinearizable, CheckLockLinearizable, []checkCase{
		{"sequential holders", func(t *testing.T) histories.History { return sequential(t).history() },
			OK, []string{"6 lock operations on 1 lock: linearizable as a lease mutex"}},
		{"legal lease expiry (gc pause)", func(t *testing.T) histories.History { return gcPause(t, false).history() },
			OK, nil},
		{"same history without the expiry", func(t *testing.T) histories.History {
			return withoutExpiries(gcPause(t, false).history())
		}, Violation, []string{
			"lock \"L\" does not behave as a lease mutex",
			"Client 2 acquired it at 1.410s (value v2) while client 1 held it since 1.010s (value v1): no release by client 1 and no expiry of v1 was recorded in between",
			"Faults active: fault 1 pause c1 1.100s..3.100s",
		}},
		{"key vanished on restart is no lease end", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "L", "v1", 0, 0, 10, 10000)
			b.fault("crash", "redis-1", 100, 200)
			b.vanish("redis-1", "L", "v1", 200)
			b.acquire(2, "L", "v2", 0, 300, 310, 10000)
			return b.history()
		}, Violation, []string{"(it vanished from redis-1 at 0.200s, which is not a legal lease end)"}},
		{"expiry of another value frees nothing", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "L", "v1", 0, 0, 10, 10000)
			b.expire("redis-1", "L", "v0", 200)
			b.acquire(2, "L", "v2", 0, 300, 310, 10000)
			return b.history()
		}, Violation, nil},
		{"indeterminate acquire that did not happen", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquireEnds(1, "L", "v1", 0, 50, histories.Info)
			b.acquire(2, "L", "v2", 0, 300, 310, 10000)
			return b.history()
		}, OK, nil},
		{"indeterminate acquire that happened", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquireEnds(1, "L", "v1", 0, 50, histories.Info)
			b.expire("redis-1", "L", "v1", 250)
			b.acquire(2, "L", "v2", 0, 300, 310, 10000)
			return b.history()
		}, OK, nil},
		{"failed acquire did not happen", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(2, "L", "v2", 0, 0, 10, 10000)
			b.acquireEnds(1, "L", "v1", 20, 50, histories.Fail)
			return b.history()
		}, OK, nil},
		{"release by a non-owner", func(t *testing.T) histories.History {
			b := newBuilder(t)
			cs1 := b.acquire(1, "L", "v1", 0, 0, 10, 0)
			b.release(2, 0, "L", "v2", 20, 30, histories.OK)
			b.release(1, cs1, "L", "v1", 40, 50, histories.OK)
			return b.history()
		}, Violation, []string{"it cannot place: client 2 release v2 at 0.020s"}},
		{"clients sharing one value: a stale release frees the next holder's lock", func(t *testing.T) histories.History {
			return sharedValue(t, true).history()
		}, Violation, []string{"it cannot place: client 1 release same at 0.400s"}},
		{"clients sharing one value, each releasing its own acquisition", func(t *testing.T) histories.History {
			return sharedValue(t, false).history()
		}, OK, nil},
		{"clients sharing one value: a double acquire names the shared value", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "L", "same", 0, 0, 10, 10000)
			b.acquire(2, "L", "same", 0, 300, 310, 10000)
			return b.history()
		}, Violation, []string{"(both hold it with the value same: the lock cannot tell these holders apart)"}},
		{"release naming no acquisition belongs to the same client", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "L", "same", 0, 0, 10, 0)
			b.release(2, 0, "L", "same", 20, 30, histories.OK)
			return b.history()
		}, Violation, []string{"it cannot place: client 2 release same at 0.020s"}},
		{"no lock operations", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.counterState("counter", 0, 0)
			return b.history()
		}, Unknown, []string{"no lock operation"}},
	})
}

func TestLockLinearizableVisualization(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	r := CheckLockLinearizable(withoutExpiries(gcPause(t, false).history()), Options{VisualizeDir: dir})
	require.Equal(t, Violation, r.Verdict)
	_, err := os.Stat(filepath.Join(dir, VisualizeLockFile))
	require.NoError(t, err)
}

// sharedValue: clients 1, 2 and 3 all lock with the value "same". Client
// 1's lease expires, client 2 acquires; with stale, client 1 then releases
// its own (expired) acquisition and the release succeeds, freeing client
// 2's lock for client 3 while client 2 still holds it. A model that told
// holders apart by value would accept that release as client 2's.
func sharedValue(t *testing.T, stale bool) *builder {
	b := newBuilder(t)
	cs1 := b.acquire(1, "L", "same", 0, 0, 10, 200)
	b.expire("redis-1", "L", "same", 200)
	cs2 := b.acquire(2, "L", "same", 0, 300, 310, 10000)
	if stale {
		b.release(1, cs1, "L", "same", 400, 410, histories.OK)
	} else {
		b.release(2, cs2, "L", "same", 400, 410, histories.OK)
	}
	b.acquire(3, "L", "same", 0, 500, 510, 10000)
	return b
}
