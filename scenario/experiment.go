package scenario

import (
	"context"
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/locksim/locksim/sim"
)

// Experiments lists the experiments Experiment runs, by name.
var Experiments = []string{"retry-jitter"}

// RetryStrategy is one retry policy of the retry-jitter experiment.
type RetryStrategy struct {
	// Name describes it ("fixed 100ms", "random 50ms-250ms").
	Name string
	// Fixed is the fixed retry delay; zero means redlock's default, go-
	// redsync's uniform random delay in [50ms, 250ms).
	Fixed time.Duration
}

// JitterOptions configure the retry-jitter experiment.
type JitterOptions struct {
	// Clients contend on Nodes redlock nodes (defaults 5 and 5).
	Clients, Nodes int
	// Duration is each run's Config.Duration (default 30s): the virtual
	// time during which clients start acquires.
	Duration time.Duration
	// Seeds per strategy (default 8), from seed 1.
	Seeds int
	// Strategies compared (default: fixed 100ms, fixed 50ms, and go-
	// redsync's random 50-250ms).
	Strategies []RetryStrategy
	// Jobs is the number of runs at once (default 1).
	Jobs int
}

// JitterRow is what one retry strategy measured over all seeds.
type JitterRow struct {
	Strategy string `json:"strategy"`
	// LockCalls is the number of Lock calls that ended, Acquired those
	// that returned a lease, GaveUp those that did not.
	LockCalls int `json:"lock_calls"`
	Acquired  int `json:"acquired"`
	GaveUp    int `json:"gave_up"`
	// Rounds is the number of acquisition rounds (SET NX sent to every
	// node), Won those that reached a quorum.
	Rounds int `json:"rounds"`
	Won    int `json:"won"`
	// Busy rounds got no grant at all: a holder had the lock.
	Busy int `json:"busy"`
	// Partial rounds got some grants but fewer than a quorum.
	Partial int `json:"partial"`
	// SplitVotes are the contention clusters (rounds overlapping in time)
	// in which two or more clients got grants and none reached a quorum:
	// nobody won although the lock was free.
	SplitVotes int `json:"split_votes"`
	// FirstP50 and FirstP99: time from a Lock call to its lease (true
	// time), over the calls that acquired.
	FirstP50 time.Duration `json:"first_acquire_p50_ns"`
	FirstP99 time.Duration `json:"first_acquire_p99_ns"`
	// PerSecond is acquisitions per virtual second.
	PerSecond float64 `json:"acquisitions_per_virtual_second"`
}

// JitterConfig is the config of the retry-jitter experiment for s: clients
// with short critical sections that come back at once, so that they
// contend all the time, and no faults.
func JitterConfig(o JitterOptions, s RetryStrategy) Config {
	o = o.withDefaults()
	return Config{
		Lock: "redlock", Scenario: "retry-jitter", Clients: o.Clients, Nodes: o.Nodes,
		TTL: Duration(8 * time.Second), Duration: Duration(o.Duration),
		WorkMin: Duration(5 * time.Millisecond), WorkMax: Duration(20 * time.Millisecond),
		Pace: Duration(time.Nanosecond), RetryDelay: Duration(s.Fixed),
	}.WithDefaults()
}

func (o JitterOptions) withDefaults() JitterOptions {
	if o.Clients == 0 {
		o.Clients = 5
	}
	if o.Nodes == 0 {
		o.Nodes = 5
	}
	if o.Duration == 0 {
		o.Duration = 30 * time.Second
	}
	if o.Seeds == 0 {
		o.Seeds = 8
	}
	if len(o.Strategies) == 0 {
		o.Strategies = []RetryStrategy{
			{Name: "fixed 100ms", Fixed: 100 * time.Millisecond},
			{Name: "fixed 50ms", Fixed: 50 * time.Millisecond},
			{Name: "random 50ms-250ms (go-redsync)"},
		}
	}
	return o
}

// round is one acquisition round of one Lock call, as the Redis nodes saw
// it: the SET NX commands carrying the call's value.
type round struct {
	client     string
	start, end time.Duration
	nodes      []string
	grants     int
}

// roundRecorder groups the SET NX commands the Redis nodes execute into
// rounds: per lock value (one per Lock call), a new round starts when a
// node sees the value a second time.
type roundRecorder struct {
	rounds  []*round
	current map[string]*round
}

func (rr *roundRecorder) command(cmd redis.Command) {
	if len(cmd.Args) < 4 || !strings.EqualFold(cmd.Args[0], "SET") || !slices.ContainsFunc(cmd.Args, func(a string) bool { return strings.EqualFold(a, "NX") }) {
		return
	}
	value, node := cmd.Args[2], cmd.Node.Name()
	r := rr.current[value]
	if r == nil || slices.Contains(r.nodes, node) {
		r = &round{client: cmd.From.Name(), start: cmd.At}
		rr.current[value] = r
		rr.rounds = append(rr.rounds, r)
	}
	r.nodes = append(r.nodes, node)
	r.end = cmd.At
	if s, ok := cmd.Reply.(string); ok && s == "OK" && cmd.Err == nil {
		r.grants++
	}
}

// RetryJitter runs the retry-jitter experiment: for each strategy, Seeds
// runs of JitterConfig without faults, measured from the Redis nodes' SET
// NX commands (rounds, grants, split votes) and from the history (time to
// acquire, throughput).
func RetryJitter(ctx context.Context, o JitterOptions) ([]JitterRow, error) {
	o = o.withDefaults()
	type cell struct {
		rounds []*round
		stats  AcquireStats
		calls  int
		err    error
	}
	cells := make([]cell, len(o.Strategies)*o.Seeds)
	err := parallel(ctx, len(cells), max(o.Jobs, 1), func(i int) {
		s, seed := o.Strategies[i/o.Seeds], uint64(i%o.Seeds)+1
		rr := &roundRecorder{current: map[string]*round{}}
		var mu sync.Mutex // the hook runs on the run's scheduler; guard anyway
		hook := sim.Option(func(w *sim.World) {
			redis.OnCommand(w, func(cmd redis.Command) { mu.Lock(); rr.command(cmd); mu.Unlock() })
		})
		res, err := Run(JitterConfig(o, s), seed, Options{SimOptions: []sim.Option{hook}})
		if err != nil {
			cells[i].err = err
			return
		}
		cells[i].rounds, cells[i].stats = rr.rounds, Acquires(res.History)
		cells[i].calls = lockCalls(res)
	})
	if err != nil {
		return nil, err
	}
	var rows []JitterRow
	for k, s := range o.Strategies {
		row := JitterRow{Strategy: s.Name}
		var lat []time.Duration
		quorum := o.Nodes/2 + 1
		for _, c := range cells[k*o.Seeds : (k+1)*o.Seeds] {
			if c.err != nil {
				return nil, fmt.Errorf("retry-jitter %s: %w", s.Name, c.err)
			}
			row.LockCalls += c.calls
			row.Acquired += c.stats.Acquisitions
			lat = append(lat, c.stats.Latencies...)
			for _, r := range c.rounds {
				row.Rounds++
				switch {
				case r.grants >= quorum:
					row.Won++
				case r.grants == 0:
					row.Busy++
				default:
					row.Partial++
				}
			}
			row.SplitVotes += splitVotes(c.rounds, quorum)
		}
		row.GaveUp = row.LockCalls - row.Acquired
		row.FirstP50, row.FirstP99 = Percentile(lat, 50), Percentile(lat, 99)
		row.PerSecond = float64(row.Acquired) / (float64(o.Seeds) * o.Duration.Seconds())
		rows = append(rows, row)
	}
	return rows, nil
}

// lockCalls counts the acquire operations of res that completed.
func lockCalls(res *Result) int {
	n := 0
	for _, e := range res.History {
		if e.Op == "acquire" && e.IsCompletion() {
			n++
		}
	}
	return n
}

// splitVotes counts the clusters of rounds overlapping in time in which at
// least two rounds got grants and none reached the quorum.
func splitVotes(rounds []*round, quorum int) int {
	rs := slices.Clone(rounds)
	slices.SortStableFunc(rs, func(a, b *round) int { return int(a.start - b.start) })
	n := 0
	for i := 0; i < len(rs); {
		end, granted, won := rs[i].end, 0, false
		j := i
		for ; j < len(rs) && rs[j].start <= end; j++ {
			end = max(end, rs[j].end)
			if rs[j].grants > 0 {
				granted++
			}
			won = won || rs[j].grants >= quorum
		}
		if granted >= 2 && !won {
			n++
		}
		i = j
	}
	return n
}
