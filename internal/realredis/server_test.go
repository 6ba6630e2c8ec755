package realredis

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func client(t *testing.T, s *Server) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// The shim steps the server's wall clock (TIME) and leaves the test's.
func TestClockShimSteps(t *testing.T) {
	s := StartT(t, Config{Shim: ShimT(t)})
	c := client(t, s)
	ctx := context.Background()
	before, err := c.Time(ctx).Result()
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), before, time.Second, "no shift yet")
	s.Clock().Step(-time.Hour)
	after, err := c.Time(ctx).Result()
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(-time.Hour), after, time.Second)
	s.Clock().Step(2 * time.Hour)
	s.Clock().SetRate(1) // twice as fast from now on
	r0 := time.Now()
	t0, _ := c.Time(ctx).Result()
	time.Sleep(200 * time.Millisecond)
	t1, _ := c.Time(ctx).Result()
	real := time.Since(r0)
	assert.InDelta(t, 2*real, t1.Sub(t0), float64(real/4), "real %s", real)
}

// kill -9, then a restart on the same port and directory replays the AOF;
// without one the server restarts empty.
func TestKillRestart(t *testing.T) {
	for _, p := range []Persistence{None, Always} {
		t.Run(string(p), func(t *testing.T) {
			s := StartT(t, Config{Persistence: p})
			c := client(t, s)
			ctx := context.Background()
			require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
			pid := s.PID()
			require.NoError(t, s.Kill())
			assert.Equal(t, 0, s.PID())
			assert.Error(t, c.Ping(ctx).Err(), "down: connection refused")
			require.NoError(t, s.Restart())
			assert.NotEqual(t, pid, s.PID())
			n, err := c.Exists(ctx, "k").Result()
			require.NoError(t, err)
			assert.Equal(t, map[Persistence]int64{None: 0, Always: 1}[p], n)
		})
	}
}

// A paused server answers nothing until resumed.
func TestPauseResume(t *testing.T) {
	s := StartT(t, Config{})
	c := client(t, s)
	require.NoError(t, c.Ping(context.Background()).Err())
	require.NoError(t, s.Pause())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var ne net.Error
	err := c.Ping(ctx).Err()
	require.ErrorAs(t, err, &ne, "paused: %v", err)
	assert.True(t, ne.Timeout())
	require.NoError(t, s.Resume())
	assert.NoError(t, c.Ping(context.Background()).Err())
}
