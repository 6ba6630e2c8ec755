package mutate

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// DefaultFiles are the built-in locks' source files.
var DefaultFiles = []string{
	"locks/lua.go", "locks/setnx.go", "locks/redlock.go", "locks/fenced.go",
	"locks/lease.go", "locks/mutex.go", "locks/fanout.go", "locks/scripts.go",
}

// Config is one measurement.
type Config struct {
	Root  string     // the repository
	Files []string   // the files to mutate, relative to Root, all in one package
	Locks []string   // only these locks (empty: every lock the registry has)
	Ops   []Operator // only these operators (empty: all)
	IDs   []string   // only these mutants (empty: all)
	Max   int        // at most this many mutants, sampled evenly (0: all)
	Seeds int        // seeds per named scenario
	// RandomSeeds is the number of seeds of random faults per lock.
	RandomSeeds  int
	Jobs         int // mutants at once
	RunTimeout   time.Duration
	BuildTimeout time.Duration
	Work         string // scratch directory (made if missing)
	Go           string // the go command
	Log          io.Writer
}

// Status of a mutant for one lock.
type Status string

// The statuses.
const (
	Killed      Status = "killed"
	Survived    Status = "survived"
	NotCompiled Status = "not compiled"
)

// Result is what one mutant did to one lock.
type Result struct {
	Mutant Mutant `json:"mutant"`
	Lock   string `json:"lock"`
	Status Status `json:"status"`
	Kill   *Kill  `json:"kill,omitempty"`
	// Why a mutant did not compile (the first error).
	Why string `json:"why,omitempty"`
	// Runs is the number of simrun runs spent on it.
	Runs int `json:"runs"`
}

// Report is a whole measurement.
type Report struct {
	Seeds       int `json:"seeds"`
	RandomSeeds int `json:"random_seeds"`
	// Mutants is the number generated before --lock and --max.
	Mutants int `json:"mutants_generated"`
	// Cases are, per lock, the cases run and how the unmutated lock fared;
	// only its safe cases can kill.
	Baseline map[string][]BaseCase `json:"baseline"`
	Results  []Result              `json:"results"`
	Elapsed  string                `json:"elapsed"`
}

// BaseCase is one case of the unmutated lock.
type BaseCase struct {
	Case    Case    `json:"case"`
	Outcome Outcome `json:"outcome"`
}

// Prepare generates the mutants of cfg, assigns them their locks, keeps
// those of cfg.Locks, cfg.Ops and cfg.IDs, samples cfg.Max of them and marks the ones that do
// not type-check. It runs nothing; Measure does.
func Prepare(cfg Config) (all int, ms []Mutant, notCompiled map[string]string, err error) {
	if len(cfg.Files) == 0 {
		return 0, nil, nil, fmt.Errorf("no files to mutate")
	}
	dir := filepath.ToSlash(filepath.Dir(filepath.FromSlash(cfg.Files[0])))
	ms, err = Generate(cfg.Root, cfg.Files)
	if err != nil {
		return 0, nil, nil, err
	}
	pkg, err := LoadPackage(cfg.Root, dir)
	if err != nil {
		return 0, nil, nil, err
	}
	if err := pkg.Reach(ms); err != nil {
		return 0, nil, nil, err
	}
	all = len(ms)
	ms = FilterLocks(ms, cfg.Locks)
	ms = slices.DeleteFunc(ms, func(m Mutant) bool {
		return (len(cfg.Ops) > 0 && !slices.Contains(cfg.Ops, m.Operator)) || (len(cfg.IDs) > 0 && !slices.Contains(cfg.IDs, m.ID))
	})
	ms = Sample(ms, cfg.Max)
	notCompiled = map[string]string{}
	for _, m := range ms {
		ok, why, err := pkg.Compiles(m)
		if err != nil {
			return 0, nil, nil, err
		}
		if !ok {
			notCompiled[m.ID] = why
		}
	}
	return all, ms, notCompiled, nil
}

// FilterLocks keeps the mutants that reach one of locks, with their Locks
// narrowed to those; no locks keeps every mutant that reaches any lock.
func FilterLocks(ms []Mutant, locks []string) []Mutant {
	var out []Mutant
	for _, m := range ms {
		var keep []string
		for _, l := range m.Locks {
			if len(locks) == 0 || slices.Contains(locks, l) {
				keep = append(keep, l)
			}
		}
		if len(keep) > 0 {
			m.Locks = keep
			out = append(out, m)
		}
	}
	return out
}

// Sample picks n of ms, evenly spaced in generation order, so that a quick
// run still sees every file and operator; n <= 0 or n >= len keeps all.
func Sample(ms []Mutant, n int) []Mutant {
	if n <= 0 || n >= len(ms) {
		return ms
	}
	out := make([]Mutant, 0, n)
	for i := range n {
		out = append(out, ms[i*len(ms)/n])
	}
	return out
}

// Measure runs the whole measurement: the unmutated lock's cases, then
// every mutant of ms that compiles, cfg.Jobs at a time, each in its own
// copy of the tree.
func Measure(ctx context.Context, cfg Config, ms []Mutant, notCompiled map[string]string) (Report, error) {
	t0 := time.Now()
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}
	if err := os.MkdirAll(cfg.Work, 0o755); err != nil {
		return Report{}, fmt.Errorf("making the work directory: %w", err)
	}
	locks := locksOf(ms)

	// The unmutated binary and its outcomes.
	baseDir := filepath.Join(cfg.Work, "base")
	if err := os.MkdirAll(baseDir, 0o755); err != nil {
		return Report{}, err
	}
	logf("building the unmutated simrun")
	base := Simrun{Bin: filepath.Join(baseDir, "simrun"), Dir: baseDir, Timeout: cfg.RunTimeout}
	if err := Build(ctx, cfg.Go, cfg.Root, base.Bin, cfg.BuildTimeout); err != nil {
		return Report{}, fmt.Errorf("the unmutated tree does not build: %w", err)
	}
	scen, err := base.Scenarios(ctx)
	if err != nil {
		return Report{}, err
	}
	orders := map[string][]Case{}
	tables := map[string]Table{}
	rep := Report{Seeds: cfg.Seeds, RandomSeeds: cfg.RandomSeeds, Baseline: map[string][]BaseCase{}}
	for _, lock := range locks {
		orders[lock] = cases(scen[lock], cfg.Seeds, cfg.RandomSeeds)
		tables[lock] = runAll(ctx, base, lock, orders[lock], cfg.Jobs)
		safe := 0
		for _, c := range orders[lock] {
			rep.Baseline[lock] = append(rep.Baseline[lock], BaseCase{Case: c, Outcome: tables[lock][c]})
			if tables[lock][c] == Safe {
				safe++
			}
		}
		logf("baseline %s: %d cases, %d safe (only these can kill)", lock, len(orders[lock]), safe)
	}

	// The mutants.
	var todo []Mutant
	for _, m := range ms {
		if why, bad := notCompiled[m.ID]; bad {
			for _, l := range m.Locks {
				rep.Results = append(rep.Results, Result{Mutant: m, Lock: l, Status: NotCompiled, Why: why})
			}
			continue
		}
		todo = append(todo, m)
	}
	logf("%d mutants: %d to run, %d do not type-check", len(ms), len(todo), len(ms)-len(todo))
	var (
		mu   sync.Mutex
		next int
		done int
		wg   sync.WaitGroup
		errs []error
	)
	for w := range max(cfg.Jobs, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wdir := filepath.Join(cfg.Work, fmt.Sprintf("w%d", w))
			tree := filepath.Join(wdir, "tree")
			if err := os.RemoveAll(wdir); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			if err := CopyTree(cfg.Root, tree, cfg.Work); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("copying the tree: %w", err))
				mu.Unlock()
				return
			}
			for {
				mu.Lock()
				if next >= len(todo) || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				m := todo[next]
				next++
				mu.Unlock()
				rs, err := runMutant(ctx, cfg, wdir, tree, m, orders, tables)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				rep.Results = append(rep.Results, rs...)
				done++
				for _, r := range rs {
					logf("[%d/%d] %s %s %s %s: %s %s", done, len(todo), m.ID, r.Lock, m.Where(), m.Operator, r.Status, killText(r))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return rep, fmt.Errorf("measuring: %w", errs[0])
	}
	slices.SortFunc(rep.Results, func(a, b Result) int {
		if a.Mutant.ID != b.Mutant.ID {
			return compareStr(a.Mutant.ID, b.Mutant.ID)
		}
		return compareStr(a.Lock, b.Lock)
	})
	rep.Elapsed = time.Since(t0).Round(time.Second).String()
	return rep, ctx.Err()
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func killText(r Result) string {
	switch {
	case r.Kill != nil:
		return "by " + r.Kill.String()
	case r.Why != "":
		return r.Why
	}
	return ""
}

// locksOf are the locks any of ms reaches, sorted.
func locksOf(ms []Mutant) []string {
	var out []string
	for _, m := range ms {
		for _, l := range m.Locks {
			out = appendNew(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// cases are the named scenarios' seeds 1..seeds, then random faults'
// seeds 1..random.
func cases(scenarios []string, seeds, random int) []Case {
	var out []Case
	for _, s := range scenarios {
		for i := 1; i <= seeds; i++ {
			out = append(out, Case{Scenario: s, Seed: int64(i)})
		}
	}
	for i := 1; i <= random; i++ {
		out = append(out, Case{Seed: int64(i)})
	}
	return out
}

// runAll runs every case with s, jobs at a time.
func runAll(ctx context.Context, s Simrun, lock string, cs []Case, jobs int) Table {
	t := Table{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan Case)
	for range max(jobs, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				o := s.Run(ctx, lock, c)
				mu.Lock()
				t[c] = o
				mu.Unlock()
			}
		}()
	}
	for _, c := range cs {
		work <- c
	}
	close(work)
	wg.Wait()
	return t
}

// runMutant applies m in the worker's tree, builds it, restores the tree,
// and runs each of m's locks on the cases where the original is safe until
// one kills it.
func runMutant(ctx context.Context, cfg Config, wdir, tree string, m Mutant, orders map[string][]Case, tables map[string]Table) ([]Result, error) {
	file := filepath.Join(tree, filepath.FromSlash(m.File))
	orig, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, m.Src, 0o644); err != nil {
		return nil, err
	}
	bin := filepath.Join(wdir, "simrun")
	buildErr := Build(ctx, cfg.Go, tree, bin, cfg.BuildTimeout)
	if err := os.WriteFile(file, orig, 0o644); err != nil {
		return nil, err
	}
	var out []Result
	if buildErr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for _, l := range m.Locks {
			out = append(out, Result{Mutant: m, Lock: l, Status: NotCompiled, Why: buildErr.Error()})
		}
		return out, nil
	}
	runDir := filepath.Join(wdir, "run")
	s := Simrun{Bin: bin, Dir: runDir, Timeout: cfg.RunTimeout}
	for _, l := range m.Locks {
		if err := os.RemoveAll(runDir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(runDir, 0o755); err != nil {
			return nil, err
		}
		r := Result{Mutant: m, Lock: l, Status: Survived}
		mt := Table{}
		for _, c := range Candidates(orders[l], tables[l]) {
			mt[c] = s.Run(ctx, l, c)
			r.Runs++
			if k, ok := Judge(l, []Case{c}, tables[l], mt); ok {
				r.Status, r.Kill = Killed, &k
				break
			}
		}
		out = append(out, r)
	}
	return out, nil
}
