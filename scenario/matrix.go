package scenario

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/model"
)

// MatrixOptions select the cells of a matrix and how many seeds each gets.
type MatrixOptions struct {
	// Seeds per cell (default 1), starting at From (default 1).
	Seeds int
	From  uint64
	// Locks and Scenarios restrict the matrix (default all, in the order
	// of locks.Names and Scenarios).
	Locks, Scenarios []string
	// Jobs is the number of runs at once (default GOMAXPROCS).
	Jobs int
	// Options are the options of every run.
	Options Options
}

// Matrix is the expected-outcome table of the literature, measured: one
// row per scenario, one cell per lock, then each lock's acquire latency and
// throughput without faults.
type Matrix struct {
	Seeds     int         `json:"seeds"`
	From      uint64      `json:"from"`
	Locks     []string    `json:"locks"`
	Rows      []MatrixRow `json:"rows"`
	Perf      []LockPerf  `json:"perf"`
	Mismatch  int         `json:"mismatches"`
	WallNanos int64       `json:"wall_ns"`
}

// MatrixRow is one scenario.
type MatrixRow struct {
	Scenario string `json:"scenario"`
	Summary  string `json:"summary"`
	Cells    []Cell `json:"cells"`
}

// Cell is one scenario for one lock over the matrix's seeds.
type Cell struct {
	Lock string `json:"lock"`
	// Meaningful is false for a lock the scenario does not apply to ("–"):
	// it was not run.
	Meaningful bool `json:"meaningful"`
	// Expected is the expected outcome, Why its reason; Literature is the
	// literature's prediction where locksim found it wrong.
	Expected   Expect `json:"expected,omitempty"`
	Why        string `json:"why,omitempty"`
	Literature Expect `json:"literature,omitempty"`
	// Runs is the number of seeds run; Unsafe, Stuck and Unknown count
	// them as ExploreSummary does.
	Runs    int `json:"runs"`
	Unsafe  int `json:"unsafe"`
	Stuck   int `json:"stuck"`
	Unknown int `json:"unknown"`
	// FirstFailing is the first seed with a violation (safety or
	// liveness); valid when Failed.
	FirstFailing uint64 `json:"first_failing,omitempty"`
	Failed       bool   `json:"failed"`
	// Measured summarises the cell as Expect does: violation if any seed
	// was unsafe, else stuck if any was stuck, else safe.
	Measured Expect `json:"measured,omitempty"`
	// Match: the measurement agrees with the expectation by the rule of
	// the expected-outcome test (a violation or stuck cell in at least 90%
	// of the seeds, a safe cell never unsafe).
	Match bool `json:"match"`
}

// LockPerf is a lock's acquire latency and throughput in simulated time,
// from fault-free runs of the base configuration over the matrix's seeds.
type LockPerf struct {
	Lock         string `json:"lock"`
	Acquisitions int    `json:"acquisitions"`
	// P50 and P99 of acquire latency (invoke to ok, true time).
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	// PerSecond is acquisitions per virtual second.
	PerSecond float64 `json:"per_virtual_second"`
}

// PerfConfig is the fault-free configuration of lock whose runs the
// matrix measures latency and throughput on: the named scenarios' base
// (5 clients, TTL 8s, 40s) with critical sections of 1-5ms and no pause
// between them, so that the lock's own cost (round trips, retry delays)
// dominates. The latency of an acquire includes its wait for the others.
func PerfConfig(lock string) Config {
	c := base(lock)
	c.WorkMin, c.WorkMax, c.Pace = Duration(time.Millisecond), Duration(5*time.Millisecond), Duration(time.Nanosecond)
	return c
}

// RunMatrix runs every meaningful (scenario, lock) cell of o over its seeds,
// and the fault-free runs of each lock, Jobs runs at once. The result does
// not depend on Jobs. Unknown lock or scenario names give an error.
func RunMatrix(ctx context.Context, o MatrixOptions) (*Matrix, error) {
	start := time.Now()
	o, scs, err := o.resolve()
	if err != nil {
		return nil, err
	}
	m := &Matrix{Seeds: o.Seeds, From: o.From, Locks: o.Locks}
	type task struct {
		cell *Cell
		perf int // index into perf runs, or -1
		cfg  Config
		seed uint64
	}
	var tasks []task
	for _, sc := range scs {
		row := MatrixRow{Scenario: sc.Name, Summary: sc.Summary, Cells: make([]Cell, len(o.Locks))}
		for j, lock := range o.Locks {
			row.Cells[j] = Cell{Lock: lock}
		}
		m.Rows = append(m.Rows, row)
	}
	for r, sc := range scs {
		for j, lock := range o.Locks {
			exp, ok := sc.Expected(lock)
			if !ok {
				continue
			}
			cell := &m.Rows[r].Cells[j]
			cell.Meaningful, cell.Expected, cell.Why, cell.Literature = true, exp.Expect, exp.Why, exp.Literature
			cfg, err := sc.Config(lock)
			if err != nil {
				return nil, err
			}
			for k := range o.Seeds {
				tasks = append(tasks, task{cell: cell, perf: -1, cfg: cfg, seed: o.From + uint64(k)})
			}
		}
	}
	perfRuns := make([]AcquireStats, len(o.Locks)*o.Seeds)
	for j, lock := range o.Locks {
		for k := range o.Seeds {
			tasks = append(tasks, task{perf: j*o.Seeds + k, cfg: PerfConfig(lock), seed: o.From + uint64(k)})
		}
	}
	outcomes := make([]Expect, len(tasks))
	unknown := make([]bool, len(tasks))
	errs := make([]error, len(tasks))
	perr := parallel(ctx, len(tasks), o.Jobs, func(i int) {
		t := tasks[i]
		res, err := Run(t.cfg, t.seed, o.Options)
		if err != nil {
			errs[i] = err
			return
		}
		if t.perf >= 0 {
			perfRuns[t.perf] = Acquires(res.History)
			return
		}
		outcomes[i] = res.Outcome()
		unknown[i] = outcomes[i] == Safe && res.Verdict == model.Unknown
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if perr != nil {
		return nil, perr
	}
	for i, t := range tasks {
		if t.cell == nil {
			continue
		}
		c := t.cell
		c.Runs++
		switch outcomes[i] {
		case Unsafe:
			c.Unsafe++
		case Stuck:
			c.Stuck++
		}
		if unknown[i] {
			c.Unknown++
		}
		if outcomes[i] != Safe && !c.Failed {
			c.Failed, c.FirstFailing = true, t.seed
		}
	}
	for r := range m.Rows {
		for j := range m.Rows[r].Cells {
			c := &m.Rows[r].Cells[j]
			if c.Meaningful {
				c.judge()
				if !c.Match {
					m.Mismatch++
				}
			}
		}
	}
	for j, lock := range o.Locks {
		m.Perf = append(m.Perf, lockPerf(lock, perfRuns[j*o.Seeds:(j+1)*o.Seeds], PerfConfig(lock).Duration.D()))
	}
	m.WallNanos = int64(time.Since(start))
	return m, nil
}

// judge sets Measured and Match from the counts.
func (c *Cell) judge() {
	switch {
	case c.Unsafe > 0:
		c.Measured = Unsafe
	case c.Stuck > 0:
		c.Measured = Stuck
	default:
		c.Measured = Safe
	}
	need := (c.Runs*9 + 9) / 10
	switch c.Expected {
	case Safe:
		c.Match = c.Unsafe == 0
	case Unsafe:
		c.Match = c.Unsafe >= need
	case Stuck:
		c.Match = c.Stuck >= need && c.Unsafe == 0
	}
}

func lockPerf(lock string, runs []AcquireStats, d time.Duration) LockPerf {
	p := LockPerf{Lock: lock}
	var all []time.Duration
	for _, r := range runs {
		p.Acquisitions += r.Acquisitions
		all = append(all, r.Latencies...)
	}
	p.P50, p.P99 = Percentile(all, 50), Percentile(all, 99)
	if len(runs) > 0 && d > 0 {
		p.PerSecond = float64(p.Acquisitions) / (float64(len(runs)) * d.Seconds())
	}
	return p
}

// resolve applies the defaults of o and looks up its names.
func (o MatrixOptions) resolve() (MatrixOptions, []Named, error) {
	if o.Seeds == 0 {
		o.Seeds = 1
	}
	if o.Seeds < 0 {
		return o, nil, fmt.Errorf("%w: seeds: %d, want at least 1", ErrBadConfig, o.Seeds)
	}
	if o.From == 0 {
		o.From = 1
	}
	if o.Jobs <= 0 {
		o.Jobs = runtime.GOMAXPROCS(0)
	}
	if len(o.Locks) == 0 {
		o.Locks = locks.Names()
	}
	for _, l := range o.Locks {
		if !slices.Contains(locks.Names(), l) {
			return o, nil, fmt.Errorf("%w: lock: unknown lock %q (want one of %s)", ErrBadConfig, l, strings.Join(locks.Names(), ", "))
		}
	}
	var scs []Named
	if len(o.Scenarios) == 0 {
		scs = Scenarios()
	}
	for _, name := range o.Scenarios {
		sc, err := Lookup(name)
		if err != nil {
			return o, nil, fmt.Errorf("%w: scenario: %w", ErrBadConfig, err)
		}
		scs = append(scs, sc)
	}
	return o, scs, nil
}

// Check reports the first unknown lock or scenario of o, naming it.
func (o MatrixOptions) Check() error {
	_, _, err := o.resolve()
	return err
}
