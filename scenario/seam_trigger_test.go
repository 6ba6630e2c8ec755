package scenario

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
)

// seamTTL is the lock TTL of the seam-trigger runs.
const seamTTL = 2 * time.Second

// pauseAtValidity pauses client-1 for 2×TTL at the 2nd Now of its first
// acquire: redlock's first Now is the round's start, the second is read
// right after the round, for the validity check.
func pauseAtValidity() faults.Schedule {
	return faults.Schedule{Faults: []faults.Fault{{
		Kind: faults.Pause, Node: faults.Holder, For: 2 * seamTTL,
		When: &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseInvoke, Client: 1, Seam: faults.SeamNow, Call: 2},
	}}}
}

func seamConfig(s faults.Schedule) Config {
	// Stagger: client-1's first round is uncontested, so a quorum grants it.
	return Config{Lock: "redlock", TTL: Duration(seamTTL), Duration: Duration(20 * time.Second), Stagger: Duration(100 * time.Millisecond), Faults: s}.WithDefaults()
}

// oneRoundRedlock is the built-in Redlock with a single round, so that a
// round the validity check refuses fails the acquire.
func oneRoundRedlock(env locks.Env) (locks.Locker, error) {
	return locks.NewRedlock(env.Runtime, env.Conns, locks.RedlockOptions{Key: LockKey, Expiry: seamTTL, Tries: 1})
}

// trustingRedlock is oneRoundRedlock without the validity check: it
// returns a lease whenever a quorum granted, even once its validity has
// passed. Its round is a copy of Redlock's: SET NX PX on every node in
// parallel, under a timeout of 5% of the TTL; Unlock is Redlock's.
type trustingRedlock struct {
	rt     locks.Runtime
	conns  []locks.Conn
	inner  *locks.Redlock
	quorum int
}

func newTrustingRedlock(env locks.Env) (locks.Locker, error) {
	inner, err := locks.NewRedlock(env.Runtime, env.Conns, locks.RedlockOptions{Key: LockKey, Expiry: seamTTL, Tries: 1})
	if err != nil {
		return nil, err
	}
	return &trustingRedlock{rt: env.Runtime, conns: env.Conns, inner: inner, quorum: inner.Quorum()}, nil
}

func (l *trustingRedlock) Lock(ctx context.Context) (locks.Lease, error) {
	r := l.rt.Rand()
	value := fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64())
	start := l.rt.Now()
	rctx, cancel := l.rt.WithTimeout(ctx, seamTTL/20)
	granted := 0
	g := l.rt.Group()
	for _, c := range l.conns {
		g.Go(func() {
			if v, err := c.Do(rctx, "SET", LockKey, value, "NX", "PX", seamTTL.Milliseconds()); err == nil && v == "OK" {
				granted++ // tasks of a simulated node run one at a time
			}
		})
	}
	g.Wait()
	cancel()
	now := l.rt.Now()
	lease := locks.Lease{Key: LockKey, Value: value, Validity: now.Add(seamTTL - now.Sub(start))}
	if granted >= l.quorum {
		return lease, nil // the bug: no check that now is before the validity
	}
	_ = l.inner.Unlock(ctx, lease)
	return locks.Lease{}, fmt.Errorf("trusting redlock: %w", locks.ErrNotAcquired)
}

func (l *trustingRedlock) Unlock(ctx context.Context, lease locks.Lease) error {
	return l.inner.Unlock(ctx, lease)
}

// firstAcquire returns client-1's first acquire: its invoke and completion.
func firstAcquire(t *testing.T, h histories.History) (inv, done histories.Event) {
	t.Helper()
	for _, e := range h {
		if e.Process != 1 || e.Op != histories.OpAcquire {
			continue
		}
		if e.Type == histories.Invoke && inv.OpID == 0 {
			inv = e
			continue
		}
		if inv.OpID != 0 && e.OpID == inv.OpID && e.Type != histories.Invoke {
			return inv, e
		}
	}
	require.FailNow(t, "client-1 never completed an acquire")
	return
}

// A pause fired at the seam call between redlock's acquire round and its
// validity check lands there: the check reads the paused time and refuses
// the round, so the one-round acquire fails and nothing is violated. The
// same schedule against a copy without the check yields two holders.
func TestSeamPauseLandsBeforeTheValidityCheck(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		res, err := Run(seamConfig(pauseAtValidity()), seed, Options{NewLock: oneRoundRedlock})
		require.NoError(t, err)
		inv, done := firstAcquire(t, res.History)
		require.Equal(t, histories.Fail, done.Type, "seed %d: the validity check refuses the round: %+v", seed, done)
		assert.Contains(t, done.Error, "gave up after 1 rounds", "seed %d: refused by the check, not by an error", seed)
		assert.GreaterOrEqual(t, done.Time-inv.Time, 2*seamTTL, "seed %d: the pause held the acquire", seed)
		started := false
		for _, e := range res.History {
			if e.Op == histories.OpFaultStart {
				started = true
				assert.Less(t, e.Time-inv.Time, seamTTL/20, "seed %d: the pause fired inside the acquire, within its round", seed)
			}
		}
		require.True(t, started, "seed %d: the pause fired", seed)
		assert.NotEqual(t, model.Violation, res.Verdict, "seed %d: %v", seed, res.Checks)

		bad, err := Run(seamConfig(pauseAtValidity()), seed, Options{NewLock: newTrustingRedlock})
		require.NoError(t, err)
		_, done = firstAcquire(t, bad.History)
		require.Equal(t, histories.OK, done.Type, "seed %d: the trusting copy takes the stale round", seed)
		assert.Less(t, done.ValidUntilTrue, done.Time, "seed %d: its validity had passed when it returned", seed)
		me, ok := bad.Check(model.NameMutualExclusion)
		require.True(t, ok)
		assert.Equal(t, model.Violation, me.Verdict, "seed %d: two holders", seed)
	}
}

// Without the seam part, the same pause fired at the acquire's invoke
// lands before the round: the round times out and nothing is refused by
// the validity check (the control of the test above).
func TestSeamPauseAtInvokeIsRefusedByTheRoundTimeout(t *testing.T) {
	s := pauseAtValidity()
	s.Faults[0].When.Seam, s.Faults[0].When.Call = "", 0
	s.Faults[0].When.After = 500 * time.Microsecond
	for seed := uint64(1); seed <= 3; seed++ {
		bad, err := Run(seamConfig(s), seed, Options{NewLock: newTrustingRedlock})
		require.NoError(t, err)
		_, done := firstAcquire(t, bad.History)
		assert.NotEqual(t, histories.OK, done.Type, "seed %d: even without the validity check the paused round is refused: %+v", seed, done)
		me, ok := bad.Check(model.NameMutualExclusion)
		require.True(t, ok)
		assert.NotEqual(t, model.Violation, me.Verdict, "seed %d", seed)

		res, err := Run(seamConfig(s), seed, Options{NewLock: oneRoundRedlock})
		require.NoError(t, err)
		_, done = firstAcquire(t, res.History)
		assert.Equal(t, histories.Info, done.Type, "seed %d", seed)
		assert.Contains(t, done.Error, "round 1: no node granted", "seed %d: every command of the round timed out", seed)
		assert.Contains(t, done.Error, context.DeadlineExceeded.Error(), "seed %d", seed)
	}
}

// The named scenario pause-during-acquire: redlock's first acquire of the
// paused client is refused by its round timeout (no node granted in time),
// not by the validity check, as named.go's reason says.
func TestPauseDuringAcquireRedlockRefusedByRoundTimeout(t *testing.T) {
	sc, err := Lookup("pause-during-acquire")
	require.NoError(t, err)
	cfg, err := sc.Config("redlock")
	require.NoError(t, err)
	res, err := Run(cfg, 1, Options{})
	require.NoError(t, err)
	_, done := firstAcquire(t, res.History)
	assert.NotEqual(t, histories.OK, done.Type)
	assert.Contains(t, done.Error, "round 1: no node granted")
	assert.Contains(t, done.Error, context.DeadlineExceeded.Error())
	e, ok := sc.Expected("redlock")
	require.True(t, ok)
	assert.Contains(t, e.Why, "round timeout")
}

func TestSeamTriggerDeterministic(t *testing.T) {
	s := pauseAtValidity()
	s.Faults = append(s.Faults, faults.Fault{
		Kind: faults.Crash, Node: faults.Holder, For: seamTTL,
		When: &faults.Trigger{Op: faults.OpRelease, Phase: faults.PhaseInvoke, Seam: faults.SeamDoReplied, Call: 2},
	}, faults.Fault{
		Kind: faults.ClockStep, Node: faults.Holder, Step: seamTTL,
		When: &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseInvoke, Client: 2, Seam: faults.SeamMutexLock},
	})
	for _, lock := range []string{"redlock", "lua", "mutex"} {
		cfg := seamConfig(s)
		cfg.Lock = lock
		cfg.Nodes = 0
		cfg = cfg.WithDefaults()
		a, err := Run(cfg, 5, Options{})
		require.NoError(t, err)
		b, err := Run(cfg, 5, Options{})
		require.NoError(t, err)
		assert.Equal(t, a.TraceHash, b.TraceHash, lock)
		assert.Equal(t, a.History, b.History, lock)
		plain := cfg
		plain.Faults = faults.Schedule{}
		c, err := Run(plain, 5, Options{})
		require.NoError(t, err)
		assert.NotEqual(t, a.TraceHash, c.TraceHash, "%s: the seam faults changed the run", lock)
	}
}

// A seam trigger anchored on an extend's invoke fires inside that extend:
// in pause-inside-extend, client-1's pause starts after its 3rd extend is
// sent and before it returns, and redlock's validity check then refuses
// the extend (ErrExpired), so the holder stops before its write.
func TestSeamTriggerAnchoredOnAnExtend(t *testing.T) {
	n, err := Lookup("pause-inside-extend")
	require.NoError(t, err)
	cfg, err := n.Config("redlock")
	require.NoError(t, err)
	res, err := Run(cfg, 1, Options{})
	require.NoError(t, err)
	require.Equal(t, Safe, res.Outcome(), explain(res))

	var pause time.Duration
	var extends []histories.Event // client-1's extend invokes and completions
	for _, e := range res.History {
		switch {
		case e.Op == histories.OpFaultStart && e.Fault == string(faults.Pause):
			require.Zero(t, pause, "one pause")
			pause = e.Time
		case e.Op == histories.OpExtend && e.Process == 1:
			extends = append(extends, e)
		}
	}
	require.NotZero(t, pause, "the trigger fired")
	require.GreaterOrEqual(t, len(extends), 6, "client-1 sent its 3rd extend")
	invoke, done := extends[4], extends[5]
	require.Equal(t, histories.Invoke, invoke.Type)
	assert.Equal(t, invoke.OpID, done.OpID)
	assert.Less(t, invoke.Time, pause, "the pause starts after the 3rd extend is sent")
	assert.Greater(t, done.Time, pause+2*ttl-time.Millisecond, "and the extend returns after it")
	assert.Equal(t, histories.Info, done.Type)
	assert.Contains(t, done.Error, locks.ErrExpired.Error(), "the validity check refuses it")
}
