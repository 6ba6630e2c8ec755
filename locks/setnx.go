package locks

import (
	"context"
	"fmt"
	"time"
)

// SetnxOptions configure a SetnxLock. Zero fields take the documented
// defaults.
type SetnxOptions struct {
	// Key is the Redis key of the lock. Required.
	Key string
	// Tries bounds the number of SETNX attempts of one Lock; 0 (the
	// default) retries until ctx is done.
	Tries int
	// RetryDelay, when positive, is the fixed wait before every retry.
	// Otherwise the wait before retry i is uniform in
	// [MinRetryDelay, min(MinRetryDelay·2^i, MaxRetryDelay)].
	RetryDelay time.Duration
	// MinRetryDelay defaults to 10ms, MaxRetryDelay to 200ms.
	MinRetryDelay, MaxRetryDelay time.Duration
	// AttemptTimeout bounds each command (SETNX, DEL); default 1s, negative
	// for none (the caller's ctx only).
	AttemptTimeout time.Duration
}

// DefaultSetnxAttemptTimeout is SetnxOptions.AttemptTimeout's default.
const DefaultSetnxAttemptTimeout = time.Second

// SetnxLock is the article's first, naive lock: acquire with
// `SETNX key value`, release with `DEL key`. There is no TTL, so a holder
// that crashes leaves the lock held forever, and no owner check on release,
// so Unlock deletes the key whoever holds it. It is kept as written, as the
// baseline whose failure the article describes.
//
// A SetnxLock is safe for concurrent use if its Conn is.
type SetnxLock struct {
	rt      Runtime
	conn    Conn
	key     string
	retry   retry
	timeout time.Duration
}

var _ Locker = (*SetnxLock)(nil)

// NewSetnx returns a SetnxLock on conn, or an error wrapping
// ErrInvalidOptions.
func NewSetnx(rt Runtime, conn Conn, opts SetnxOptions) (*SetnxLock, error) {
	const name = "setnx"
	if rt == nil || conn == nil {
		return nil, invalid(name, "Runtime/Conn", "is nil")
	}
	if opts.Key == "" {
		return nil, invalid(name, "Key", "is empty")
	}
	p, err := newRetry(name, opts.Tries, opts.RetryDelay, opts.MinRetryDelay, opts.MaxRetryDelay)
	if err != nil {
		return nil, err
	}
	t := opts.AttemptTimeout
	if t == 0 {
		t = DefaultSetnxAttemptTimeout
	}
	return &SetnxLock{rt: rt, conn: conn, key: opts.Key, retry: p, timeout: t}, nil
}

// Lock sends `SETNX key value` until it returns 1, waiting between tries as
// the options say, or gives up with ErrNotAcquired when ctx is done or the
// tries run out. A try that fails with an error is retried; if it had in fact
// set the key, the key stays set (there is no TTL) and Lock cannot succeed
// again until someone deletes it. The lease has no Validity and no token.
func (l *SetnxLock) Lock(ctx context.Context) (Lease, error) {
	value, _, _, err := acquireLoop(ctx, l.rt, l.retry, l.timeout, func(ctx context.Context, value string) (bool, int64, error) {
		n, err := intReply(do(ctx, l.conn, "SETNX", l.key, value))
		return n == 1, 0, err
	})
	if err != nil {
		return Lease{}, fmt.Errorf("setnx %q: %w", l.key, err)
	}
	return Lease{Key: l.key, Value: value}, nil
}

// Unlock sends `DEL key`, without checking who holds the key: a holder
// whose lock was deleted by someone else, or a client passing any lease for
// this key, deletes the current holder's lock. It returns an error wrapping
// ErrNotOwner only when the key did not exist (DEL returned 0).
func (l *SetnxLock) Unlock(ctx context.Context, lease Lease) error {
	if err := checkKey(lease, l.key); err != nil {
		return err
	}
	ctx, cancel := withTimeout(l.rt, ctx, l.timeout)
	defer cancel()
	n, err := intReply(do(ctx, l.conn, "DEL", l.key))
	if err != nil {
		return fmt.Errorf("setnx %q: unlock: %w", l.key, err)
	}
	if n == 0 {
		return fmt.Errorf("setnx %q: unlock: %w: key did not exist", l.key, ErrNotOwner)
	}
	return nil
}
