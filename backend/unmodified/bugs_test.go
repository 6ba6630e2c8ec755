package unmodified

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/model"
	"github.com/locksim/locksim/scenario"
)

// Findings on the published libraries, run unmodified (go-redsync v4.18.1,
// bsm/redislock v0.9.4), each a test.

func run(t *testing.T, cfg scenario.Config, seed uint64) *scenario.Result {
	t.Helper()
	res, err := scenario.Run(cfg, seed, scenario.Options{Backend: NewBackend(t)})
	require.NoError(t, err)
	return res
}

func named(t *testing.T, lock, name string) scenario.Config {
	t.Helper()
	sc, err := scenario.Lookup(name)
	require.NoError(t, err)
	cfg, err := sc.Config(lock)
	require.NoError(t, err)
	return cfg
}

// interleaving returns the mutual-exclusion check's report of critical
// sections that interleave at the storage, none if it found none.
func interleaving(t *testing.T, res *scenario.Result) []string {
	t.Helper()
	c, ok := res.Check(model.NameMutualExclusion)
	require.True(t, ok)
	if c.Verdict != model.Violation {
		return nil
	}
	return []string{c.Explanation}
}

// A GC pause longer than the TTL, right after the acquire returns, gives
// two holders with either library: the lease expires on Redis during the
// pause and the paused holder resumes into its critical section (Martin
// Kleppmann, "How to do distributed locking", 2016; go-redsync's README
// warns of it; redislock's Lock has no fencing token either).
func TestGCPauseGivesTwoHolders(t *testing.T) {
	for _, lock := range []string{"redsync", "redislock"} {
		t.Run(lock, func(t *testing.T) {
			res := run(t, named(t, lock, "gc-pause"), 1)
			assert.Equal(t, scenario.Unsafe, res.Outcome())
			ex := interleaving(t, res)
			require.NotEmpty(t, ex)
			assert.Contains(t, ex[0], "client 1", "the paused holder is one of the two")
		})
	}
}

// Redlock's negative control: a pause while the acquire's requests are in
// flight does not break go-redsync. Its validity is measured from before
// the round (until = start + expiry - elapsed - drift), so a round that
// lasted past the TTL grants nothing (the algorithm of redis.io/topics/
// distlock, step 3), and the library releases what it took.
func TestPauseDuringAcquireDoesNotBreakRedsync(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		res := run(t, named(t, "redsync", "pause-during-acquire"), seed)
		assert.Equal(t, scenario.Safe, res.Outcome(), "seed %d", seed)
	}
}

// quorumErosion: 5 nodes; client-1 acquires and works 2x TTL, extending
// every TTL/2; redis-1, redis-2 and redis-3 restart with no persistence,
// one after the other, each while client-1 still holds a majority. The
// restarted nodes lose client-1's key, and go-redsync's Extend touches only
// the keys that still exist (its touch script is a PEXPIRE guarded by
// GET == value), so client-1's set erodes: after the third restart it
// holds only redis-4 and redis-5, while its last extend (3 of 5) still
// promised validity; a second client takes redis-1..3, a majority.
// go-redsync issues #147 and #186; WithSetNXOnExtend (added for #186)
// re-creates the key on nodes that lost it at each extend, which keeps
// client-1's majority.
//
// Each node is down for 1ms only: a node down long enough to swallow a
// contender's SET stalls that contender for go-redis's 3s read timeout,
// with its keys on the other restarted nodes, which hides the erosion.
func quorumErosion(lock string) scenario.Config {
	restart := func(node string, at time.Duration) faults.Fault {
		return faults.Fault{Kind: faults.Crash, At: at, Node: node, For: time.Millisecond, Persistence: faults.PersistNone}
	}
	return scenario.Config{
		Lock: lock, Nodes: 5, Clients: 3, TTL: scenario.Duration(8 * time.Second),
		Duration: scenario.Duration(30 * time.Second), Stagger: scenario.Duration(100 * time.Millisecond),
		WorkMin: scenario.Duration(16 * time.Second), WorkMax: scenario.Duration(16 * time.Second),
		ExtendEvery: scenario.Duration(4 * time.Second),
		Faults: faults.Schedule{Faults: []faults.Fault{
			restart(faults.RedisNode(1), 2*time.Second),
			restart(faults.RedisNode(2), 6*time.Second),
			restart(faults.RedisNode(3), 13*time.Second),
		}},
	}
}

func TestQuorumErosionBreaksRedsyncExtend(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		res := run(t, quorumErosion("redsync"), seed)
		assert.Equal(t, scenario.Unsafe, res.Outcome(), "seed %d", seed)
		require.NotEmpty(t, interleaving(t, res))
	}
}

func TestSetNXOnExtendResistsQuorumErosion(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		res := run(t, quorumErosion("redsync-setnx-extend"), seed)
		assert.Equal(t, scenario.Safe, res.Outcome(), "seed %d", seed)
	}
}

// cancelledUnlock is go-redsync used as request handlers often use it: the
// request's context is cancelled while the handler is in its critical
// section, and the deferred UnlockContext(ctx) gets the cancelled context.
type cancelledUnlock struct{ *Redsync }

func (l cancelledUnlock) Unlock(_ context.Context, lease locks.Lease) error {
	m := l.m
	if m == nil || m.Value() != lease.Value {
		return locks.ErrNotOwner
	}
	var err error
	l.c.foreign(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the request ended during the critical section
		_, err = m.UnlockContext(ctx)
	})
	l.m = nil
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", locks.ErrNotOwner, err)
}

// A context cancelled during the critical section leaves go-redsync's lock
// held until its TTL: UnlockContext fails at once (go-redis does not send a
// command on a done context), nothing deletes the keys, and every other
// client waits out the expiry. Safety holds; what is lost is liveness, the
// lock idle but held for a TTL after every such release. go-redsync's
// README shows `defer mutex.Unlock()`, and request-scoped contexts make
// this common; the fix is a fresh context for the release.
func TestCancelledContextHoldsLockUntilTTL(t *testing.T) {
	cfg := scenario.Config{Lock: "redlock", Nodes: 3, Clients: 2, TTL: scenario.Duration(8 * time.Second),
		Duration: scenario.Duration(20 * time.Second), Stagger: scenario.Duration(100 * time.Millisecond)}
	gap := func(cancelled bool) (time.Duration, *scenario.Result) {
		res, err := scenario.Run(cfg, 1, scenario.Options{Backend: NewBackend(t), LockName: "redsync-cancelled", NewLock: func(env locks.Env) (locks.Locker, error) {
			l, err := NewRedsync(env, cfg.WithDefaults())
			if cancelled {
				return cancelledUnlock{l}, err
			}
			return l, err
		}})
		require.NoError(t, err)
		// the time from the first release to the next acquisition
		var released time.Duration = -1
		for _, e := range res.History {
			if e.Op == histories.OpRelease && e.Type != histories.Invoke && released < 0 {
				released = e.Time
			}
			if released >= 0 && e.Op == histories.OpAcquire && e.Type == histories.OK {
				return e.Time - released, res
			}
		}
		t.Fatal("no acquisition after the first release")
		return 0, nil
	}
	plain, _ := gap(false)
	held, res := gap(true)
	assert.Equal(t, scenario.Safe, res.Outcome(), "a lock held too long is not a safety violation")
	assert.Less(t, plain, time.Second, "released normally, the next client acquires at once")
	assert.Greater(t, held, 6*time.Second, "with the cancelled context the keys stay until their TTL")
	t.Logf("next acquisition after the first release: %s with a live context, %s with a cancelled one", plain, held)
}

// A client that crashes inside its critical section: its connections
// fail, its task unwinds once the library call it waited for returns, and
// the lock expires for the others (the run ends, drained, and safe).
func TestHolderCrashUnwinds(t *testing.T) {
	res := run(t, named(t, "redislock", "holder-crash"), 1)
	assert.Equal(t, scenario.Safe, res.Outcome())
	assert.True(t, res.Drained)
	crashed := false
	for _, e := range res.History {
		crashed = crashed || e.Op == histories.OpCrash
	}
	assert.True(t, crashed, "the history records the crash")
}

// A client that crashes while a library call is in flight (its task waits
// in External): the call fails on the dead connections, the task unwinds,
// the client restarts and the run goes on.
func TestCrashDuringLibraryCall(t *testing.T) {
	for _, lock := range []string{"redsync", "redislock"} {
		cfg := named(t, lock, "gc-pause")
		cfg.Faults.Faults = []faults.Fault{{
			Kind: faults.Crash, Node: faults.ClientNode(2), For: time.Second,
			When: &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseInvoke, Client: 2, After: time.Millisecond},
		}}
		res := run(t, cfg, 1)
		assert.Equal(t, scenario.Safe, res.Outcome(), lock)
		acquiredAfter := false
		for _, e := range res.History {
			acquiredAfter = acquiredAfter || e.Process == 2 && e.Op == histories.OpAcquire && e.Type == histories.OK && e.Time > 2*time.Second
		}
		assert.True(t, acquiredAfter, "%s: the restarted client-2 acquires again", lock)
	}
}
