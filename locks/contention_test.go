package locks

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// contend has 5 clients, each with its own Locker from newLocker, take and
// release the lock 20 times each, holding it for 200µs, and checks that
// every Lock succeeds, that no two clients ever hold it at once, and that
// fencing tokens, where the lease has one, strictly increase.
func contend(ctx context.Context, t *testing.T, newLocker func() Locker) {
	t.Helper()
	const clients, rounds = 5, 20
	var holders, most, acquired atomic.Int64
	var wg sync.WaitGroup
	var lastToken atomic.Int64
	for c := 0; c < clients; c++ {
		l := newLocker()
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			for i := 0; i < rounds; i++ {
				lease, err := l.Lock(ctx)
				if !assert.NoError(t, err) {
					return
				}
				h := holders.Add(1)
				if h > most.Load() {
					most.Store(h)
				}
				if lease.Fenced {
					assert.Greater(t, lease.Token, lastToken.Load(), "fencing token did not increase")
					lastToken.Store(lease.Token)
				}
				time.Sleep(200 * time.Microsecond)
				holders.Add(-1)
				acquired.Add(1)
				assert.NoError(t, l.Unlock(ctx, lease))
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, most.Load(), "more than one holder at a time")
	assert.EqualValues(t, clients*rounds, acquired.Load())
}
