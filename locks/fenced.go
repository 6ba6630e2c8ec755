package locks

import (
	"context"
	"fmt"
)

// FencedOptions configure a FencedLock: the LuaOptions, plus the counter
// key.
type FencedOptions struct {
	LuaOptions
	// TokenKey is the key of the per-lock counter whose INCR is the fencing
	// token; default Key + ":token". It has no TTL. Under Redis Cluster give
	// both keys the same hash tag (e.g. "{k}" and "{k}:token").
	TokenKey string
}

// FencedLock is the lua lock whose acquire script also increments a
// per-lock counter and returns it as the fencing token:
//
//	if redis.call("exists", KEYS[1]) == 0 then
//	  redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2])
//	  return redis.call("incr", KEYS[2]) end
//	return nil
//
// The token rides on the Lease (Fenced is true). It increases with every
// acquisition as long as the counter key survives (a Redis restart that
// loses it resets it). The lock itself is no safer than the lua lock; the
// safety comes from storage that rejects a token lower than the highest it
// has seen (Kleppmann's fencing). Release and Extend are the lua lock's.
//
// A FencedLock is safe for concurrent use if its Conn is.
type FencedLock struct {
	l        LuaLock
	tokenKey string
}

var (
	_ Locker   = (*FencedLock)(nil)
	_ Extender = (*FencedLock)(nil)
)

// NewFenced returns a FencedLock on conn, or an error wrapping
// ErrInvalidOptions.
func NewFenced(rt Runtime, conn Conn, opts FencedOptions) (*FencedLock, error) {
	l, err := validateLua("fenced", rt, conn, opts.LuaOptions)
	if err != nil {
		return nil, err
	}
	tk := opts.TokenKey
	if tk == "" {
		tk = opts.Key + ":token"
	}
	if tk == opts.Key {
		return nil, invalid("fenced", "TokenKey", "equals Key %q", tk)
	}
	return &FencedLock{l: l, tokenKey: tk}, nil
}

// Lock acquires as LuaLock.Lock does, with the fencing script; the lease
// carries the token.
func (f *FencedLock) Lock(ctx context.Context) (Lease, error) {
	l := &f.l
	value, start, token, err := acquireLoop(ctx, l.rt, l.retry, l.timeout, func(ctx context.Context, value string) (bool, int64, error) {
		reply, err := eval(ctx, l.conn, fencedAcquireScript, []string{l.key, f.tokenKey}, value, millis(l.ttl))
		if IsNil(err) {
			return false, 0, nil
		}
		n, err := intReply(reply, err)
		return err == nil, n, err
	})
	if err != nil {
		return Lease{}, fmt.Errorf("fenced %q: %w", l.key, err)
	}
	return Lease{Key: l.key, Value: value, Validity: start.Add(l.ttl), Token: token, Fenced: true}, nil
}

// Unlock is LuaLock.Unlock.
func (f *FencedLock) Unlock(ctx context.Context, lease Lease) error {
	return unlockScript(ctx, f.l.rt, f.l.conn, f.l.timeout, "fenced", f.l.key, lease)
}

// Extend is LuaLock.Extend; the token is unchanged.
func (f *FencedLock) Extend(ctx context.Context, lease Lease) (Lease, error) {
	return extendScriptCall(ctx, f.l.rt, f.l.conn, f.l.timeout, "fenced", f.l.key, f.l.ttl, lease)
}
