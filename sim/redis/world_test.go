package redis

import (
	"context"
	"errors"
	"github.com/locksim/locksim/sim"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedisRoundTrip(t *testing.T) {
	w := sim.NewWorld(1)
	defer w.Close()
	rn := AddNode(w, "redis", PersistNone)
	c := w.AddNode("client")
	conn := rn.Conn(c)
	var replies []any
	var errs []error
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		ctx := context.Background()
		for _, cmd := range [][]any{
			{"SET", "k", "v", "NX", "PX", 1000},
			{"SET", "k", "v2", "NX", "PX", 1000},
			{"GET", "k"},
			{"PTTL", "k"},
			{"GET", "missing"},
			{"EVAL", "return {1, 'a', redis.call('GET', KEYS[1])}", 1, "k"},
			{"LPUSH", "k", "x"},
		} {
			r, err := conn.Do(ctx, cmd...)
			replies = append(replies, r)
			errs = append(errs, err)
		}
	})
	w.Run(time.Minute)
	require.Len(t, replies, 7)
	assert.Equal(t, "OK", replies[0])
	assert.ErrorIs(t, errs[1], redis.Nil)
	assert.Equal(t, "v", replies[2])
	assert.IsType(t, int64(0), replies[3])
	assert.ErrorIs(t, errs[4], redis.Nil)
	assert.Equal(t, []any{int64(1), "a", "v"}, replies[5])
	var re Error
	assert.True(t, errors.As(errs[6], &re))
	assert.Contains(t, re.Error(), "WRONGTYPE")
	assert.Equal(t, uint64(7), rn.Commands())
}

func TestTimeoutWhileCommandExecutes(t *testing.T) {
	w := sim.NewWorld(2)
	defer w.Close()
	rn := AddNode(w, "redis", PersistNone)
	c := w.AddNode("client")
	w.SetExtraDelay(rn.Node(), c, time.Second) // replies are late
	var err error
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		ctx, cancel := rt.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err = rn.Conn(c).Do(ctx, "SET", "k", "v")
	})
	w.Run(time.Minute)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	v, ok := rn.Get("k")
	assert.True(t, ok)
	assert.Equal(t, "v", v)
}

func TestGroupAndMutex(t *testing.T) {
	w := sim.NewWorld(3)
	defer w.Close()
	n := w.AddNode("n")
	var order []int
	inside := 0
	w.Spawn(n, "main", func(rt *sim.Runtime) {
		mu := rt.NewMutex()
		g := rt.Group()
		for i := range 5 {
			g.Go(func() {
				require.NoError(t, mu.Lock(context.Background()))
				inside++
				assert.Equal(t, 1, inside)
				_ = rt.Sleep(context.Background(), time.Millisecond)
				inside--
				order = append(order, i)
				mu.Unlock()
			})
		}
		g.Wait()
		order = append(order, 99)
	})
	w.Run(time.Minute)
	require.Len(t, order, 6)
	assert.Equal(t, 99, order[5])
	assert.Equal(t, 5*time.Millisecond, w.Elapsed())
}

func TestMutexLockTimesOut(t *testing.T) {
	w := sim.NewWorld(4)
	defer w.Close()
	n := w.AddNode("n")
	var err error
	w.Spawn(n, "main", func(rt *sim.Runtime) {
		mu := rt.NewMutex()
		require.NoError(t, mu.Lock(context.Background()))
		g := rt.Group()
		g.Go(func() {
			ctx, cancel := rt.WithTimeout(context.Background(), time.Second)
			defer cancel()
			err = mu.Lock(ctx)
		})
		g.Wait()
		mu.Unlock()
	})
	w.Run(time.Minute)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, time.Second, w.Elapsed())
}

func TestStdContextOverSimContext(t *testing.T) {
	w := sim.NewWorld(5)
	defer w.Close()
	n := w.AddNode("n")
	var err error
	var at time.Duration
	w.Spawn(n, "main", func(rt *sim.Runtime) {
		ctx, cancel := rt.WithTimeout(context.Background(), time.Second)
		defer cancel()
		child, cancel2 := context.WithCancel(ctx)
		defer cancel2()
		err = rt.Sleep(child, time.Hour)
		at = w.Elapsed()
	})
	w.Run(2 * time.Hour)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, time.Second, at)
}

func TestCrashUnwindsAndRestartRunsProgram(t *testing.T) {
	w := sim.NewWorld(6)
	defer w.Close()
	n := w.AddNode("n")
	starts, deferred, after := 0, 0, 0
	n.OnStart(func(n *sim.Node) {
		starts++
		w.Spawn(n, "prog", func(rt *sim.Runtime) {
			defer func() {
				deferred++
				_ = rt.Now() // a seam call: unwinds again, reaches nothing
				after++
			}()
			for {
				_ = rt.Sleep(context.Background(), time.Second)
			}
		})
	})
	w.At(1500*time.Millisecond, func() { w.Crash(n) })
	w.At(3*time.Second, func() { w.Restart(n) })
	w.Run(5 * time.Second)
	assert.Equal(t, 2, starts)
	assert.Equal(t, 1, deferred)
	assert.Equal(t, 0, after)
}

func TestRedisPersistence(t *testing.T) {
	for _, tc := range []struct {
		p    Persistence
		keys []string
	}{
		{PersistNone, nil},
		{PersistEverysec, []string{"a", "b"}}, // a process crash: b reached the kernel
		{PersistAlways, []string{"a", "b"}},
	} {
		t.Run(tc.p.String(), func(t *testing.T) {
			w := sim.NewWorld(7)
			defer w.Close()
			rn := AddNode(w, "r", tc.p)
			c := w.AddNode("c")
			w.Spawn(c, "main", func(rt *sim.Runtime) {
				conn := rn.Conn(c)
				_, _ = conn.Do(context.Background(), "SET", "a", "1", "PX", 60000)
				_ = rt.Sleep(context.Background(), 5*time.Second)
				_, _ = conn.Do(context.Background(), "SET", "b", "1")
			})
			w.At(5500*time.Millisecond, func() { w.Crash(rn.Node()) })
			w.At(6*time.Second, func() { w.Restart(rn.Node()) })
			w.Run(10 * time.Second)
			if tc.keys == nil {
				assert.Empty(t, rn.Keys())
			} else {
				assert.Equal(t, tc.keys, rn.Keys())
			}
			if tc.p != PersistNone {
				// set about 3ms (one network latency) after start
				assert.InDelta(t, float64(50*time.Second), float64(rn.PTTL("a")), float64(5*time.Millisecond))
			}
		})
	}
}

func TestParsePersistence(t *testing.T) {
	for _, p := range []Persistence{PersistNone, PersistEverysec, PersistAlways} {
		q, err := ParsePersistence(p.String())
		require.NoError(t, err)
		assert.Equal(t, p, q)
	}
	_, err := ParsePersistence("sometimes")
	assert.ErrorIs(t, err, ErrBadPersistence)
}
