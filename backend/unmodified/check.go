package unmodified

import (
	"context"
	"testing"
	"testing/cryptotest"

	"github.com/redis/go-redis/v9"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/scenario"
)

// NewLock builds the lock under test from go-redis v9 clients, one per
// Redis node of the run (spec.Like "redlock": Config.Nodes of them; "lua":
// one). The clients dial locksim's simulated network; everything else is
// the caller's own code, unmodified.
type NewLock func(clients []*redis.Client) (locks.Locker, error)

// Check runs spec against the lock newLock builds, each seed in a
// testing/synctest bubble of t, and fails t, with the report, when a seed's
// outcome is not spec.Expect (default: safe). spec.New and spec.Backend
// are set by Check. It returns the report.
//
// The lock's calls run on goroutines of their own, reading the bubble's
// fake clock through package time; the simulated client task waits for
// each call, which is how a client pause holds the lock's network I/O
// (replies wait, writes wait) while the library's own timers keep running.
// crypto/rand is made deterministic (testing/cryptotest) and restarted at
// every run; a lock that draws randomness from several goroutines at one
// instant still repeats only as far as the draws' order does.
func Check(t *testing.T, spec scenario.Spec, newLock NewLock) *scenario.Report {
	t.Helper()
	b := NewBackend(t)
	b.before = func() { cryptotest.SetGlobalRandom(t, 1) }
	rep, err := verify(b, spec, newLock)
	if err != nil {
		t.Fatalf("unmodified.Check: %v", err)
	}
	if !rep.OK() {
		t.Errorf("%s", rep)
	}
	return rep
}

// Verify is Check without a *testing.T: its bubbles come from Main, which
// must wrap the program (or the test binary's TestMain), and crypto/rand
// stays the process's.
func Verify(spec scenario.Spec, newLock NewLock) (*scenario.Report, error) {
	return verify(processBackend, spec, newLock)
}

func verify(b *Backend, spec scenario.Spec, newLock NewLock) (*scenario.Report, error) {
	spec.Backend = b
	spec.New = func(env locks.Env) (locks.Locker, error) {
		c, err := newClient(env)
		if err != nil {
			return nil, err
		}
		l, err := newLock(c.redis)
		if err != nil {
			return nil, err
		}
		if x, ok := l.(locks.Extender); ok {
			return &extendingLock{foreignLock{c, l}, x}, nil
		}
		return &foreignLock{c, l}, nil
	}
	return scenario.Verify(spec)
}

// foreignLock runs each call of a user's lock on a goroutine of its own,
// with a bubble context, while the task waits (client.foreign), and
// converts its validity from the bubble's clock to the World's.
type foreignLock struct {
	c *client
	l locks.Locker
}

func (f *foreignLock) Lock(ctx context.Context) (lease locks.Lease, err error) {
	bctx, cancel, err := f.c.context(ctx)
	if err != nil {
		return lease, err
	}
	defer cancel()
	f.c.foreign(func() { lease, err = f.l.Lock(bctx) })
	return f.toSim(lease), err
}

func (f *foreignLock) Unlock(ctx context.Context, lease locks.Lease) (err error) {
	bctx, cancel, err := f.c.context(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	lease = f.toBubble(lease)
	f.c.foreign(func() { err = f.l.Unlock(bctx, lease) })
	return err
}

func (f *foreignLock) toSim(l locks.Lease) locks.Lease {
	if !l.Validity.IsZero() {
		l.Validity = f.c.simTime(l.Validity)
	}
	return l
}

func (f *foreignLock) toBubble(l locks.Lease) locks.Lease {
	if !l.Validity.IsZero() {
		l.Validity = f.c.bubbleTime(l.Validity)
	}
	return l
}

type extendingLock struct {
	foreignLock
	x locks.Extender
}

func (f *extendingLock) Extend(ctx context.Context, lease locks.Lease) (next locks.Lease, err error) {
	bctx, cancel, err := f.c.context(ctx)
	if err != nil {
		return lease, err
	}
	defer cancel()
	lease = f.toBubble(lease)
	f.c.foreign(func() { next, err = f.x.Extend(bctx, lease) })
	return f.toSim(next), err
}
