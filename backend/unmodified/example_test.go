package unmodified_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"

	"github.com/locksim/locksim/backend/unmodified"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/scenario"
)

// A team's lock: redislock on its go-redis client, with the lease a careful
// user computes (the TTL from the call). A GC pause longer than the TTL
// gives it two holders, which the spec expects.
func ExampleVerify() {
	rep, err := unmodified.Verify(scenario.Spec{Like: "lua", Name: "team-redislock", Scenario: "gc-pause", Seeds: 1, Expect: scenario.Unsafe},
		func(c []*redis.Client) (locks.Locker, error) { return &teamLock{rl: redislock.New(c[0])}, nil })
	fmt.Println(rep.Runs, rep.Outcomes[scenario.Unsafe], err)
	// Output: 1 1 <nil>
}

type teamLock struct {
	rl   *redislock.Client
	held *redislock.Lock
}

func (l *teamLock) Lock(ctx context.Context) (locks.Lease, error) {
	start := time.Now()
	lk, err := l.rl.Obtain(ctx, scenario.LockKey, 8*time.Second, &redislock.Options{RetryStrategy: redislock.LinearBackoff(50 * time.Millisecond)})
	if err != nil {
		return locks.Lease{}, fmt.Errorf("%w: %w", locks.ErrNotAcquired, err)
	}
	l.held = lk
	return locks.Lease{Key: scenario.LockKey, Value: lk.Token(), Validity: start.Add(8 * time.Second)}, nil
}

func (l *teamLock) Unlock(ctx context.Context, _ locks.Lease) error { return l.held.Release(ctx) }
