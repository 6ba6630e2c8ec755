package scenario

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// shortConfig is a cheap run of lock for tests: 3 clients, TTL 1s, 10s
// (room for random faults: 7s of faults, then 3s of quiet).
func shortConfig(lock string) Config {
	return Config{Lock: lock, Clients: 3, TTL: Duration(time.Second), Duration: Duration(10 * time.Second)}.WithDefaults()
}

// namedConfig is the config of the named scenario for lock.
func namedConfig(t *testing.T, scenario, lock string) Config {
	t.Helper()
	sc, err := Lookup(scenario)
	require.NoError(t, err)
	cfg, err := sc.Config(lock)
	require.NoError(t, err)
	return cfg
}

func TestExploreSameForAnyJobs(t *testing.T) {
	explore := func(jobs int) ([]string, ExploreSummary) {
		var got []string
		sum, err := Explore(context.Background(), ExploreOptions{
			Base: shortConfig("lua"), RandomFaults: true, Seeds: 8, From: 3, Jobs: jobs,
			OnResult: func(res *Result) { got = append(got, res.TraceHash+" "+string(res.Outcome())) },
		})
		require.NoError(t, err)
		return got, sum
	}
	one, s1 := explore(1)
	two, s2 := explore(2)
	require.Len(t, one, 8)
	require.Equal(t, one, two)
	require.Equal(t, s1.Failing, s2.Failing)
	require.Equal(t, s1.Runs, s2.Runs)
}

func TestExploreRandomScheduleFromSeed(t *testing.T) {
	cfg := shortConfig("redlock")
	a, b := RandomSchedule(cfg, 7), RandomSchedule(cfg, 7)
	require.Equal(t, a.String(), b.String())
	require.NotEqual(t, a.String(), RandomSchedule(cfg, 8).String())
}

func TestExploreRejectsBadBase(t *testing.T) {
	_, err := Explore(context.Background(), ExploreOptions{Base: Config{Lock: "nope"}, Seeds: 1})
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = Explore(context.Background(), ExploreOptions{Base: shortConfig("lua"), Seeds: 0})
	require.ErrorIs(t, err, ErrBadConfig)
}

func TestExploreFindsGCPause(t *testing.T) {
	cfg := namedConfig(t, "gc-pause", "lua")
	sum, err := Explore(context.Background(), ExploreOptions{Base: cfg, Seeds: 3, From: 1, Jobs: 2})
	require.NoError(t, err)
	require.Equal(t, 3, sum.Runs)
	require.Equal(t, 3, sum.Unsafe)
	first, ok := sum.FirstFailing()
	require.True(t, ok)
	require.Equal(t, uint64(1), first)
	require.InDelta(t, 1.0, sum.Rate(), 1e-9)
}
