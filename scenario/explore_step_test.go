package scenario

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/faults"
)

// With Step, Explore runs From, From+Step, ... and each result is the run
// of its seed alone: the same trace as an unsharded exploration's. The
// summary names the undecided seeds and the failing ones.
func TestExploreStep(t *testing.T) {
	cfg := Config{Lock: "lua", Clients: 2, TTL: Duration(time.Second), Duration: Duration(5 * time.Second)}.WithDefaults()
	collect := func(from, step uint64, seeds int) (map[uint64]*Result, ExploreSummary) {
		got := map[uint64]*Result{}
		sum, err := Explore(context.Background(), ExploreOptions{
			Base: cfg, RandomFaults: true, Seeds: seeds, From: from, Step: step, Jobs: 2,
			OnResult: func(res *Result) { got[res.Seed] = res },
		})
		require.NoError(t, err)
		return got, sum
	}
	all, sumAll := collect(1, 1, 400)
	odd, _ := collect(1, 2, 200)
	require.Len(t, odd, 200)
	for seed, res := range odd {
		require.Equal(t, uint64(1), seed%2)
		require.Equal(t, all[seed].TraceHash, res.TraceHash, "seed %d", seed)
		require.Positive(t, res.Wall, "Explore measures each run's wall time")
	}
	require.NotEmpty(t, sumAll.Undecided, "this config gives undecided seeds")
	require.Len(t, sumAll.Undecided, sumAll.Unknown)
	for _, s := range sumAll.Undecided {
		require.Equal(t, Unknown, all[s].Outcome(), "seed %d", s)
	}
	require.Len(t, sumAll.Failing, sumAll.Violations())
}

// Signature keeps the lock, the failing checks and where the faults hit,
// not when: two schedules that differ only in times sign alike.
func TestSignature(t *testing.T) {
	pause := func(at time.Duration, node string) faults.Fault {
		return faults.Fault{Kind: faults.Pause, At: at, Node: node, For: time.Second}
	}
	a := faults.Schedule{Faults: []faults.Fault{pause(time.Second, "client-1"), pause(3*time.Second, "client-1")}}
	b := faults.Schedule{Faults: []faults.Fault{pause(2*time.Second, "client-1")}}
	c := faults.Schedule{Faults: []faults.Fault{pause(2*time.Second, "client-2")}}
	require.Equal(t, ScheduleShape(a), ScheduleShape(b))
	require.NotEqual(t, ScheduleShape(b), ScheduleShape(c))
	require.Equal(t, "-", ScheduleShape(faults.Schedule{}))

	cfg := namedConfig(t, "gc-pause", "lua")
	cfg.Clients = 2
	res, err := Run(cfg, 1, Options{})
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Equal(t, "lua/mutual-exclusion+linearizability/pause:holder", Signature(res))
	ok, err := Run(Config{Lock: "mutex", Clients: 2, Duration: Duration(2 * time.Second)}, 1, Options{})
	require.NoError(t, err)
	require.Empty(t, Signature(ok))
}
