package locks

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// RedlockOptions configure a Redlock. Zero fields take go-redsync's
// defaults.
type RedlockOptions struct {
	// Key is the Redis key of the lock on every node. Required.
	Key string
	// Expiry is the key's TTL on each node (PX); default 8s, at least 1ms.
	Expiry time.Duration
	// Tries is the number of acquisition rounds of one Lock; default 32.
	Tries int
	// DriftFactor: the validity is shortened by Expiry·DriftFactor for
	// clock drift; default 0.01 when nil, in [0, 1).
	DriftFactor *float64
	// TimeoutFactor: every round (acquire, release, extend) runs under a
	// timeout of Expiry·TimeoutFactor; default 0.05, in (0, 1].
	TimeoutFactor float64
	// Quorum is the number of nodes that must grant the lock; default
	// len(conns)/2+1. A smaller quorum is accepted (for experiments) and is
	// unsafe.
	Quorum int
	// DelayFunc, when set, is the wait before round try (1 for the first
	// retry), drawn with r (the Lock call's own source).
	DelayFunc func(try int, r *rand.Rand) time.Duration
	// RetryDelay, when positive and DelayFunc is nil, is the fixed wait
	// before every retry.
	RetryDelay time.Duration
	// Otherwise the wait is uniform in [MinRetryDelay, MaxRetryDelay);
	// defaults 50ms and 250ms (go-redsync's).
	MinRetryDelay, MaxRetryDelay time.Duration
}

// Defaults of RedlockOptions, go-redsync's.
const (
	DefaultRedlockExpiry        = 8 * time.Second
	DefaultRedlockTries         = 32
	DefaultRedlockDriftFactor   = 0.01
	DefaultRedlockTimeoutFactor = 0.05
	DefaultRedlockMinRetryDelay = 50 * time.Millisecond
	DefaultRedlockMaxRetryDelay = 250 * time.Millisecond
)

// Redlock is go-redsync's Redlock over N independent Redis nodes (one Conn
// each):
//
//   - Lock draws one random value for the whole call. Before every round but
//     the first it waits the retry delay, or gives up with ErrNotAcquired if
//     ctx is done first. A round sends `SET key value NX PX expiry` to all
//     nodes in parallel (Runtime.Group, one function per node, each with its
//     own Conn) under a timeout of expiry·timeoutFactor, reading start =
//     Now() before and now = Now() after. until = now + expiry − (now −
//     start) − expiry·driftFactor. If n ≥ quorum nodes granted and now <
//     until, Lock returns a lease with Validity until. If no node granted and
//     some failed with an error, Lock returns at once (no release, no
//     retry), as go-redsync does. Otherwise it releases on all nodes (owner-
//     checked) and retries; if the release of the last round fails, that
//     error is returned.
//   - Unlock runs the owner-checked compare-and-delete script on all nodes in
//     parallel and succeeds if at least quorum nodes deleted the key.
//   - Extend runs an owner-checked PEXPIRE script on all nodes in parallel;
//     with a quorum, it recomputes the validity as Lock does (from the
//     round's start and end) and fails with ErrExpired if it has passed.
//
// Deviation from go-redsync: Unlock and Extend also run under the round
// timeout (go-redsync bounds them by the caller's ctx only), so a lost reply
// cannot hang them. Like go-redsync, the validity carries no fixed margin
// beyond the drift factor.
//
// A Redlock is safe for concurrent use if its Conns are.
type Redlock struct {
	rt      Runtime
	conns   []Conn
	key     string
	expiry  time.Duration
	tries   int
	drift   time.Duration
	timeout time.Duration
	quorum  int
	delay   func(try int, r *rand.Rand) time.Duration
	spare   atomic.Pointer[fanout] // the fan-out of the last round, for the next
}

var (
	_ Locker   = (*Redlock)(nil)
	_ Extender = (*Redlock)(nil)
)

// NewRedlock returns a Redlock over conns (one per node), or an error
// wrapping ErrInvalidOptions.
func NewRedlock(rt Runtime, conns []Conn, opts RedlockOptions) (*Redlock, error) {
	const name = "redlock"
	if rt == nil {
		return nil, invalid(name, "Runtime", "is nil")
	}
	if len(conns) == 0 {
		return nil, invalid(name, "Conns", "is empty, want one per node")
	}
	for i, c := range conns {
		if c == nil {
			return nil, invalid(name, "Conns", "[%d] is nil", i)
		}
	}
	if opts.Key == "" {
		return nil, invalid(name, "Key", "is empty")
	}
	l := &Redlock{rt: rt, conns: append([]Conn(nil), conns...), key: opts.Key}

	l.expiry = opts.Expiry
	if l.expiry == 0 {
		l.expiry = DefaultRedlockExpiry
	}
	if l.expiry < time.Millisecond {
		return nil, invalid(name, "Expiry", "is %v, want >= 1ms", l.expiry)
	}
	l.tries = opts.Tries
	if l.tries == 0 {
		l.tries = DefaultRedlockTries
	}
	if l.tries < 0 {
		return nil, invalid(name, "Tries", "is %d, want > 0", l.tries)
	}
	df := DefaultRedlockDriftFactor
	if opts.DriftFactor != nil {
		df = *opts.DriftFactor
	}
	if math.IsNaN(df) || df < 0 || df >= 1 {
		return nil, invalid(name, "DriftFactor", "is %v, want in [0, 1)", df)
	}
	l.drift = time.Duration(int64(float64(l.expiry) * df))
	tf := opts.TimeoutFactor
	if tf == 0 {
		tf = DefaultRedlockTimeoutFactor
	}
	if math.IsNaN(tf) || tf <= 0 || tf > 1 {
		return nil, invalid(name, "TimeoutFactor", "is %v, want in (0, 1]", tf)
	}
	l.timeout = time.Duration(int64(float64(l.expiry) * tf))
	if l.timeout <= 0 {
		return nil, invalid(name, "TimeoutFactor", "%v of Expiry %v is no time at all", tf, l.expiry)
	}
	l.quorum = opts.Quorum
	if l.quorum == 0 {
		l.quorum = len(conns)/2 + 1
	}
	if l.quorum < 1 || l.quorum > len(conns) {
		return nil, invalid(name, "Quorum", "is %d, want in [1, %d]", l.quorum, len(conns))
	}
	switch {
	case opts.DelayFunc != nil:
		l.delay = opts.DelayFunc
	case opts.RetryDelay < 0:
		return nil, invalid(name, "RetryDelay", "is %v, want >= 0", opts.RetryDelay)
	case opts.RetryDelay > 0:
		d := opts.RetryDelay
		l.delay = func(int, *rand.Rand) time.Duration { return d }
	default:
		lo, hi := opts.MinRetryDelay, opts.MaxRetryDelay
		if lo == 0 {
			lo = DefaultRedlockMinRetryDelay
		}
		if hi == 0 {
			hi = DefaultRedlockMaxRetryDelay
		}
		if lo < 0 {
			return nil, invalid(name, "MinRetryDelay", "is %v, want >= 0", lo)
		}
		if hi < lo {
			return nil, invalid(name, "MaxRetryDelay", "is %v, want >= MinRetryDelay (%v)", hi, lo)
		}
		l.delay = func(_ int, r *rand.Rand) time.Duration {
			if hi == lo {
				return lo
			}
			return lo + time.Duration(r.Int64N(int64(hi-lo)))
		}
	}
	return l, nil
}

// Quorum returns the number of nodes that must agree.
func (l *Redlock) Quorum() int { return l.quorum }

// Lock acquires the lock as the type's documentation says.
func (l *Redlock) Lock(ctx context.Context) (Lease, error) {
	r := l.rt.Rand()
	value := newValue(r)
	px := millis(l.expiry)
	for i := 0; i < l.tries; i++ {
		if i != 0 {
			if err := l.rt.Sleep(ctx, l.delay(i, r)); err != nil {
				return Lease{}, fmt.Errorf("redlock %q: %w", l.key, notAcquired(err, "gave up after %d rounds", i))
			}
		}
		start := l.rt.Now()
		n, err := l.round(ctx, func(ctx context.Context, c Conn) (bool, error) {
			return okReply(do(ctx, c, "SET", l.key, value, "NX", "PX", px))
		})
		if n == 0 && err != nil {
			return Lease{}, fmt.Errorf("redlock %q: %w", l.key, notAcquired(err, "round %d: no node granted", i+1))
		}
		now := l.rt.Now()
		until := now.Add(l.expiry - now.Sub(start) - l.drift)
		if n >= l.quorum && now.Before(until) {
			return Lease{Key: l.key, Value: value, Validity: until}, nil
		}
		_, err = l.round(ctx, func(ctx context.Context, c Conn) (bool, error) {
			return release(ctx, c, l.key, value)
		})
		if i == l.tries-1 && err != nil {
			return Lease{}, fmt.Errorf("redlock %q: %w", l.key, notAcquired(err, "release after the last round"))
		}
	}
	return Lease{}, fmt.Errorf("redlock %q: %w", l.key, notAcquired(nil, "gave up after %d rounds", l.tries))
}

// Unlock releases the lock on every node holding lease.Value. It fails
// with an error wrapping ErrNoQuorum when fewer than quorum nodes released
// it; that error also wraps ErrNotOwner when every other node answered that
// it did not hold the value, and otherwise the nodes' errors.
func (l *Redlock) Unlock(ctx context.Context, lease Lease) error {
	if err := checkKey(lease, l.key); err != nil {
		return err
	}
	n, err := l.round(ctx, func(ctx context.Context, c Conn) (bool, error) {
		return release(ctx, c, l.key, lease.Value)
	})
	if n < l.quorum {
		return fmt.Errorf("redlock %q: unlock: %w", l.key, l.noQuorum(n, err))
	}
	return nil
}

// Extend resets the TTL to Expiry on every node holding lease.Value. With
// at least quorum nodes it returns the lease with Validity recomputed as in
// Lock; if that has already passed it fails with ErrExpired. With fewer it
// fails as Unlock does.
func (l *Redlock) Extend(ctx context.Context, lease Lease) (Lease, error) {
	if err := checkKey(lease, l.key); err != nil {
		return Lease{}, err
	}
	start := l.rt.Now()
	n, err := l.round(ctx, func(ctx context.Context, c Conn) (bool, error) {
		k, err := intReply(eval(ctx, c, extendScript, []string{l.key}, lease.Value, millis(l.expiry)))
		return k == 1, err
	})
	if n < l.quorum {
		return Lease{}, fmt.Errorf("redlock %q: extend: %w", l.key, l.noQuorum(n, err))
	}
	now := l.rt.Now()
	until := now.Add(l.expiry - now.Sub(start) - l.drift)
	if !now.Before(until) {
		return Lease{}, fmt.Errorf("redlock %q: extend: %w", l.key, ErrExpired)
	}
	lease.Validity = until
	return lease, nil
}

func (l *Redlock) noQuorum(n int, err error) error {
	e := fmt.Errorf("%w: %d of %d nodes, quorum %d", ErrNoQuorum, n, len(l.conns), l.quorum)
	if err == nil {
		return fmt.Errorf("%w: %w", e, ErrNotOwner)
	}
	return fmt.Errorf("%w: %w", e, err)
}

// release is the owner-checked delete on one node.
func release(ctx context.Context, c Conn, key, value string) (bool, error) {
	n, err := intReply(eval(ctx, c, releaseScript, []string{key}, value))
	return n == 1, err
}

// round runs f on every node in parallel, under the round timeout, and
// returns how many returned true and the errors of those that did not,
// joined in node order.
func (l *Redlock) round(ctx context.Context, f func(ctx context.Context, c Conn) (bool, error)) (int, error) {
	ctx, cancel := l.rt.WithTimeout(ctx, l.timeout)
	defer cancel()
	fo := l.spare.Swap(nil) // nil while another round of this Redlock runs
	if fo == nil || len(fo.tasks) != len(l.conns) {
		fo = newFanout(len(l.conns))
	}
	fo.conns = l.conns
	n, err := fo.run(l.rt, ctx, f)
	l.spare.Store(fo)
	return n, err
}
