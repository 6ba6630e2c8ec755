package locks

import (
	"context"
	"fmt"
	"time"
)

// LuaOptions configure a LuaLock (and, through FencedOptions, a
// FencedLock). Zero fields take the documented defaults.
type LuaOptions struct {
	// Key is the Redis key of the lock. Required.
	Key string
	// TTL is the key's expiry (PX) and the length of the lease's validity;
	// default 8s, at least 1ms, whole milliseconds are sent.
	TTL time.Duration
	// Tries bounds the number of acquire attempts of one Lock; 0 (the
	// default) retries until ctx is done.
	Tries int
	// RetryDelay, when positive, is the fixed wait before every retry.
	// Otherwise the wait before retry i is uniform in
	// [MinRetryDelay, min(MinRetryDelay·2^i, MaxRetryDelay)].
	RetryDelay time.Duration
	// MinRetryDelay defaults to 10ms, MaxRetryDelay to 200ms.
	MinRetryDelay, MaxRetryDelay time.Duration
	// AttemptTimeout, when positive, bounds each script call. By default
	// there is none and the caller's ctx bounds the whole Lock, as in the
	// article's TryLock: a reply delayed past the TTL then grants a lease
	// that has already expired, which is the weakness locksim shows.
	//
	// Set it well below the TTL (a few round trips, e.g. 1s for an 8s TTL),
	// not to the TTL: a lease runs from the send of the call that won it,
	// so a reply accepted after d leaves only TTL-d of it, and d may come
	// arbitrarily close to the timeout. With a timeout equal to the TTL,
	// locksim's slow-reply fails in 55 of 100 seeds: the retry's reply
	// queues behind the delayed first reply on the FIFO link and arrives
	// 12ms before expiry; the lease is honest, but a client that ignores
	// its Validity works on for about a second past it. With 1s, or with
	// clients that stop at their Validity, it was safe in all 100 (scenario
	// TestNegativeControlsStaySafe pins 1s with such clients). Either way,
	// respect Validity.
	AttemptTimeout time.Duration
}

// DefaultTTL is the default TTL of the lua and fenced locks. The article
// gives none; it is redlock's default expiry, so the locks compare.
const DefaultTTL = 8 * time.Second

// LuaLock is the article's lock: acquire with the Lua script
//
//	if redis.call("exists", KEYS[1]) == 0 then
//	  return redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) end
//	return nil
//
// retried with backoff while ctx allows, and release with an owner-checked
// Lua compare-and-delete. The lease's Validity is the local time at which
// the successful acquire call was sent plus TTL, with no margin for clock
// drift or for the time the reply took (the article has none): a holder
// paused or delayed past the TTL still believes it holds the lock while
// another client takes it.
//
// A LuaLock is safe for concurrent use if its Conn is.
type LuaLock struct {
	rt      Runtime
	conn    Conn
	key     string
	ttl     time.Duration
	retry   retry
	timeout time.Duration

	ttlMillis string // millis(ttl), rendered once
}

var (
	_ Locker   = (*LuaLock)(nil)
	_ Extender = (*LuaLock)(nil)
)

func validateLua(name string, rt Runtime, conn Conn, opts LuaOptions) (LuaLock, error) {
	if rt == nil || conn == nil {
		return LuaLock{}, invalid(name, "Runtime/Conn", "is nil")
	}
	if opts.Key == "" {
		return LuaLock{}, invalid(name, "Key", "is empty")
	}
	ttl := opts.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < time.Millisecond {
		return LuaLock{}, invalid(name, "TTL", "is %v, want >= 1ms", ttl)
	}
	p, err := newRetry(name, opts.Tries, opts.RetryDelay, opts.MinRetryDelay, opts.MaxRetryDelay)
	if err != nil {
		return LuaLock{}, err
	}
	t := max(opts.AttemptTimeout, 0)
	return LuaLock{rt: rt, conn: conn, key: opts.Key, ttl: ttl, retry: p, timeout: t, ttlMillis: millis(ttl)}, nil
}

// NewLua returns a LuaLock on conn, or an error wrapping ErrInvalidOptions.
func NewLua(rt Runtime, conn Conn, opts LuaOptions) (*LuaLock, error) {
	l, err := validateLua("lua", rt, conn, opts)
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// Lock runs the acquire script until it sets the key, waiting between tries
// as the options say, or gives up with ErrNotAcquired when ctx is done or
// the tries run out. One owner value serves every try of the call. A try
// that fails with an error is retried; if it had in fact set the key, the
// key holds this call's value until the TTL passes, and the script (which
// only checks existence) refuses the later tries until then.
func (l *LuaLock) Lock(ctx context.Context) (Lease, error) {
	value, start, _, err := acquireLoop(ctx, l.rt, l.retry, l.timeout, func(ctx context.Context, value string) (bool, int64, error) {
		ok, err := okReply(eval(ctx, l.conn, luaAcquireScript, []string{l.key}, value, l.ttlMillis))
		return ok, 0, err
	})
	if err != nil {
		return Lease{}, fmt.Errorf("lua %q: %w", l.key, err)
	}
	return Lease{Key: l.key, Value: value, Validity: start.Add(l.ttl)}, nil
}

// Unlock deletes the key if, and only if, it still holds lease.Value
// (compare-and-delete in one script). It returns an error wrapping
// ErrNotOwner when it does not (the lease expired, or another client holds
// the lock).
func (l *LuaLock) Unlock(ctx context.Context, lease Lease) error {
	return unlockScript(ctx, l.rt, l.conn, l.timeout, "lua", l.key, lease)
}

// Extend resets the key's TTL to TTL if, and only if, it still holds
// lease.Value, and returns the lease with Validity = local time at which
// the call was sent + TTL. It returns an error wrapping ErrNotOwner when the
// key no longer holds the value.
func (l *LuaLock) Extend(ctx context.Context, lease Lease) (Lease, error) {
	return extendScriptCall(ctx, l.rt, l.conn, l.timeout, "lua", l.key, l.ttl, lease)
}

func unlockScript(ctx context.Context, rt Runtime, conn Conn, timeout time.Duration, name, key string, lease Lease) error {
	if err := checkKey(lease, key); err != nil {
		return err
	}
	ctx, cancel := withTimeout(rt, ctx, timeout)
	defer cancel()
	n, err := intReply(eval(ctx, conn, releaseScript, []string{key}, lease.Value))
	if err != nil {
		return fmt.Errorf("%s %q: unlock: %w", name, key, err)
	}
	if n != 1 {
		return fmt.Errorf("%s %q: unlock: %w", name, key, ErrNotOwner)
	}
	return nil
}

func extendScriptCall(ctx context.Context, rt Runtime, conn Conn, timeout time.Duration, name, key string, ttl time.Duration, lease Lease) (Lease, error) {
	if err := checkKey(lease, key); err != nil {
		return Lease{}, err
	}
	ctx, cancel := withTimeout(rt, ctx, timeout)
	defer cancel()
	start := rt.Now()
	n, err := intReply(eval(ctx, conn, extendScript, []string{key}, lease.Value, millis(ttl)))
	if err != nil {
		return Lease{}, fmt.Errorf("%s %q: extend: %w", name, key, err)
	}
	if n != 1 {
		return Lease{}, fmt.Errorf("%s %q: extend: %w", name, key, ErrNotOwner)
	}
	lease.Validity = start.Add(ttl)
	return lease, nil
}
