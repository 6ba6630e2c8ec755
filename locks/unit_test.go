package locks

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errBoom = errors.New("boom")

// nodes returns n fake conns sharing one log; reply decides per node.
func nodes(n int, log *[]string, reply func(node int, args []any) (any, error)) []Conn {
	cs := make([]Conn, n)
	for i := range cs {
		cs[i] = fakeConn{name: string(rune('a' + i)), log: log, reply: func(args []any) (any, error) { return reply(i, args) }}
	}
	return cs
}

func count(log []string, prefix string) int {
	n := 0
	for _, l := range log {
		if strings.Contains(l, prefix) {
			n++
		}
	}
	return n
}

func TestRedlockValidityIsExpiryMinusElapsedMinusDrift(t *testing.T) {
	rt := newFakeRuntime()
	var log []string
	conns := nodes(3, &log, func(_ int, args []any) (any, error) {
		rt.advance(10 * time.Millisecond) // each SET takes 10ms of the client's clock
		return "OK", nil
	})
	l, err := NewRedlock(rt, conns, RedlockOptions{Key: "k", Expiry: time.Second})
	require.NoError(t, err)
	start := rt.Now()
	lease, err := l.Lock(context.Background())
	require.NoError(t, err)
	now := start.Add(30 * time.Millisecond)
	assert.Equal(t, now.Add(time.Second-30*time.Millisecond-10*time.Millisecond), lease.Validity)
	assert.Equal(t, []time.Duration{50 * time.Millisecond}, rt.timeouts, "round timeout = expiry × 0.05")
	require.Len(t, log, 3)
	assert.Equal(t, "a[SET k "+lease.Value+" NX PX 1000]", log[0])

	// Extend recomputes it from the extend round.
	log = nil
	start = rt.Now()
	conns2 := nodes(3, &log, func(_ int, args []any) (any, error) {
		rt.advance(20 * time.Millisecond)
		return int64(1), nil
	})
	l.conns = conns2
	next, err := l.Extend(context.Background(), lease)
	require.NoError(t, err)
	assert.Equal(t, start.Add(60*time.Millisecond).Add(time.Second-60*time.Millisecond-10*time.Millisecond), next.Validity)
	assert.Equal(t, 3, count(log, "pexpire"))

	// Zero drift factor, explicitly.
	l0, err := NewRedlock(rt, conns, RedlockOptions{Key: "k", Expiry: time.Second, DriftFactor: Float(0)})
	require.NoError(t, err)
	start = rt.Now()
	lease, err = l0.Lock(context.Background())
	require.NoError(t, err)
	assert.Equal(t, start.Add(time.Second), lease.Validity)
}

func TestRedlockFailsWhenValidityIsGoneAndReleases(t *testing.T) {
	rt := newFakeRuntime()
	var log []string
	conns := nodes(3, &log, func(_ int, args []any) (any, error) {
		if cmdOf(args) == "SET" {
			rt.advance(400 * time.Millisecond) // 1.2s for the round: past the 1s expiry
			return "OK", nil
		}
		return int64(1), nil
	})
	l, err := NewRedlock(rt, conns, RedlockOptions{Key: "k", Expiry: time.Second, Tries: 2, RetryDelay: 7 * time.Millisecond})
	require.NoError(t, err)
	_, err = l.Lock(context.Background())
	assert.ErrorIs(t, err, ErrNotAcquired)
	assert.Equal(t, 6, count(log, "SET"))
	assert.Equal(t, 6, count(log, "EVAL"), "every failed round releases on all nodes")
	assert.Equal(t, []time.Duration{7 * time.Millisecond}, rt.slept)
}

func TestRedlockRetriesWithRandomDelayAndOneValue(t *testing.T) {
	rt := newFakeRuntime()
	var log []string
	values := map[string]bool{}
	conns := nodes(3, &log, func(_ int, args []any) (any, error) {
		if cmdOf(args) == "SET" {
			values[args[2].(string)] = true
			return nil, ErrNil // taken
		}
		return int64(0), nil
	})
	l, err := NewRedlock(rt, conns, RedlockOptions{Key: "k", Tries: 5})
	require.NoError(t, err)
	_, err = l.Lock(context.Background())
	require.ErrorIs(t, err, ErrNotAcquired)
	assert.Len(t, values, 1, "one value per Lock call")
	require.Len(t, rt.slept, 4, "a delay before every try but the first")
	for _, d := range rt.slept {
		assert.GreaterOrEqual(t, d, 50*time.Millisecond)
		assert.Less(t, d, 250*time.Millisecond)
	}
	assert.Equal(t, 15, count(log, "EVAL"))

	var tries []int
	l, err = NewRedlock(rt, conns, RedlockOptions{Key: "k", Tries: 3, DelayFunc: func(try int, _ *rand.Rand) time.Duration {
		tries = append(tries, try)
		return time.Millisecond
	}})
	require.NoError(t, err)
	_, err = l.Lock(context.Background())
	require.ErrorIs(t, err, ErrNotAcquired)
	assert.Equal(t, []int{1, 2}, tries)
}

func TestRedlockGivesUpAtOnceWhenNoNodeGrantsAndOneFails(t *testing.T) {
	// go-redsync: `if n == 0 && err != nil { return err }`, no release, no
	// retry.
	rt := newFakeRuntime()
	var log []string
	conns := nodes(3, &log, func(node int, args []any) (any, error) {
		if node == 1 {
			return nil, errBoom
		}
		return nil, ErrNil
	})
	l, err := NewRedlock(rt, conns, RedlockOptions{Key: "k"})
	require.NoError(t, err)
	_, err = l.Lock(context.Background())
	assert.ErrorIs(t, err, ErrNotAcquired)
	assert.ErrorIs(t, err, errBoom)
	assert.Contains(t, err.Error(), "node 1")
	assert.Len(t, log, 3)
	assert.Empty(t, rt.slept)
}

func TestRedlockLastReleaseErrorIsReturned(t *testing.T) {
	rt := newFakeRuntime()
	conns := nodes(3, nil, func(node int, args []any) (any, error) {
		if cmdOf(args) == "SET" {
			if node == 0 {
				return "OK", nil
			}
			return nil, ErrNil
		}
		return nil, errBoom
	})
	l, err := NewRedlock(rt, conns, RedlockOptions{Key: "k", Tries: 2, RetryDelay: time.Millisecond})
	require.NoError(t, err)
	_, err = l.Lock(context.Background())
	assert.ErrorIs(t, err, ErrNotAcquired)
	assert.ErrorIs(t, err, errBoom)
}

func TestRedlockStopsWhenContextDone(t *testing.T) {
	rt := newFakeRuntime()
	ctx, cancel := context.WithCancel(context.Background())
	conns := nodes(3, nil, func(_ int, args []any) (any, error) {
		if cmdOf(args) == "SET" {
			cancel() // done during the first round
			return nil, ErrNil
		}
		return int64(0), nil
	})
	l, err := NewRedlock(rt, conns, RedlockOptions{Key: "k"})
	require.NoError(t, err)
	_, err = l.Lock(ctx)
	assert.ErrorIs(t, err, ErrNotAcquired)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLuaLockSendsTheArticleScriptAndComputesValidity(t *testing.T) {
	rt := newFakeRuntime()
	var log []string
	var args []any
	conn := fakeConn{log: &log, reply: func(a []any) (any, error) {
		args = a
		rt.advance(5 * time.Millisecond)
		return "OK", nil
	}}
	l, err := NewLua(rt, conn, LuaOptions{Key: "k", TTL: 1500 * time.Millisecond})
	require.NoError(t, err)
	start := rt.Now()
	lease, err := l.Lock(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []any{"EVAL", `if redis.call("exists", KEYS[1]) == 0 then return redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) end return nil`, "1", "k", lease.Value, "1500"}, args)
	assert.Equal(t, start.Add(1500*time.Millisecond), lease.Validity, "validity = time of the acquire call + TTL, no margin")
	assert.Empty(t, rt.timeouts, "no attempt timeout by default: the caller's ctx bounds Lock, as in the article")
}

func TestLuaLockBacksOffAndRetriesErrors(t *testing.T) {
	rt := newFakeRuntime()
	calls := 0
	conn := fakeConn{reply: func(a []any) (any, error) {
		calls++
		switch {
		case calls <= 3:
			return nil, ErrNil
		case calls <= 5:
			return nil, errBoom
		default:
			return "OK", nil
		}
	}}
	l, err := NewLua(rt, conn, LuaOptions{Key: "k"})
	require.NoError(t, err)
	_, err = l.Lock(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 6, calls)
	require.Len(t, rt.slept, 5)
	for i, d := range rt.slept {
		assert.GreaterOrEqual(t, d, DefaultMinRetryDelay)
		assert.LessOrEqual(t, d, min(DefaultMinRetryDelay<<(i+1), DefaultMaxRetryDelay))
	}

	// Bounded tries: the last error is the cause.
	calls = 3
	l, err = NewLua(rt, conn, LuaOptions{Key: "k", Tries: 2, RetryDelay: time.Millisecond})
	require.NoError(t, err)
	_, err = l.Lock(context.Background())
	assert.ErrorIs(t, err, ErrNotAcquired)
	assert.ErrorIs(t, err, errBoom)

	// An unexpected reply is an error too.
	bad := fakeConn{reply: func([]any) (any, error) { return int64(7), nil }}
	l, err = NewLua(rt, bad, LuaOptions{Key: "k", Tries: 1})
	require.NoError(t, err)
	_, err = l.Lock(context.Background())
	assert.ErrorIs(t, err, ErrUnexpectedReply)
}

func TestRetryDelayBounds(t *testing.T) {
	p, err := newRetry("x", 0, 0, 10*time.Millisecond, 200*time.Millisecond)
	require.NoError(t, err)
	r := newFakeRuntime().Rand()
	for try := 1; try < 40; try++ {
		for range 50 {
			d := p.delay(try, r)
			assert.GreaterOrEqual(t, d, 10*time.Millisecond)
			assert.LessOrEqual(t, d, min(10*time.Millisecond<<min(try, 10), 200*time.Millisecond))
		}
	}
	p.fixed = 3 * time.Millisecond
	assert.Equal(t, 3*time.Millisecond, p.delay(9, r))
}

func TestFencedTokenRidesOnTheLease(t *testing.T) {
	rt := newFakeRuntime()
	var args []any
	n := int64(41)
	conn := fakeConn{reply: func(a []any) (any, error) { args = a; n++; return n, nil }}
	l, err := NewFenced(rt, conn, FencedOptions{LuaOptions: LuaOptions{Key: "k"}})
	require.NoError(t, err)
	lease, err := l.Lock(context.Background())
	require.NoError(t, err)
	assert.True(t, lease.Fenced)
	assert.Equal(t, int64(42), lease.Token)
	assert.Equal(t, "2", args[2])
	assert.Equal(t, "k", args[3])
	assert.Equal(t, "k:token", args[4])
	assert.Equal(t, "8000", args[6])
}

func TestSameSeedSameCommands(t *testing.T) {
	run := func() []string {
		rt := newFakeRuntime()
		var log []string
		calls := 0
		conns := nodes(3, &log, func(_ int, args []any) (any, error) {
			calls++
			if cmdOf(args) == "SET" && calls > 12 {
				return "OK", nil
			}
			if cmdOf(args) == "SET" {
				return nil, ErrNil
			}
			return int64(0), nil
		})
		l, err := NewRedlock(rt, conns, RedlockOptions{Key: "k"})
		require.NoError(t, err)
		_, err = l.Lock(context.Background())
		require.NoError(t, err)
		for _, d := range rt.slept {
			log = append(log, d.String())
		}
		return log
	}
	assert.Equal(t, run(), run())
}

func TestOptionsValidation(t *testing.T) {
	rt := newFakeRuntime()
	c := fakeConn{reply: func([]any) (any, error) { return nil, nil }}
	three := []Conn{c, c, c}
	cases := []struct {
		name  string
		field string
		build func() error
	}{
		{"lua no key", "Key", func() error { _, err := NewLua(rt, c, LuaOptions{}); return err }},
		{"lua nil conn", "Conn", func() error { _, err := NewLua(rt, nil, LuaOptions{Key: "k"}); return err }},
		{"lua ttl", "TTL", func() error { _, err := NewLua(rt, c, LuaOptions{Key: "k", TTL: time.Microsecond}); return err }},
		{"lua tries", "Tries", func() error { _, err := NewLua(rt, c, LuaOptions{Key: "k", Tries: -1}); return err }},
		{"lua delays", "MaxRetryDelay", func() error {
			_, err := NewLua(rt, c, LuaOptions{Key: "k", MinRetryDelay: time.Second, MaxRetryDelay: time.Millisecond})
			return err
		}},
		{"setnx retry", "RetryDelay", func() error { _, err := NewSetnx(rt, c, SetnxOptions{Key: "k", RetryDelay: -1}); return err }},
		{"fenced token key", "TokenKey", func() error {
			_, err := NewFenced(rt, c, FencedOptions{LuaOptions: LuaOptions{Key: "k"}, TokenKey: "k"})
			return err
		}},
		{"redlock no conns", "Conns", func() error { _, err := NewRedlock(rt, nil, RedlockOptions{Key: "k"}); return err }},
		{"redlock nil conn", "Conns", func() error { _, err := NewRedlock(rt, []Conn{c, nil}, RedlockOptions{Key: "k"}); return err }},
		{"redlock drift", "DriftFactor", func() error {
			_, err := NewRedlock(rt, three, RedlockOptions{Key: "k", DriftFactor: Float(1)})
			return err
		}},
		{"redlock timeout", "TimeoutFactor", func() error { _, err := NewRedlock(rt, three, RedlockOptions{Key: "k", TimeoutFactor: 2}); return err }},
		{"redlock quorum", "Quorum", func() error { _, err := NewRedlock(rt, three, RedlockOptions{Key: "k", Quorum: 4}); return err }},
		{"redlock tries", "Tries", func() error { _, err := NewRedlock(rt, three, RedlockOptions{Key: "k", Tries: -3}); return err }},
		{"redlock expiry", "Expiry", func() error {
			_, err := NewRedlock(rt, three, RedlockOptions{Key: "k", Expiry: -time.Second})
			return err
		}},
		{"mutex process", "Process", func() error { _, err := NewMutexLock(rt, nil, MutexOptions{Key: "k"}); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.build()
			require.ErrorIs(t, err, ErrInvalidOptions)
			assert.Contains(t, err.Error(), c.field)
			assert.Equal(t, strings.ToLower(err.Error()[:1]), err.Error()[:1])
		})
	}
	l, err := NewRedlock(rt, []Conn{c, c, c, c, c}, RedlockOptions{Key: "k"})
	require.NoError(t, err)
	assert.Equal(t, 3, l.Quorum())
}

func TestRegistry(t *testing.T) {
	assert.Equal(t, []string{"etcd", "etcd-fenced", "fenced", "lua", "mutex", "redlock", "setnx"}, Names())
	rt := newFakeRuntime()
	c := fakeConn{reply: func([]any) (any, error) { return "OK", nil }}
	one, three := []Conn{c}, []Conn{c, c, c}
	p := NewProcess(rt)
	for _, name := range Names() {
		if IsEtcd(name) {
			continue // TestEtcdRegistry
		}
		env := Env{Runtime: rt, Conns: one}
		switch name {
		case "mutex":
			env = Env{Runtime: rt, Process: p}
		case "redlock":
			env.Conns = three
		}
		l, err := New(name, env, Options{Key: "k"})
		require.NoError(t, err, name)
		require.NotNil(t, l, name)
		_, isExt := l.(Extender)
		assert.Equal(t, name != "mutex" && name != "setnx", isExt, name)
	}

	_, err := New("zookeeper", Env{}, Options{})
	assert.ErrorIs(t, err, ErrUnknownLock)
	assert.Contains(t, err.Error(), "fenced, lua, mutex, redlock, setnx")

	l, err := New("lua", Env{Runtime: rt, Conns: three}, Options{Key: "k"})
	assert.ErrorIs(t, err, ErrInvalidOptions)
	assert.Nil(t, l, "no typed nil in the interface")
	_, err = New("setnx", Env{Runtime: rt, Conns: one}, Options{Key: "k", TTL: time.Second})
	assert.ErrorIs(t, err, ErrInvalidOptions)
	assert.Contains(t, err.Error(), "TTL")
	_, err = New("lua", Env{Runtime: rt, Conns: one}, Options{Key: "k", Quorum: 2})
	assert.ErrorIs(t, err, ErrInvalidOptions)
	_, err = New("mutex", Env{Runtime: rt}, Options{Key: "k"})
	assert.ErrorIs(t, err, ErrInvalidOptions)
	assert.Contains(t, err.Error(), "Process")

	l, err = New("redlock", Env{Runtime: rt, Conns: three}, Options{Key: "k", TTL: 2 * time.Second, Tries: 3, DriftFactor: Float(0), Quorum: 3, RetryDelay: time.Millisecond})
	require.NoError(t, err)
	rl := l.(*Redlock)
	assert.Equal(t, 2*time.Second, rl.expiry)
	assert.Equal(t, 3, rl.tries)
	assert.Equal(t, time.Duration(0), rl.drift)
	assert.Equal(t, 3, rl.quorum)
	assert.Equal(t, 100*time.Millisecond, rl.timeout)
}

func TestMutexLock(t *testing.T) {
	rt := Real()
	p := NewProcess(rt)
	a, err := NewMutexLock(rt, p, MutexOptions{Key: "k"})
	require.NoError(t, err)
	b, err := NewMutexLock(rt, p, MutexOptions{Key: "k"})
	require.NoError(t, err)
	other, err := NewMutexLock(rt, p, MutexOptions{Key: "other"})
	require.NoError(t, err)
	elsewhere, err := NewMutexLock(rt, NewProcess(rt), MutexOptions{Key: "k"})
	require.NoError(t, err)

	ctx := context.Background()
	la, err := a.Lock(ctx)
	require.NoError(t, err)
	assert.False(t, la.Expires())

	// Same process, same key: excluded until ctx is done.
	tctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	_, err = b.Lock(tctx)
	assert.ErrorIs(t, err, ErrNotAcquired)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	// Another key, or another process: independent.
	lo, err := other.Lock(ctx)
	require.NoError(t, err)
	le, err := elsewhere.Lock(ctx)
	require.NoError(t, err)

	assert.ErrorIs(t, b.Unlock(ctx, Lease{Key: "k", Value: "forged"}), ErrNotOwner)
	assert.ErrorIs(t, b.Unlock(ctx, lo), ErrNotOwner, "lease of another key")
	require.NoError(t, b.Unlock(ctx, la), "any client of the process may unlock with the lease")
	assert.ErrorIs(t, a.Unlock(ctx, la), ErrNotOwner, "double unlock")
	require.NoError(t, other.Unlock(ctx, lo))
	require.NoError(t, elsewhere.Unlock(ctx, le))

	// Contention: exactly one holder at a time.
	var holders, max atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		l, err := NewMutexLock(rt, p, MutexOptions{Key: "k"})
		require.NoError(t, err)
		wg.Go(func() {
			for range 200 {
				lease, err := l.Lock(ctx)
				if !assert.NoError(t, err) {
					return
				}
				if h := holders.Add(1); h > max.Load() {
					max.Store(h)
				}
				holders.Add(-1)
				assert.NoError(t, l.Unlock(ctx, lease))
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, max.Load())
}

func TestRealRuntime(t *testing.T) {
	rt := Real()
	ctx := context.Background()

	start := time.Now()
	require.NoError(t, rt.Sleep(ctx, 20*time.Millisecond))
	assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, rt.Sleep(cctx, time.Hour), context.Canceled)
	tctx, tcancel := rt.WithTimeout(ctx, 10*time.Millisecond)
	defer tcancel()
	assert.ErrorIs(t, rt.Sleep(tctx, time.Hour), context.DeadlineExceeded)
	assert.NoError(t, rt.Sleep(ctx, 0))

	var n atomic.Int64
	g := rt.Group()
	for range 10 {
		g.Go(func() { time.Sleep(time.Millisecond); n.Add(1) })
	}
	g.Wait()
	assert.EqualValues(t, 10, n.Load())

	m := rt.NewMutex()
	require.NoError(t, m.Lock(ctx))
	tctx2, tcancel2 := context.WithTimeout(ctx, 10*time.Millisecond)
	defer tcancel2()
	assert.ErrorIs(t, m.Lock(tctx2), context.DeadlineExceeded)
	m.Unlock()
	assert.ErrorIs(t, m.Lock(cctx), context.Canceled, "a done context wins even when free")
	require.NoError(t, m.Lock(ctx))
	m.Unlock()
	assert.Panics(t, m.Unlock)

	assert.NotEqual(t, rt.Rand().Uint64(), rt.Rand().Uint64())
	assert.False(t, rt.Now().IsZero())
}

func TestLeaseValidAt(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.True(t, Lease{}.ValidAt(now), "no expiry: always")
	l := Lease{Validity: now.Add(time.Second)}
	assert.True(t, l.Expires())
	assert.True(t, l.ValidAt(now))
	assert.False(t, l.ValidAt(now.Add(time.Second)))
}
