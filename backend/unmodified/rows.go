package unmodified

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/bsm/redislock"
	"github.com/go-redsync/redsync/v4"
	redsyncredis "github.com/go-redsync/redsync/v4/redis"
	goredisv9 "github.com/go-redsync/redsync/v4/redis/goredis/v9"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/scenario"
)

// The library rows: thin adapters from locks.Locker and locks.Extender to
// the libraries' own calls, registered with the scenario layer so that
// every simrun command and Config can name them.
func init() {
	for _, r := range Rows() {
		scenario.RegisterLock(r)
	}
}

const (
	redsyncModule   = "github.com/go-redsync/redsync/v4"
	redislockModule = "github.com/bsm/redislock"
)

// Rows returns the built-in rows of published libraries.
func Rows() []scenario.ExternalLock {
	return []scenario.ExternalLock{
		{Name: "redsync", Like: "redlock", Version: version(redsyncModule), Backend: processBackend,
			New: func(env locks.Env, cfg scenario.Config) (locks.Locker, error) { return NewRedsync(env, cfg) }},
		{Name: "redsync-setnx-extend", Like: "redlock", Version: version(redsyncModule) + " WithSetNXOnExtend", Backend: processBackend,
			New: func(env locks.Env, cfg scenario.Config) (locks.Locker, error) {
				return NewRedsync(env, cfg, redsync.WithSetNXOnExtend())
			}},
		{Name: "redislock", Like: "lua", Version: version(redislockModule), Backend: processBackend,
			New: func(env locks.Env, cfg scenario.Config) (locks.Locker, error) { return NewRedislock(env, cfg, nil) }},
		{Name: "redislock-noretry", Like: "lua", Version: version(redislockModule) + " defaults (NoRetry)", Backend: processBackend,
			New: func(env locks.Env, cfg scenario.Config) (locks.Locker, error) {
				return NewRedislock(env, cfg, redislock.NoRetry())
			}},
	}
}

// version is the module's version in the running binary.
func version(module string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == module {
				return module + " " + d.Version
			}
		}
	}
	return module + " (version unknown)"
}

// Redsync is go-redsync, unmodified, over one go-redis client per Redis
// node of the run.
type Redsync struct {
	c    *client
	rs   *redsync.Redsync
	opts []redsync.Option
	m    *redsync.Mutex // the mutex of the lease held, if any
}

// NewRedsync builds a go-redsync lock for the client whose env this is,
// with cfg's TTL (expiry), retry delay, drift factor and tries, and extra options
// after them. Its randomness comes from the task's seeded source through
// go-redsync's options: WithGenValueFunc, WithRetryDelayFunc (its default
// delay, uniform in [50ms, 250ms), drawn from that source), and
// WithShufflePools(false).
func NewRedsync(env locks.Env, cfg scenario.Config, extra ...redsync.Option) (*Redsync, error) {
	c, err := newClient(env)
	if err != nil {
		return nil, err
	}
	pools := make([]redsyncredis.Pool, len(c.redis))
	for i, rc := range c.redis {
		pools[i] = goredisv9.NewPool(rc)
	}
	opts := []redsync.Option{
		redsync.WithExpiry(cfg.TTL.D()),
		redsync.WithShufflePools(false),
		redsync.WithGenValueFunc(func() (string, error) { return c.value(), nil }),
		redsync.WithRetryDelayFunc(func(int) time.Duration {
			if cfg.RetryDelay > 0 {
				return cfg.RetryDelay.D()
			}
			return 50*time.Millisecond + time.Duration(c.rng.IntN(200))*time.Millisecond
		}),
	}
	if cfg.DriftFactor != nil {
		opts = append(opts, redsync.WithDriftFactor(*cfg.DriftFactor))
	}
	if cfg.Tries > 0 {
		opts = append(opts, redsync.WithTries(cfg.Tries))
	}
	return &Redsync{c: c, rs: redsync.New(pools...), opts: append(opts, extra...)}, nil
}

// Lock calls Mutex.LockContext.
func (l *Redsync) Lock(ctx context.Context) (locks.Lease, error) {
	bctx, cancel, err := l.c.context(ctx)
	if err != nil {
		return locks.Lease{}, fmt.Errorf("%w: %w", locks.ErrNotAcquired, err)
	}
	defer cancel()
	m := l.rs.NewMutex(scenario.LockKey, l.opts...)
	l.c.foreign(func() { err = m.LockContext(bctx) })
	if err != nil {
		return locks.Lease{}, fmt.Errorf("%w: %w", locks.ErrNotAcquired, indeterminate(bctx, err))
	}
	l.m = m
	return locks.Lease{Key: scenario.LockKey, Value: m.Value(), Validity: l.c.simTime(m.Until())}, nil
}

// Unlock calls Mutex.UnlockContext. A release every node refused as
// expired is a definite ErrNotOwner; any other failure may have deleted
// the key on some nodes (ErrNoQuorum: indeterminate).
func (l *Redsync) Unlock(ctx context.Context, lease locks.Lease) error {
	m := l.m
	if m == nil || m.Value() != lease.Value {
		return locks.ErrNotOwner
	}
	bctx, cancel, err := l.c.context(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	var ok bool
	l.c.foreign(func() { ok, err = m.UnlockContext(bctx) })
	l.m = nil
	if ok {
		return nil
	}
	var rerr *redsync.RedisError
	var taken *redsync.ErrNodeTaken
	if errors.Is(err, redsync.ErrLockAlreadyExpired) && !errors.As(err, &rerr) && !errors.As(err, &taken) {
		return fmt.Errorf("%w: %w", locks.ErrNotOwner, err)
	}
	return fmt.Errorf("%w: %w: %w", locks.ErrNotOwner, locks.ErrNoQuorum, indeterminate(bctx, err))
}

// Extend calls Mutex.ExtendContext.
func (l *Redsync) Extend(ctx context.Context, lease locks.Lease) (locks.Lease, error) {
	m := l.m
	if m == nil || m.Value() != lease.Value {
		return lease, locks.ErrNotOwner
	}
	bctx, cancel, err := l.c.context(ctx)
	if err != nil {
		return lease, err
	}
	defer cancel()
	var ok bool
	l.c.foreign(func() { ok, err = m.ExtendContext(bctx) })
	if !ok {
		return lease, fmt.Errorf("%w: %w: redsync extend: %w", locks.ErrNotOwner, locks.ErrNoQuorum, indeterminate(bctx, errors.Join(err, redsync.ErrExtendFailed)))
	}
	lease.Validity = l.c.simTime(m.Until())
	return lease, nil
}

// Redislock is bsm/redislock, unmodified, over one go-redis client.
type Redislock struct {
	c     *client
	rl    *redislock.Client
	ttl   time.Duration
	retry func() redislock.RetryStrategy
	held  *redislock.Lock
}

// NewRedislock builds a redislock lock for the client whose env this is,
// with cfg's TTL. retry nil: a linear backoff of cfg's retry delay if set,
// else an exponential backoff from 16ms to TTL/8 (redislock's README
// advises a minimum of 16ms). Tokens come from the task's seeded source
// (Options.Token). Since redislock returns no validity, the lease's is the
// one a careful user computes: the time Obtain was called plus the TTL.
func NewRedislock(env locks.Env, cfg scenario.Config, retry redislock.RetryStrategy) (*Redislock, error) {
	c, err := newClient(env)
	if err != nil {
		return nil, err
	}
	if len(c.redis) != 1 {
		return nil, fmt.Errorf("unmodified: redislock runs on one Redis node, got %d", len(c.redis))
	}
	l := &Redislock{c: c, rl: redislock.New(c.redis[0]), ttl: cfg.TTL.D()}
	switch {
	case retry != nil:
		l.retry = func() redislock.RetryStrategy { return retry }
	case cfg.RetryDelay > 0:
		l.retry = func() redislock.RetryStrategy { return redislock.LinearBackoff(cfg.RetryDelay.D()) }
	default:
		l.retry = func() redislock.RetryStrategy { return redislock.ExponentialBackoff(16*time.Millisecond, l.ttl/8) }
	}
	return l, nil
}

// Lock calls Client.Obtain.
func (l *Redislock) Lock(ctx context.Context) (locks.Lease, error) {
	bctx, cancel, err := l.c.context(ctx)
	if err != nil {
		return locks.Lease{}, fmt.Errorf("%w: %w", locks.ErrNotAcquired, err)
	}
	defer cancel()
	token := l.c.value()
	var lk *redislock.Lock
	var start time.Time
	l.c.foreign(func() {
		start = time.Now()
		lk, err = l.rl.Obtain(bctx, scenario.LockKey, l.ttl, &redislock.Options{Token: token, RetryStrategy: l.retry()})
	})
	if err != nil {
		return locks.Lease{}, fmt.Errorf("%w: %w", locks.ErrNotAcquired, indeterminate(bctx, err))
	}
	l.held = lk
	return locks.Lease{Key: scenario.LockKey, Value: lk.Token(), Validity: l.c.simTime(start.Add(l.ttl))}, nil
}

// Unlock calls Lock.Release: ErrLockNotHeld is a definite ErrNotOwner.
func (l *Redislock) Unlock(ctx context.Context, lease locks.Lease) error {
	lk := l.held
	if lk == nil || lk.Token() != lease.Value {
		return locks.ErrNotOwner
	}
	bctx, cancel, err := l.c.context(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	l.c.foreign(func() { err = lk.Release(bctx) })
	l.held = nil
	if errors.Is(err, redislock.ErrLockNotHeld) {
		return fmt.Errorf("%w: %w", locks.ErrNotOwner, err)
	}
	if err != nil {
		return fmt.Errorf("redislock release: %w", indeterminate(bctx, err))
	}
	return nil
}

// Extend calls Lock.Refresh with the TTL.
func (l *Redislock) Extend(ctx context.Context, lease locks.Lease) (locks.Lease, error) {
	lk := l.held
	if lk == nil || lk.Token() != lease.Value {
		return lease, locks.ErrNotOwner
	}
	bctx, cancel, err := l.c.context(ctx)
	if err != nil {
		return lease, err
	}
	defer cancel()
	var start time.Time
	l.c.foreign(func() {
		start = time.Now()
		err = lk.Refresh(bctx, l.ttl, nil)
	})
	if errors.Is(err, redislock.ErrNotObtained) {
		return lease, fmt.Errorf("%w: %w", locks.ErrNotOwner, err)
	}
	if err != nil {
		return lease, fmt.Errorf("redislock refresh: %w", indeterminate(bctx, err))
	}
	lease.Validity = l.c.simTime(start.Add(l.ttl))
	return lease, nil
}
