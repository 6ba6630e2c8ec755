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
	spec := scenario.Spec{Like: "lua", Name: "team-redislock", Scenario: "gc-pause", Seeds: 1, Expect: scenario.Unsafe}
	rep, err := unmodified.Verify(spec, func(c []*redis.Client) (locks.Locker, error) {
		rl, ttl, held := redislock.New(c[0]), 8*time.Second, (*redislock.Lock)(nil)
		return locks.Funcs{
			LockFunc: func(ctx context.Context) (lease locks.Lease, err error) {
				start := time.Now()
				if held, err = rl.Obtain(ctx, scenario.LockKey, ttl, &redislock.Options{RetryStrategy: redislock.LinearBackoff(50 * time.Millisecond)}); err != nil {
					return lease, fmt.Errorf("%w: %w", locks.ErrNotAcquired, err)
				}
				return locks.Lease{Key: scenario.LockKey, Value: held.Token(), Validity: start.Add(ttl)}, nil
			},
			UnlockFunc: func(ctx context.Context, _ locks.Lease) error { return held.Release(ctx) },
		}, nil
	})
	fmt.Println(rep.Runs, rep.Outcomes[scenario.Unsafe], err)
	// Output: 1 1 <nil>
}
