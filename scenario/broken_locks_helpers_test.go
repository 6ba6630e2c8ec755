package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/locksim/locksim/locks"
)

// The broken locks of issue 11, written as a new user would write them:
// against the public locks API only. Most are the built-in lock with one
// thing changed, either through its options or through a Conn that rewrites
// the command the built-in lock sends (bugConn), so that the broken lock and
// its correct twin differ in exactly the bug and nothing else.

// bug names what a bugConn rewrites; the zero bug rewrites nothing, which
// makes the wrapped lock its own correct twin.
type bug struct {
	// setRetry: an acquire retried after a failed (timed-out) attempt is a
	// plain SET with no NX, which overwrites whoever holds the key.
	setRetry bool
	// plainDel: the release is a plain DEL, without the owner check.
	plainDel bool
	// plainSetExtend: the lease refresh (watchdog, Extend) is a plain SET,
	// without the owner check.
	plainSetExtend bool
	// sharedValue: every client writes this owner value, whatever value
	// the lock drew.
	sharedValue string
}

// bugConn wraps a client's Conn and rewrites the lock's scripts into their
// broken forms. The scripts are recognised by the Redis commands they call,
// as a user reading the lock's source would: "exists" (acquire), "del"
// (release), "pexpire" (extend).
type bugConn struct {
	inner locks.Conn
	bug   bug
	// failed records that the last acquire attempt ended in an error (its
	// reply never came in time), so that the next one is a retry after a
	// timeout.
	failed bool
}

func (c *bugConn) Do(ctx context.Context, args ...any) (any, error) {
	if len(args) < 5 || args[0] != "EVAL" { // EVAL body 1 key value [arg...]
		return c.inner.Do(ctx, args...)
	}
	script, _ := args[1].(string)
	key, value, arg := args[3], args[4], args[5:]
	if c.bug.sharedValue != "" {
		value = c.bug.sharedValue
		args = append(append([]any{}, args[:4]...), append([]any{value}, arg...)...)
	}
	switch {
	case strings.Contains(script, `"exists"`):
		if c.bug.setRetry && c.failed {
			// arg[0] is the TTL in milliseconds.
			reply, err := c.inner.Do(ctx, "SET", key, value, "PX", arg[0])
			c.failed = err != nil && !locks.IsNil(err)
			return reply, err
		}
		reply, err := c.inner.Do(ctx, args...)
		c.failed = err != nil && !locks.IsNil(err)
		return reply, err
	case strings.Contains(script, `"del"`) && c.bug.plainDel:
		return c.inner.Do(ctx, "DEL", key)
	case strings.Contains(script, `"pexpire"`) && c.bug.plainSetExtend:
		if _, err := c.inner.Do(ctx, "SET", key, value, "PX", arg[0]); err != nil {
			return nil, err
		}
		return int64(1), nil
	}
	return c.inner.Do(ctx, args...)
}

// newBuggyLua builds the built-in lua lock, with env's options and attempt
// timeout, over a Conn that injects b.
func newBuggyLua(b bug, attemptTimeout time.Duration) func(env locks.Env) (locks.Locker, error) {
	return func(env locks.Env) (locks.Locker, error) {
		o := env.Options
		l, err := locks.NewLua(env.Runtime, &bugConn{inner: env.Conns[0], bug: b}, locks.LuaOptions{
			Key: o.Key, TTL: o.TTL, Tries: o.Tries, RetryDelay: o.RetryDelay,
			MinRetryDelay: o.MinRetryDelay, MaxRetryDelay: o.MaxRetryDelay, AttemptTimeout: attemptTimeout,
		})
		if err != nil || b.sharedValue == "" {
			return l, err
		}
		return sharedValueLock{l, b.sharedValue}, nil
	}
}

// sharedValueLock reports the shared owner value in its leases, as the
// user's lock that writes it would: the lease then says truthfully what
// Redis holds, and Unlock and Extend send it.
type sharedValueLock struct {
	*locks.LuaLock
	value string
}

func (l sharedValueLock) Lock(ctx context.Context) (locks.Lease, error) {
	lease, err := l.LuaLock.Lock(ctx)
	if err == nil {
		lease.Value = l.value
	}
	return lease, err
}

// newRedlockWith builds the built-in redlock with env's options changed by
// change (nil: the correct twin).
func newRedlockWith(change func(env locks.Env, o *locks.RedlockOptions)) func(env locks.Env) (locks.Locker, error) {
	return func(env locks.Env) (locks.Locker, error) {
		o := env.Options
		ro := locks.RedlockOptions{
			Key: o.Key, Expiry: o.TTL, Tries: o.Tries, DriftFactor: o.DriftFactor, TimeoutFactor: o.TimeoutFactor,
			Quorum: o.Quorum, RetryDelay: o.RetryDelay, MinRetryDelay: o.MinRetryDelay, MaxRetryDelay: o.MaxRetryDelay,
		}
		if change != nil {
			change(env, &ro)
		}
		return locks.NewRedlock(env.Runtime, env.Conns, ro)
	}
}

// newFenced builds the built-in fenced lock; wallClockToken replaces its
// INCR token with the client's wall clock in nanoseconds.
func newFenced(wallClockToken bool) func(env locks.Env) (locks.Locker, error) {
	return func(env locks.Env) (locks.Locker, error) {
		o := env.Options
		l, err := locks.NewFenced(env.Runtime, env.Conns[0], locks.FencedOptions{LuaOptions: locks.LuaOptions{
			Key: o.Key, TTL: o.TTL, Tries: o.Tries, RetryDelay: o.RetryDelay,
			MinRetryDelay: o.MinRetryDelay, MaxRetryDelay: o.MaxRetryDelay, AttemptTimeout: o.AttemptTimeout,
		}, TokenKey: o.TokenKey})
		if err != nil || !wallClockToken {
			return l, err
		}
		return &clockTokenLock{FencedLock: l, rt: env.Runtime}, nil
	}
}

// clockTokenLock is a fenced lock whose token is the acquirer's wall clock:
// monotonic only as long as every client's clock agrees.
type clockTokenLock struct {
	*locks.FencedLock
	rt locks.Runtime
}

func (l *clockTokenLock) Lock(ctx context.Context) (locks.Lease, error) {
	lease, err := l.FencedLock.Lock(ctx)
	if err == nil {
		lease.Token = l.rt.Now().UnixNano()
	}
	return lease, err
}

// simpleRedlock is Redlock reduced to its core, for the one bug the
// built-in redlock has no knob for: trusting a quorum whose validity has
// already passed. It has no round timeout (a round waits for every node or
// the caller's ctx), so that the validity check is the only thing that
// stands between a slow round and a stale lease; checkValidity switches
// that check on (the correct twin) or off (the bug).
type simpleRedlock struct {
	rt            locks.Runtime
	conns         []locks.Conn
	key           string
	expiry, drift time.Duration
	quorum        int
	checkValidity bool
}

func newSimpleRedlock(checkValidity bool) func(env locks.Env) (locks.Locker, error) {
	return func(env locks.Env) (locks.Locker, error) {
		if len(env.Conns) == 0 {
			return nil, fmt.Errorf("simple redlock: %w: no nodes", locks.ErrInvalidOptions)
		}
		return &simpleRedlock{
			rt: env.Runtime, conns: env.Conns, key: env.Options.Key, expiry: env.TTL,
			drift: env.TTL / 100, quorum: len(env.Conns)/2 + 1, checkValidity: checkValidity,
		}, nil
	}
}

const releaseScript = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`

// round runs f on every node at once and counts the nodes that said yes.
func (l *simpleRedlock) round(f func(c locks.Conn) bool) int {
	ok := make([]bool, len(l.conns))
	g := l.rt.Group()
	for i, c := range l.conns {
		g.Go(func() { ok[i] = f(c) })
	}
	g.Wait()
	n := 0
	for _, b := range ok {
		if b {
			n++
		}
	}
	return n
}

func (l *simpleRedlock) Lock(ctx context.Context) (locks.Lease, error) {
	r := l.rt.Rand()
	value := fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64())
	px := fmt.Sprint(l.expiry.Milliseconds())
	for {
		start := l.rt.Now()
		n := l.round(func(c locks.Conn) bool {
			reply, err := c.Do(ctx, "SET", l.key, value, "NX", "PX", px)
			return err == nil && reply == "OK"
		})
		now := l.rt.Now()
		until := now.Add(l.expiry - now.Sub(start) - l.drift)
		if n >= l.quorum && (!l.checkValidity || now.Before(until)) {
			return locks.Lease{Key: l.key, Value: value, Validity: until}, nil
		}
		l.round(func(c locks.Conn) bool {
			_, err := c.Do(ctx, "EVAL", releaseScript, "1", l.key, value)
			return err == nil
		})
		if err := l.rt.Sleep(ctx, 50*time.Millisecond+time.Duration(r.Int64N(int64(200*time.Millisecond)))); err != nil {
			return locks.Lease{}, fmt.Errorf("simple redlock: %w: %w", locks.ErrNotAcquired, err)
		}
	}
}

func (l *simpleRedlock) Unlock(ctx context.Context, lease locks.Lease) error {
	n := l.round(func(c locks.Conn) bool {
		reply, err := c.Do(ctx, "EVAL", releaseScript, "1", l.key, lease.Value)
		return err == nil && reply == int64(1)
	})
	if n < l.quorum {
		return fmt.Errorf("simple redlock: unlock on %d nodes: %w", n, errors.Join(locks.ErrNoQuorum, locks.ErrNotOwner))
	}
	return nil
}

const extendScript = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`

// extendingRedlock is simpleRedlock (validity checked on acquire) with
// go-redsync's Extend: reset the TTL on every node holding the value, and
// with a quorum recompute the validity as on acquire. checkExtend switches
// the validity check of the extend on (the correct twin) or off (the bug:
// a quorum reached before a pause is trusted after it, the built-in
// redlock's mutant M250).
type extendingRedlock struct {
	*simpleRedlock
	checkExtend bool
}

func newExtendingRedlock(checkExtend bool) func(env locks.Env) (locks.Locker, error) {
	return func(env locks.Env) (locks.Locker, error) {
		l, err := newSimpleRedlock(true)(env)
		if err != nil {
			return nil, err
		}
		return &extendingRedlock{simpleRedlock: l.(*simpleRedlock), checkExtend: checkExtend}, nil
	}
}

func (l *extendingRedlock) Extend(ctx context.Context, lease locks.Lease) (locks.Lease, error) {
	px := fmt.Sprint(l.expiry.Milliseconds())
	start := l.rt.Now()
	n := l.round(func(c locks.Conn) bool {
		reply, err := c.Do(ctx, "EVAL", extendScript, "1", l.key, lease.Value, px)
		return err == nil && reply == int64(1)
	})
	if n < l.quorum {
		return locks.Lease{}, fmt.Errorf("simple redlock: extend on %d nodes: %w", n, locks.ErrNoQuorum)
	}
	now := l.rt.Now()
	until := now.Add(l.expiry - now.Sub(start) - l.drift)
	if l.checkExtend && !now.Before(until) {
		return locks.Lease{}, fmt.Errorf("simple redlock: extend: %w", locks.ErrExpired)
	}
	lease.Validity = until
	return lease, nil
}
