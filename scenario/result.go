package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/model"
	"github.com/locksim/locksim/sim"
)

// Result is what one run produced: its history, the checkers' verdicts and
// the hash of its trace.
type Result struct {
	Seed      uint64
	Config    Config
	History   histories.History
	TraceHash string
	Checks    []model.Result
	Verdict   model.Verdict
	Stats     sim.Stats
	// Drained reports that no message was in flight when the run ended, so
	// the history holds every access the storage will ever execute.
	Drained bool
	// Elapsed is the virtual true time the run lasted.
	Elapsed time.Duration
	// Wall is the wall time the run took, set by Explore (zero from Run):
	// the one field the seed does not determine.
	Wall time.Duration
}

// Violation reports whether a check found a violation, of safety or of
// liveness: the same as Failed. An undecided run is not one.
func (r *Result) Violation() bool { return r.Verdict == model.Violation }

// Check returns the result of the named check, if it ran.
func (r *Result) Check(name string) (model.Result, bool) {
	for _, c := range r.Checks {
		if c.Check == name {
			return c, true
		}
	}
	return model.Result{}, false
}

// Options tune how a run is executed and checked, not what it simulates:
// they are not part of an artifact.
type Options struct {
	// VisualizeDir, if set, receives porcupine's HTML visualization of a
	// failed linearizability check.
	VisualizeDir string
	// CheckBudget bounds each linearizability check, in model steps (0:
	// model.DefaultSearchBudget); a count, so the verdict does not depend
	// on the machine's speed.
	CheckBudget int64
	// SimOptions are passed to the simulator (e.g. a text trace).
	SimOptions []sim.Option
	// Backend, if set, runs the World (see Backend); nil: the
	// deterministic kernel on the caller's goroutine, or the backend of the
	// external lock Config.Lock names.
	Backend Backend
	// NewLock, if set, builds every client's lock instead of the registry:
	// bring your own lock. Config.Lock then only picks the topology (mutex:
	// one process, redlock: Config.Nodes nodes, else one node) and whether
	// the storage enforces fencing ("fenced"). A replay needs the same
	// NewLock.
	NewLock func(env locks.Env) (locks.Locker, error)
	// Budget bounds what the run may consume (nil: DefaultBudget).
	Budget *Budget
	// LockName names the lock NewLock builds; the result's
	// Config.CustomLock records it, and its artifacts are named after it.
	// Letters, digits, '-', '_', '.'; never a built-in lock's name. Default:
	// the config's CustomLock, else "custom-" + Config.Lock. Set only with
	// NewLock.
	LockName string
}

// Run simulates cfg with seed and checks the history. The same cfg and seed
// give the same Result, trace hash included. Run returns an error wrapping
// ErrBadConfig, naming the field, when cfg cannot be run, and one wrapping
// ErrCustomLock when cfg names a custom lock and opts.NewLock is nil.
//
// A run lasts cfg.Duration of virtual time; then the clients stop starting
// new critical sections and the run goes on until the ones in progress have
// finished (or a bound of a few TTLs), so that every access reaches the
// storage or is known lost.
func Run(cfg Config, seed uint64, opts Options) (*Result, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	budget := opts.budget()
	if err := budget.Fits(cfg); err != nil {
		return nil, err
	}
	name, err := customLock(cfg, opts)
	if err != nil {
		return nil, err
	}
	cfg.CustomLock = name
	b := opts.Backend
	if b == nil {
		if e, ok := External(cfg.Lock); ok {
			b = e.Backend
		}
	} else if err := b.Refuse(cfg); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	if b == nil {
		return runWorld(cfg, seed, opts, budget), nil
	}
	var res *Result
	err = b.Execute(func(simOpts ...sim.Option) {
		o := opts
		o.SimOptions = append(append([]sim.Option(nil), opts.SimOptions...), simOpts...)
		res = runWorld(cfg, seed, o, budget)
	})
	if err == nil && res == nil {
		err = errors.New("scenario: the backend did not run the world")
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// runWorld builds the World of cfg (validated) for seed, runs and checks it.
func runWorld(cfg Config, seed uint64, opts Options, budget Budget) *Result {
	r := build(cfg, seed, opts.SimOptions...)
	r.custom = opts.NewLock
	r.servers, _ = opts.Backend.(RedisBackend)
	defer r.w.Close()
	r.w.At(cfg.Duration.D(), func() { r.stopping = true })
	over := r.execute(cfg.Duration.D()+cfg.drain(), budget)
	r.store.snapshot()

	res := &Result{
		Seed: seed, Config: cfg, History: r.rec.take(),
		TraceHash: r.w.TraceHash(), Stats: r.w.Stats(), Drained: r.w.InFlight() == 0, Elapsed: r.w.Elapsed(),
	}
	res.Checks = model.CheckAll(res.History, cfg.checkOptions(opts, res.Drained))
	if over != "" {
		res.Checks = overBudget(res.Checks, over)
	}
	res.Verdict = model.Combine(res.Checks)
	return res
}

// drain bounds the time the clients get, after the run's duration, to
// finish the critical sections they are in.
func (c Config) drain() time.Duration {
	return 2*c.AcquireTimeout.D() + 2*c.storageTimeout() + c.WorkMax.D() + c.TTL.D()
}

// checkOptions are the checkers' options for a run of c.
func (c Config) checkOptions(o Options, drained bool) model.Options {
	return model.Options{
		SearchBudget:    o.CheckBudget,
		VisualizeDir:    o.VisualizeDir,
		StorageComplete: drained,
		Fencing:         c.fenced(),
		Ledger:          c.Workload == Ledger,
		LivenessBound:   c.livenessBound(),
		ExtendMargin:    c.extendMargin(),
	}
}

// extendMargin is the lease a holder must have left for its extend to be
// judged by extend-honest: a quarter of the TTL, far above a round trip
// and the drift allowance, so that only a lock that refuses a valid holder
// fails. Zero (the check off) when the clients do not extend.
func (c Config) extendMargin() time.Duration {
	if c.ExtendEvery.D() <= 0 {
		return 0
	}
	return c.TTL.D() / 4
}

// livenessBound is how long after the last fault healed some client must
// have acquired the lock: a held lock may take its TTL to expire, and an
// acquire its whole timeout to succeed. setnx and mutex have no TTL, so a
// lock stuck forever shows as a violation.
func (c Config) livenessBound() time.Duration {
	return c.TTL.D() + c.AcquireTimeout.D()
}

// Artifact is the self-contained record of res, for replay.
func (res *Result) Artifact() (*histories.Artifact, error) {
	cfg, err := json.Marshal(res.Config)
	if err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	sched, err := json.Marshal(res.Config.Faults)
	if err != nil {
		return nil, fmt.Errorf("encode schedule: %w", err)
	}
	a := &histories.Artifact{Seed: res.Seed, Config: cfg, Schedule: sched, TraceHash: res.TraceHash, History: res.History}
	for _, c := range res.Checks {
		a.Verdicts = append(a.Verdicts, c.Record())
	}
	return a, nil
}

// Outcome classifies the run into one of the four outcomes, in this order
// of precedence:
//
//   - Unsafe ("violation") if a safety check (anything but liveness) found
//     a violation;
//   - Stuck if a progress check (liveness, extend-honest) found one (the
//     lock made no progress, or refused a valid holder its extend);
//   - Unknown if no check found a violation but some check could not
//     decide (Undecided says which and why), or no check ran;
//   - Safe only when every check that ran said ok.
//
// Unknown and Stuck are never Safe: a check that cannot decide is not a
// check that passed.
func (res *Result) Outcome() Expect {
	for _, c := range res.Checks {
		if c.Verdict == model.Violation && !model.IsProgress(c.Check) {
			return Unsafe
		}
	}
	for _, c := range res.Checks {
		if c.Verdict == model.Violation {
			return Stuck
		}
	}
	if len(res.Checks) == 0 {
		return Unknown
	}
	for _, c := range res.Checks {
		if c.Verdict != model.OK {
			return Unknown
		}
	}
	return Safe
}

// Failed reports whether the run found a violation: a safety violation or
// a stuck lock. Its exit code is 1.
func (res *Result) Failed() bool {
	o := res.Outcome()
	return o == Unsafe || o == Stuck
}

// Undecided lists, for each check that could not decide, "check: why"
// (its explanation), in the order the checks ran; nil when every check
// decided.
func (res *Result) Undecided() []string {
	var out []string
	for _, c := range res.Checks {
		if c.Verdict != model.OK && c.Verdict != model.Violation {
			out = append(out, c.Check+": "+c.Explanation)
		}
	}
	if len(res.Checks) == 0 {
		out = append(out, "no check ran")
	}
	return out
}
