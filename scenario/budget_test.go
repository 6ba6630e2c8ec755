package scenario

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/model"
)

// TestValidateRanges: every field out of the range the lock and the
// simulator can honour is refused with one sentence naming the field and
// the range; values at the edges of the ranges are accepted.
func TestValidateRanges(t *testing.T) {
	base := func(lock string) Config { return Config{Lock: lock, Clients: 2, Duration: Duration(10 * time.Second)} }
	cases := []struct {
		name string
		cfg  func() Config
		want string // "" for valid
	}{
		{"lua at the shortest TTL", func() Config { c := base("lua"); c.TTL = Duration(MinTTL); return c }, ""},
		{"lua below it", func() Config { c := base("lua"); c.TTL = Duration(MinTTL - 1); return c }, "ttl: 999.999µs is out of range [1ms, 24h0m0s] for lua"},
		{"mutex 1ns", func() Config { c := base("mutex"); c.TTL = 1; return c }, "ttl: 1ns is out of range"},
		{"redlock 9ms", func() Config { c := base("redlock"); c.TTL = Duration(9 * time.Millisecond); return c }, "ttl: 9ms is out of range [10ms, 24h0m0s] for redlock"},
		{"redlock 10ms", func() Config { c := base("redlock"); c.TTL = Duration(MinRedlockTTL); return c }, ""},
		{"ttl at the longest", func() Config { c := base("lua"); c.TTL = Duration(MaxTTL); return c }, ""},
		{"ttl that overflows its acquire timeout", func() Config { c := base("lua"); c.TTL = Duration(math.MaxInt64 / 3); return c }, "ttl: "},
		{"duration 24h", func() Config { c := base("lua"); c.Duration = Duration(MaxDuration); return c }, ""},
		{"duration past 24h", func() Config { c := base("lua"); c.Duration = Duration(MaxDuration + 1); return c }, "duration: "},
		{"huge acquire timeout", func() Config { c := base("lua"); c.AcquireTimeout = Duration(math.MaxInt64); return c }, "acquire_timeout: "},
		{"huge pace", func() Config { c := base("lua"); c.Pace = Duration(math.MaxInt64); return c }, "pace: "},
		{"tiny retry delay", func() Config { c := base("lua"); c.RetryDelay = 1; return c }, "retry_delay: 1ns is out of range [1ms, 100h0m0s]"},
		{"negative stagger", func() Config { c := base("lua"); c.Stagger = -1; return c }, "stagger: "},
		{"negative tries", func() Config { c := base("redlock"); c.Tries = -1; return c }, "tries: -1 is out of range 1..100000"},
		{"tries at the most", func() Config { c := base("redlock"); c.Tries = MaxTries; return c }, ""},
		{"tries past it", func() Config { c := base("lua"); c.Tries = MaxTries + 1; return c }, "tries: 100001 is out of range"},
		{"fault after the end", func() Config {
			c := base("lua")
			c.Faults = faults.Schedule{Faults: []faults.Fault{{Kind: faults.Pause, At: 500 * time.Hour, Node: "client-1", For: time.Second}}}
			return c
		}, "faults[0].at: 500h0m0s is after the end of the run (10s)"},
		{"fault at the end", func() Config {
			c := base("lua")
			c.Faults = faults.Schedule{Faults: []faults.Fault{{Kind: faults.Pause, At: 10 * time.Second, Node: "client-1", For: time.Second}}}
			return c
		}, ""},
		{"clock step of centuries", func() Config {
			c := base("lua")
			c.Faults = faults.Schedule{Faults: []faults.Fault{{Kind: faults.ClockStep, At: time.Second, Node: "redis-1", Step: math.MaxInt64}}}
			return c
		}, "faults[0].step: "},
	}
	for _, tc := range cases {
		err := tc.cfg().WithDefaults().Validate()
		if tc.want == "" {
			require.NoError(t, err, tc.name)
			continue
		}
		require.ErrorIs(t, err, ErrBadConfig, tc.name)
		require.Contains(t, err.Error(), tc.want, tc.name)
		require.NotContains(t, err.Error(), "\n", tc.name)
	}
}

// TestValidatedConfigsHaveNoOverflow: for any durations a validated config
// accepts, the derived durations (drain, horizon, liveness bound) are
// positive: nothing overflowed.
func TestValidatedConfigsHaveNoOverflow(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d := func(name string) Duration {
			return Duration(rapid.OneOf(rapid.Int64Range(0, int64(time.Hour)), rapid.Int64Range(0, math.MaxInt64)).Draw(rt, name))
		}
		c := Config{Lock: rapid.SampledFrom([]string{"lua", "redlock", "mutex"}).Draw(rt, "lock"), Clients: 1,
			TTL: d("ttl"), Duration: d("duration"), AcquireTimeout: d("acquire"), WorkMax: d("work"), Pace: d("pace"), Stagger: d("stagger")}
		c = c.WithDefaults()
		if c.Validate() != nil {
			return
		}
		h, ok := c.horizon()
		require.True(rt, ok)
		require.LessOrEqual(rt, h, MaxHorizon)
		require.Positive(rt, c.drain())
		require.Positive(rt, c.livenessBound())
		require.Positive(rt, c.Duration.D()+c.drain())
	})
}

// TestBudgetRefusesUpFront: a config whose estimate cannot fit the budget
// is refused before it runs, naming the duration, and the default budget
// admits a 24-hour run of the default config of every lock.
func TestBudgetRefusesUpFront(t *testing.T) {
	for _, lock := range []string{"lua", "redlock", "fenced", "setnx", "mutex"} {
		cfg := Config{Lock: lock, Duration: Duration(MaxDuration)}.WithDefaults()
		require.NoError(t, cfg.Validate())
		require.NoError(t, DefaultBudget.Fits(cfg), lock)
	}
	big := Config{Lock: "redlock", Clients: MaxClients, Nodes: MaxNodes, Duration: Duration(MaxDuration)}.WithDefaults()
	require.NoError(t, big.Validate())
	err := DefaultBudget.Fits(big)
	require.ErrorIs(t, err, ErrBudget)
	require.ErrorIs(t, err, ErrBadConfig)
	require.Contains(t, err.Error(), "duration: ")
	_, err = Run(big, 1, Options{})
	require.ErrorIs(t, err, ErrBudget)
}

// TestBudgetStopsARun: a run that passes its budget while running stops
// soon after, and its verdict is unknown with the reason; the same run
// with the default budget is decided.
func TestBudgetStopsARun(t *testing.T) {
	cfg := shortConfig("lua")
	cfg.Duration = Duration(time.Minute)
	full, err := Run(cfg, 1, Options{})
	require.NoError(t, err)
	_, over := full.BudgetExceeded()
	require.False(t, over)
	require.NotEqual(t, model.Unknown, full.Verdict)

	// measures Fits does not estimate, so the run starts and is stopped
	for _, b := range []Budget{{LogBytes: 2000}, {Events: 500}} {
		res, err := Run(cfg, 1, Options{Budget: &b})
		require.NoError(t, err)
		why, over := res.BudgetExceeded()
		require.True(t, over, "%+v", b)
		require.True(t, strings.HasPrefix(why, "budget exceeded: "), why)
		require.Contains(t, why, "more than")
		require.Equal(t, model.Unknown, res.Verdict)
		require.Less(t, len(res.History), len(full.History)/2, "it stopped early")
	}

	// every measure stops the execution within a slice of passing it
	for _, tc := range []struct {
		b    Budget
		want string
	}{
		{Budget{HistoryEvents: 40}, "history events"},
		{Budget{RedisCommands: 50}, "Redis commands"},
		{Budget{Memory: 40 * HistoryEventBytes}, "memory"},
	} {
		r := build(cfg, 1)
		why := r.execute(cfg.Duration.D()+cfg.drain(), tc.b)
		require.Contains(t, why, tc.want)
		require.Less(t, r.rec.len(), 40+200)
		require.Less(t, r.w.Elapsed(), cfg.Duration.D()/2)
		r.w.Close()
	}
	r := build(cfg, 1)
	require.Empty(t, r.execute(cfg.Duration.D()+cfg.drain(), DefaultBudget))
	r.w.Close()
}

// TestLongRunLogStaysFlat: over a long run the Redis nodes' write logs
// stay at a snapshot plus about a compaction's worth of commands, whatever
// the simulated time (uncompacted, they grew about 150 MB per simulated
// hour), for the lock with one node and the one with five.
func TestLongRunLogStaysFlat(t *testing.T) {
	for _, lock := range []string{"lua", "redlock"} {
		cfg := Config{Lock: lock, Duration: Duration(40 * time.Minute)}.WithDefaults()
		r := build(cfg, 1)
		var peak int64
		for end := 10 * time.Minute; end <= cfg.Duration.D(); end += 10 * time.Minute {
			require.Empty(t, r.execute(end, DefaultBudget))
			var bytes int64
			for _, rn := range r.redis {
				bytes += rn.LogBytes()
			}
			peak = max(peak, bytes)
		}
		cmds := r.w.Stats().Requests
		r.w.Close()
		require.Greater(t, cmds, uint64(4*4096*len(r.redis)), "%s: long enough to compact several times", lock)
		require.Less(t, peak, int64(len(r.redis))*3<<20, "%s: at most a few MB per node", lock)
	}
}
