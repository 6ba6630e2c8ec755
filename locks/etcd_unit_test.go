package locks

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEtcdOptions: every bad option is ErrInvalidOptions naming its field;
// zero fields take the defaults.
func TestEtcdOptions(t *testing.T) {
	m := NewMemEtcd()
	cases := []struct {
		name  string
		rt    Runtime
		etcd  Etcd
		opts  EtcdOptions
		field string // "" when valid
	}{
		{"default TTL", Real(), m, EtcdOptions{Key: "k"}, ""},
		{"1s", Real(), m, EtcdOptions{Key: "k", TTL: time.Second}, ""},
		{"no runtime", nil, m, EtcdOptions{Key: "k"}, "Runtime"},
		{"no etcd", Real(), nil, EtcdOptions{Key: "k"}, "Etcd"},
		{"no key", Real(), m, EtcdOptions{}, "Key"},
		{"fraction of a second", Real(), m, EtcdOptions{Key: "k", TTL: 1500 * time.Millisecond}, "TTL"},
		{"under a second", Real(), m, EtcdOptions{Key: "k", TTL: 500 * time.Millisecond}, "TTL"},
		{"negative", Real(), m, EtcdOptions{Key: "k", TTL: -time.Second}, "TTL"},
	}
	for _, c := range cases {
		for _, b := range etcdBuilders {
			t.Run(b.name+"/"+c.name, func(t *testing.T) {
				l, err := b.build(c.rt, c.etcd, c.opts)
				if c.field == "" {
					require.NoError(t, err)
					want := c.opts.TTL
					if want == 0 {
						want = DefaultEtcdTTL
					}
					assert.Equal(t, int64(want/time.Second), l.ttl)
					assert.Equal(t, b.name == "etcd-fenced", l.fenced)
					return
				}
				require.ErrorIs(t, err, ErrInvalidOptions)
				assert.Contains(t, err.Error(), b.name+": "+c.field+" ")
			})
		}
	}
}

// TestEtcdRegistry: the etcd locks are listed apart, take Env.Etcd and
// no Conns, and refuse every option but Key and TTL.
func TestEtcdRegistry(t *testing.T) {
	assert.Equal(t, []string{"etcd", "etcd-fenced"}, EtcdNames())
	assert.Subset(t, Names(), EtcdNames())
	assert.True(t, IsEtcd("etcd-fenced"))
	assert.False(t, IsEtcd("fenced"))
	m := NewMemEtcd()
	for _, name := range EtcdNames() {
		l, err := New(name, Env{Runtime: Real(), Etcd: m}, Options{Key: "k", TTL: 3 * time.Second})
		require.NoError(t, err)
		el := l.(*EtcdLock)
		assert.Equal(t, int64(3), el.ttl)
		assert.Equal(t, name == "etcd-fenced", el.fenced)
		_, isExt := l.(Extender)
		assert.True(t, isExt)

		_, err = New(name, Env{Runtime: Real()}, Options{Key: "k"})
		require.ErrorIs(t, err, ErrInvalidOptions)
		assert.Contains(t, err.Error(), "Etcd is nil")
		_, err = New(name, Env{Runtime: Real(), Etcd: m, Conns: []Conn{fakeConn{}}}, Options{Key: "k"})
		require.ErrorIs(t, err, ErrInvalidOptions)
		assert.Contains(t, err.Error(), "Conns has 1")
		for _, o := range []Options{
			{Key: "k", Tries: 1}, {Key: "k", RetryDelay: 1}, {Key: "k", MinRetryDelay: 1}, {Key: "k", MaxRetryDelay: 1},
			{Key: "k", AttemptTimeout: 1}, {Key: "k", DriftFactor: Float(0)}, {Key: "k", TimeoutFactor: 1}, {Key: "k", Quorum: 1},
			{Key: "k", TokenKey: "t"},
		} {
			_, err := New(name, Env{Runtime: Real(), Etcd: m}, o)
			require.ErrorIs(t, err, ErrInvalidOptions, "%+v", o)
			assert.Contains(t, err.Error(), "does not use it")
		}
	}
}

// TestEtcdWaiterSessionLostInMemory is the #19597 case on the in-memory
// Etcd: the waiter's lease ends while it waits; its keep-alive loop finds
// it gone and its Lock fails with ErrSessionExpired, while the holder
// keeps the lock. Its next Lock grants a new session.
func TestEtcdWaiterSessionLostInMemory(t *testing.T) {
	m := NewMemEtcd()
	ctx := context.Background()
	holder, err := NewEtcd(Real(), m, EtcdOptions{Key: "k", TTL: 30 * time.Second})
	require.NoError(t, err)
	held, err := holder.Lock(ctx)
	require.NoError(t, err)
	waiter, err := NewEtcd(Real(), m, EtcdOptions{Key: "k", TTL: time.Second})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := waiter.Lock(ctx)
		done <- err
	}()
	holderID, _, ok := parseEtcdValue(held.Value)
	require.True(t, ok)
	var id EtcdLeaseID // the waiter's lease, once its key is in line
	require.Eventually(t, func() bool {
		r, err := m.Get(ctx, EtcdGet{Key: "k/", Prefix: true, Sort: EtcdNewestFirst})
		require.NoError(t, err)
		for _, kv := range r.KVs {
			if n, err := strconv.ParseInt(strings.TrimPrefix(kv.Key, "k/"), 16, 64); err == nil && EtcdLeaseID(n) != holderID {
				id = EtcdLeaseID(n)
			}
		}
		return id != 0
	}, 2*time.Second, time.Millisecond)
	require.NoError(t, m.Expire(id))
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrNotAcquired)
		require.ErrorIs(t, err, ErrSessionExpired)
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter keeps waiting after its session expired")
	}
	_, err = holder.Extend(ctx, held)
	require.NoError(t, err, "the holder is undisturbed")

	require.NoError(t, holder.Unlock(ctx, held))
	again, err := waiter.Lock(ctx)
	require.NoError(t, err)
	newID, _, _ := parseEtcdValue(again.Value)
	assert.NotEqual(t, id, newID, "a new session")
	require.NoError(t, waiter.Unlock(ctx, again))
	require.NoError(t, holder.Close(ctx))
	require.NoError(t, waiter.Close(ctx))
}

// TestEtcdLockRefusesAHoldingPastItsValidity: when the session's belief
// has run out by the time the lock is acquired (here: a clock that jumps
// past it), Lock fails with ErrSessionExpired and leaves nothing behind.
func TestEtcdLockRefusesAHoldingPastItsValidity(t *testing.T) {
	m := NewMemEtcd()
	rt := &jumpRuntime{RealRuntime: Real()}
	l, err := NewEtcd(rt, m, EtcdOptions{Key: "k", TTL: 5 * time.Second})
	require.NoError(t, err)
	rt.after = 1 // every Now after the grant's reads 10s later
	_, err = l.Lock(context.Background())
	require.ErrorIs(t, err, ErrSessionExpired)
	r, err := m.Get(context.Background(), EtcdGet{Key: "k/", Prefix: true})
	require.NoError(t, err)
	assert.Empty(t, r.KVs, "the key was released")
	require.NoError(t, l.Close(context.Background()))
}

// jumpRuntime is the real runtime whose Now reads 10s late after its
// first `after` calls.
type jumpRuntime struct {
	RealRuntime
	after int64
	calls atomic.Int64
}

func (r *jumpRuntime) Now() time.Time {
	if n := r.calls.Add(1); r.after > 0 && n > r.after {
		return r.RealRuntime.Now().Add(10 * time.Second)
	}
	return r.RealRuntime.Now()
}

// slowGrantEtcd is an Etcd whose Grant waits for release.
type slowGrantEtcd struct {
	Etcd
	entered, release chan struct{}
}

func (s *slowGrantEtcd) Grant(ctx context.Context, ttl int64) (EtcdLease, error) {
	close(s.entered)
	<-s.release
	return s.Etcd.Grant(ctx, ttl)
}

// TestEtcdLockIsOneClient: a second Lock of the same EtcdLock, while the
// first is still granting its session or holds the lock, is refused
// instead of sharing the key; after Unlock it succeeds.
func TestEtcdLockIsOneClient(t *testing.T) {
	e := &slowGrantEtcd{Etcd: NewMemEtcd(), entered: make(chan struct{}), release: make(chan struct{})}
	l, err := NewEtcd(Real(), e, EtcdOptions{Key: "k", TTL: 10 * time.Second})
	require.NoError(t, err)
	ctx := context.Background()
	type result struct {
		lease Lease
		err   error
	}
	first := make(chan result, 1)
	go func() {
		lease, err := l.Lock(ctx)
		first <- result{lease, err}
	}()
	<-e.entered
	_, err = l.Lock(ctx)
	require.ErrorIs(t, err, ErrNotAcquired, "a Lock while another is granting")
	close(e.release)
	r := <-first
	require.NoError(t, r.err)
	_, err = l.Lock(ctx)
	require.ErrorIs(t, err, ErrNotAcquired, "a Lock while holding")
	require.NoError(t, l.Unlock(ctx, r.lease))
	again, err := l.Lock(ctx)
	require.NoError(t, err)
	require.NoError(t, l.Unlock(ctx, again))
	require.NoError(t, l.Close(ctx))
}

// An Unlock whose delete did not take effect (here: a context already
// done, as after a timeout) leaves the session's key. The next Lock of the
// etcd lock re-enters it, as concurrency.Mutex does, with the earlier
// hold's create revision; the fenced lock must not, since that revision
// is its fencing token: it deletes the stale key and takes a new one.
func TestEtcdStaleKeyAfterFailedUnlock(t *testing.T) {
	for _, fenced := range []bool{false, true} {
		m := NewMemEtcd()
		newLock := NewEtcd
		if fenced {
			newLock = NewEtcdFenced
		}
		l, err := newLock(Real(), m, EtcdOptions{Key: "k", TTL: 10 * time.Second})
		require.NoError(t, err)
		ctx := context.Background()
		first, err := l.Lock(ctx)
		require.NoError(t, err)
		done, cancel := context.WithCancel(ctx)
		cancel()
		require.Error(t, l.Unlock(done, first), "an Unlock with a done context cannot delete")
		second, err := l.Lock(ctx)
		require.NoError(t, err)
		_, rev1, _ := parseEtcdValue(first.Value)
		_, rev2, _ := parseEtcdValue(second.Value)
		if fenced {
			require.Greater(t, second.Token, first.Token, "the fenced lock reused the stale key's revision as its token")
			require.Greater(t, rev2, rev1)
		} else {
			require.Equal(t, rev1, rev2, "the etcd lock re-enters its stale key, as concurrency.Mutex")
		}
		require.NoError(t, l.Unlock(ctx, second))
		require.NoError(t, l.Close(ctx))
	}
}
