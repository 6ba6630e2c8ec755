package scenario

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/locksim/locksim/faults"
)

// randomFaultsStream is the second word of the PCG seed of the random
// fault schedule of a seed, so that the schedule's stream is not the
// world's.
const randomFaultsStream = 0x6c6f636b73696d // "locksim"

// RandomSchedule is the swarm schedule (faults.Random) of cfg for seed:
// derived from the seed alone, so `--faults random --seed N` always means
// the same schedule. For an external lock, the faults its backend refuses
// (client clock faults, for a library run unmodified) are left out.
func RandomSchedule(cfg Config, seed uint64) faults.Schedule {
	cfg = cfg.WithDefaults()
	r := rand.New(rand.NewPCG(seed, randomFaultsStream))
	s := faults.Random(r, cfg.Topology(), cfg.Duration.D(), cfg.TTL.D())
	if e, ok := External(cfg.Lock); ok {
		var keep []faults.Fault
		for _, f := range s.Faults {
			one := cfg
			one.Faults = faults.Schedule{Faults: []faults.Fault{f}}
			if e.Backend.Refuse(one) == nil {
				keep = append(keep, f)
			}
		}
		s.Faults = keep
	}
	return s
}

// ExploreOptions say which runs Explore makes.
type ExploreOptions struct {
	// Base is the config of every run.
	Base Config
	// RandomFaults replaces Base's schedule, for each seed, with
	// RandomSchedule(Base, seed).
	RandomFaults bool
	// Seeds is the number of seeds, From the first, Step the distance
	// between two (0 or 1: consecutive): seeds From, From+Step, ...,
	// From+(Seeds-1)*Step. A shard i/n of a range takes every n-th seed
	// (Step n), so that shards of an open-ended search never overlap.
	Seeds int
	From  uint64
	Step  uint64
	// Jobs is the number of runs at once (0 or 1: one).
	Jobs int
	// Options are the options of every run. VisualizeDir, if set, is the
	// parent directory: each run gets its own subdirectory
	// ArtifactName(...)+"-viz", created only if a visualization is written.
	Options Options
	// OnResult, if set, is called with every result in seed order, from
	// one goroutine at a time, whatever Jobs is.
	OnResult func(res *Result)
}

// ExploreSummary is what Explore found.
type ExploreSummary struct {
	// Runs is the number of runs completed.
	Runs int
	// Unsafe counts runs with a safety violation, Stuck runs with only a
	// liveness violation, Unknown runs that no check found in violation
	// and some could not decide (Result.Outcome); the rest were safe.
	Unsafe, Stuck, Unknown int
	// Failing lists the first MaxFailingListed seeds with any violation,
	// in order (the counts above cover them all), so that the summary does
	// not grow with the number of seeds.
	Failing []uint64
	// Undecided lists the first MaxFailingListed seeds whose outcome is
	// unknown, in order: an undecided seed is named, never only counted.
	Undecided []uint64
	// TimeToFirst is the wall time from the start to the report of the
	// first failing seed (0 when none failed).
	TimeToFirst time.Duration
	// Wall is the wall time of the whole exploration.
	Wall time.Duration
}

// MaxFailingListed bounds ExploreSummary.Failing.
const MaxFailingListed = 1000

// MaxSeeds bounds the seeds of one exploration: a million runs take days on
// one machine; more is a mistake, or the work of many shards (--shard).
const MaxSeeds = 1_000_000

// Violations is the number of runs with a violation (safety or liveness).
func (s ExploreSummary) Violations() int { return s.Unsafe + s.Stuck }

// Rate is the fraction of runs with a violation.
func (s ExploreSummary) Rate() float64 {
	if s.Runs == 0 {
		return 0
	}
	return float64(s.Violations()) / float64(s.Runs)
}

// FirstFailing returns the first seed with a violation.
func (s ExploreSummary) FirstFailing() (uint64, bool) {
	if len(s.Failing) == 0 {
		return 0, false
	}
	return s.Failing[0], true
}

// SeedsPerSecond is the exploration's throughput in wall time.
func (s ExploreSummary) SeedsPerSecond() float64 {
	if s.Wall <= 0 {
		return 0
	}
	return float64(s.Runs) / s.Wall.Seconds()
}

// step is the distance between two seeds.
func (o ExploreOptions) step() uint64 { return max(o.Step, 1) }

// SeedAt is the seed of the i-th run (from 0).
func (o ExploreOptions) SeedAt(i int) uint64 { return o.From + uint64(i)*o.step() }

// ConfigFor returns the config of the run of seed.
func (o ExploreOptions) ConfigFor(seed uint64) Config {
	cfg := o.Base.WithDefaults()
	if o.RandomFaults {
		cfg.Faults = RandomSchedule(cfg, seed)
	}
	return cfg
}

// Explore runs the seeds of o, Jobs at a time, and reports every result to
// OnResult in seed order: the results, the summary's counts and the order
// of reports are the same for any Jobs. Cancelling ctx stops it after the
// runs in progress; the summary then covers the runs reported. An invalid
// Base gives an error wrapping ErrBadConfig before any run.
func Explore(ctx context.Context, o ExploreOptions) (ExploreSummary, error) {
	if o.Seeds < 1 || o.Seeds > MaxSeeds {
		return ExploreSummary{}, fmt.Errorf("%w: seeds: %d is out of range 1..%d", ErrBadConfig, o.Seeds, MaxSeeds)
	}
	if o.From > math.MaxUint64-uint64(o.Seeds-1)*o.step() {
		return ExploreSummary{}, fmt.Errorf("%w: from: seeds %d.. would pass the largest seed", ErrBadConfig, o.From)
	}
	first := o.ConfigFor(o.From)
	if err := first.Validate(); err != nil {
		return ExploreSummary{}, err
	}
	if err := o.Options.budget().Fits(first); err != nil {
		return ExploreSummary{}, err
	}
	jobs := max(o.Jobs, 1)
	start := time.Now()
	var sum ExploreSummary
	report := func(res *Result) {
		sum.Runs++
		switch res.Outcome() {
		case Unsafe:
			sum.Unsafe++
		case Stuck:
			sum.Stuck++
		case Unknown:
			sum.Unknown++
			if len(sum.Undecided) < MaxFailingListed {
				sum.Undecided = append(sum.Undecided, res.Seed)
			}
		}
		if res.Failed() {
			if len(sum.Failing) == 0 {
				sum.TimeToFirst = time.Since(start)
			}
			if len(sum.Failing) < MaxFailingListed {
				sum.Failing = append(sum.Failing, res.Seed)
			}
		}
		if o.OnResult != nil {
			o.OnResult(res)
		}
	}
	err := runOrdered(ctx, o, jobs, report)
	sum.Wall = time.Since(start)
	return sum, err
}

// runOrdered runs the seeds on jobs workers and calls report in seed
// order. At most 4·jobs results wait to be reported, so memory does not
// grow with the number of seeds.
func runOrdered(ctx context.Context, o ExploreOptions, jobs int, report func(*Result)) error {
	type done struct {
		i   int
		res *Result
		err error
	}
	window := make(chan struct{}, 4*jobs)
	next := make(chan int)
	results := make(chan done)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				seed := o.SeedAt(i)
				start := time.Now()
				res, err := Run(o.ConfigFor(seed), seed, o.runOptions(seed))
				if res != nil {
					res.Wall = time.Since(start)
				}
				results <- done{i, res, err}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := 0; i < o.Seeds; i++ {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				<-window
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	pending := map[int]done{}
	want := 0
	var firstErr error
	for d := range results {
		pending[d.i] = d
		for {
			p, ok := pending[want]
			if !ok {
				break
			}
			delete(pending, want)
			want++
			<-window
			if p.err != nil {
				if firstErr == nil { // one error, not one per seed: memory stays flat
					firstErr = p.err
				}
				continue
			}
			if firstErr == nil {
				report(p.res)
			}
		}
	}
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// runOptions are the options of the run of seed.
func (o ExploreOptions) runOptions(seed uint64) Options {
	opts := o.Options
	if opts.VisualizeDir != "" {
		opts.VisualizeDir = VisualizeDirFor(opts.VisualizeDir, o.ConfigFor(seed), seed)
	}
	return opts
}
