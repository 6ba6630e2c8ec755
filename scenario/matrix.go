package scenario

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/locksim/locksim/locks"
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
	Seeds int         `json:"seeds"`
	From  uint64      `json:"from"`
	Locks []string    `json:"locks"`
	Rows  []MatrixRow `json:"rows"`
	Perf  []LockPerf  `json:"perf"`
	// Cells is the number of meaningful cells, Mismatch the number whose
	// measured outcome differs from the expected one.
	Cells     int   `json:"cells"`
	Mismatch  int   `json:"mismatches"`
	WallNanos int64 `json:"wall_ns"`
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
	// Runs is the number of seeds run; Unsafe, Stuck, Unknown and Safe
	// count them by Result.Outcome (they add up to Runs).
	Runs    int `json:"runs"`
	Unsafe  int `json:"unsafe"`
	Stuck   int `json:"stuck"`
	Unknown int `json:"unknown"`
	Safe    int `json:"safe"`
	// FirstFailing is the first seed with a violation (safety or
	// liveness); valid when Failed.
	FirstFailing uint64 `json:"first_failing,omitempty"`
	Failed       bool   `json:"failed"`
	// FirstUnknown is the first seed whose outcome was unknown, and
	// Undecided the checks that could not decide on it and why
	// (Result.Undecided); empty when no seed was unknown.
	FirstUnknown uint64   `json:"first_unknown,omitempty"`
	Undecided    []string `json:"undecided,omitempty"`
	// Refused, when set, is why the lock's backend cannot run the
	// scenario (e.g. a client clock fault for a library run unmodified):
	// the cell was not run.
	Refused string `json:"refused,omitempty"`
	// Measured is the outcome over the seeds, by Measure.
	Measured Expect `json:"measured,omitempty"`
	// Match: the measured outcome equals the expected one.
	Match bool `json:"match"`
}

// Measure is the outcome of a cell whose seeds gave the counts (runs in
// all): violation if at least 90% of the seeds found a safety violation;
// stuck if at least 90% were stuck and none unsafe; unknown if at least
// 90% were unknown and none unsafe or stuck; safe if every seed was safe;
// otherwise mixed, which no expectation matches. The 90% leaves room for
// a seed whose schedule misses the weakness aimed at; a safe cell gets no
// such room, since one violating (or undecided) seed refutes "safe".
func Measure(runs, unsafe, stuck, unknown int) Expect {
	need := (runs*9 + 9) / 10
	switch {
	case runs <= 0:
		return Mixed
	case unsafe >= need:
		return Unsafe
	case unsafe == 0 && stuck >= need:
		return Stuck
	case unsafe == 0 && stuck == 0 && unknown >= need:
		return Unknown
	case unsafe == 0 && stuck == 0 && unknown == 0:
		return Safe
	}
	return Mixed
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
			if e, ok := External(lock); ok {
				if err := e.Backend.Refuse(cfg); err != nil {
					cell.Meaningful, cell.Refused = false, err.Error()
					continue
				}
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
	undecided := make([][]string, len(tasks))
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
		if outcomes[i] == Unknown {
			undecided[i] = res.Undecided()
		}
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
		if t.cell != nil {
			t.cell.add(t.seed, outcomes[i], undecided[i])
		}
	}
	for r := range m.Rows {
		for j := range m.Rows[r].Cells {
			c := &m.Rows[r].Cells[j]
			if c.Meaningful {
				c.judge()
				m.Cells++
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

// add counts one seed's outcome (undecided: its Result.Undecided).
func (c *Cell) add(seed uint64, o Expect, undecided []string) {
	c.Runs++
	switch o {
	case Unsafe:
		c.Unsafe++
	case Stuck:
		c.Stuck++
	case Unknown:
		c.Unknown++
		if c.Undecided == nil {
			c.FirstUnknown, c.Undecided = seed, undecided
		}
	case Safe:
		c.Safe++
	default:
		panic(fmt.Sprintf("scenario: a run's outcome %q is not one of the four", o))
	}
	if (o == Unsafe || o == Stuck) && !c.Failed {
		c.Failed, c.FirstFailing = true, seed
	}
}

// judge sets Measured and Match from the counts. An undecided cell is
// never a match, whatever it expected: "could not decide" answers no
// question, so it is shown with its reason instead of a tick.
func (c *Cell) judge() {
	c.Measured = Measure(c.Runs, c.Unsafe, c.Stuck, c.Unknown)
	c.Match = c.Measured == c.Expected && c.Measured != Unknown
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
	for i, l := range o.Locks {
		if slices.Contains(o.Locks[:i], l) {
			return o, nil, fmt.Errorf("%w: lock: %q is listed twice (a column per lock)", ErrBadConfig, l)
		}
		if !slices.Contains(LockNames(), l) {
			return o, nil, fmt.Errorf("%w: lock: unknown lock %q (want one of %s)", ErrBadConfig, l, strings.Join(LockNames(), ", "))
		}
	}
	var scs []Named
	if len(o.Scenarios) == 0 {
		scs = Scenarios()
	}
	for i, name := range o.Scenarios {
		if slices.Contains(o.Scenarios[:i], name) {
			return o, nil, fmt.Errorf("%w: scenario: %q is listed twice (a row per scenario)", ErrBadConfig, name)
		}
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
