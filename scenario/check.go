package scenario

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/model"
)

// Spec puts a lock through a named scenario (or a schedule of its own, or
// random faults) over a number of seeds, from a user's own test: "bring
// your own lock". It reaches as far as simrun: random faults, a fault
// schedule and any config override.
//
//	func TestMyLock(t *testing.T) {
//		scenario.Check(t, scenario.Spec{
//			Like: "lua", New: mylock.New, Name: "mylock", Scenario: "gc-pause", Seeds: 20,
//		})
//	}
type Spec struct {
	// Like is the built-in lock (locks.Names) whose place the lock under
	// test takes: it chooses the Redis topology the constructor gets in
	// its Env (one node; Nodes nodes for redlock; none for mutex), the
	// options in Env.Options (those Like would get), and whether the
	// storage checks fencing tokens and the checkers check them
	// (fenced). Required.
	Like string
	// New builds one client's lock, with the registry's shape; nil tests
	// the built-in lock Like itself. Env.Options and Env.TTL carry the
	// run's key, TTL and retry options: build the lock from them.
	New func(env locks.Env) (locks.Locker, error)
	// Name names the lock under test in messages and, for a custom lock
	// (New set), in its artifacts (Config.CustomLock, Options.LockName):
	// letters, digits, '-', '_', '.', never a built-in lock's name.
	// Default: "custom-" + Like for a custom lock, else Like.
	Name string
	// Scenario is a named scenario (Scenarios). Empty: a run of the
	// default config with no faults, for Faults or RandomFaults to fill.
	Scenario string
	// Faults, if set, replaces the scenario's fault schedule with the
	// user's own (faults.Parse reads one from JSON).
	Faults *faults.Schedule
	// RandomFaults replaces the schedule, for each seed, with
	// RandomSchedule(config, seed): simrun's --faults random.
	RandomFaults bool
	// Configure, if set, overrides the scenario's config before the runs
	// (careful clients, number of clients or nodes, TTL, duration, ...);
	// it must not change Lock or CustomLock. The config is validated
	// after it.
	Configure func(c *Config)
	// Seeds (default 20) from From (default 1).
	Seeds int
	From  uint64
	// Expect is the outcome required of every seed (default Safe): one of
	// Safe, Unsafe, Stuck and Unknown; see Verify.
	Expect Expect
	// Out is the directory for the artifacts of failing seeds (default:
	// locksim under os.TempDir()).
	Out string
	// Backend, if set, runs every seed's World (Options.Backend), e.g.
	// backend/unmodified for a lock on go-redis clients.
	Backend Backend
}

// LockKey is the key the scenarios' clients lock. A custom lock should
// lock it, so that the simulator reports its expiries in the history.
const LockKey = lockKey

// Report is what Verify found.
type Report struct {
	Spec Spec
	// Runs are the seeds run; Failures the ones that broke the
	// expectation, with their artifacts.
	Runs     int
	Failures []Failure
	// Outcomes counts the seeds per outcome.
	Outcomes map[Expect]int
}

// Failure is one seed that broke a Spec's expectation.
type Failure struct {
	Seed     uint64
	Outcome  Expect
	Checks   []model.Result
	Artifact string
	// Replay is one line of Go to paste into a test to reproduce it
	// (CheckArtifact on the artifact), followed, for a built-in lock, by
	// the simrun command that does the same.
	Replay string
}

// OK reports whether no seed broke the expectation.
func (r *Report) OK() bool { return len(r.Failures) == 0 }

// String summarises the report: the outcome counts and, per failure, the
// failing checks and how to replay it.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %s: %d seed(s): %d safe, %d violation, %d stuck, %d unknown; expected %s",
		r.Spec.name(), r.Spec.Scenario, r.Runs, r.Outcomes[Safe], r.Outcomes[Unsafe], r.Outcomes[Stuck], r.Outcomes[Unknown], r.Spec.expect())
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "\nseed %d: %s", f.Seed, f.Outcome)
		for _, c := range f.Checks {
			if c.Verdict != model.OK {
				fmt.Fprintf(&b, "\n  %s", c)
			}
		}
		if f.Artifact != "" {
			fmt.Fprintf(&b, "\n  artifact: %s", f.Artifact)
		}
		fmt.Fprintf(&b, "\n  replay: %s", f.Replay)
	}
	return b.String()
}

func (s Spec) name() string {
	switch {
	case s.Name != "":
		return s.Name
	case s.New != nil:
		return "custom-" + s.Like
	}
	return s.Like
}

func (s Spec) expect() Expect {
	if s.Expect == "" {
		return Safe
	}
	return s.Expect
}

// Verify runs s: every seed of the scenario with the lock under test. A
// seed fails when its outcome (Result.Outcome) is not the expected one: a
// stuck or undecided seed fails an expectation of Safe. The artifacts of
// failing seeds are written to s.Out, named after the lock under test. It
// returns an error for a Spec that cannot run (naming the field) or a
// constructor that fails.
func Verify(s Spec) (*Report, error) {
	if s.Seeds == 0 {
		s.Seeds = 20
	}
	if s.From == 0 {
		s.From = 1
	}
	if s.Out == "" {
		s.Out = filepath.Join(os.TempDir(), "locksim")
	}
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	ctor := &guardedCtor{new: s.New}
	opts := Options{Backend: s.Backend}
	if s.New != nil {
		opts.NewLock, opts.LockName = ctor.build, s.name()
		if err := validLockName(opts.LockName); err != nil {
			return nil, fmt.Errorf("spec: name: %w", err)
		}
	}
	caller := callerPackage()
	rep := &Report{Spec: s, Outcomes: map[Expect]int{}}
	_, err = Explore(context.Background(), ExploreOptions{
		Base: cfg, RandomFaults: s.RandomFaults, Seeds: s.Seeds, From: s.From, Jobs: 1, Options: opts,
		OnResult: func(res *Result) {
			rep.Runs++
			got := res.Outcome()
			rep.Outcomes[got]++
			if got == s.expect() {
				return
			}
			f := Failure{Seed: res.Seed, Outcome: got, Checks: res.Checks}
			path, err := SaveArtifact(res, s.Out)
			if err == nil {
				f.Artifact = path
			}
			f.Replay = s.replay(f, err, caller)
			rep.Failures = append(rep.Failures, f)
		},
	})
	if err != nil {
		return nil, err
	}
	if err := ctor.failure(); err != nil {
		return nil, fmt.Errorf("spec: new: %w", err)
	}
	return rep, nil
}

// config is the config of s's runs: the scenario's (or the default one)
// for Like, with s's schedule and overrides, validated.
func (s Spec) config() (Config, error) {
	cfg := Config{Lock: s.Like}
	if s.Scenario != "" {
		sc, err := Lookup(s.Scenario)
		if err != nil {
			return Config{}, fmt.Errorf("spec: scenario: %w", err)
		}
		if cfg, err = sc.Config(s.Like); err != nil {
			return Config{}, fmt.Errorf("spec: like: %w", err)
		}
	}
	if s.Faults != nil {
		if s.RandomFaults {
			return Config{}, fmt.Errorf("%w: spec: faults: set both a schedule and RandomFaults", ErrBadConfig)
		}
		cfg.Faults = *s.Faults
	}
	if s.Configure != nil {
		s.Configure(&cfg)
		if cfg.Lock != s.Like || cfg.CustomLock != "" {
			return Config{}, fmt.Errorf("%w: spec: configure: changed the lock (Like and Name say which)", ErrBadConfig)
		}
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		field := "like"
		if s.Faults != nil || s.Configure != nil {
			field = "config"
		}
		return Config{}, fmt.Errorf("spec: %s: %w", field, err)
	}
	return cfg, nil
}

// replay is one line of Go that reproduces failure f from a test; for a
// built-in lock the simrun command follows. saveErr is why no artifact
// was written, if none was.
func (s Spec) replay(f Failure, saveErr error, caller string) string {
	if f.Artifact == "" {
		return fmt.Sprintf("no artifact (%v): rerun the Spec with From: %d, Seeds: 1", saveErr, f.Seed)
	}
	ctor := "nil"
	if s.New != nil {
		ctor = funcName(s.New, caller)
	}
	line := fmt.Sprintf("scenario.CheckArtifact(t, %q, %s)", f.Artifact, ctor)
	if s.New == nil {
		line += "  or  simrun replay " + f.Artifact
	}
	return line
}

// Check runs Verify and reports on t: an error for every seed that broke
// the expectation, with the command that replays it.
func Check(t testing.TB, s Spec) {
	t.Helper()
	rep, err := Verify(s)
	if err != nil {
		t.Fatalf("locksim: %v", err)
		return
	}
	if !rep.OK() {
		t.Errorf("locksim: %s", rep)
		return
	}
	t.Logf("locksim: %s", rep)
}

// guardedCtor calls a user's constructor and remembers its first error, so
// that a failing constructor fails the check instead of the simulator: the
// client gets a lock whose every call fails.
type guardedCtor struct {
	new func(env locks.Env) (locks.Locker, error)
	mu  sync.Mutex
	err error
}

func (g *guardedCtor) build(env locks.Env) (locks.Locker, error) {
	l, err := g.new(env)
	if err == nil && l == nil {
		err = errors.New("the constructor returned a nil Locker")
	}
	if err != nil {
		g.mu.Lock()
		if g.err == nil {
			g.err = err
		}
		g.mu.Unlock()
		return brokenLock{err}, nil
	}
	return l, nil
}

func (g *guardedCtor) failure() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// brokenLock stands for a lock whose constructor failed.
type brokenLock struct{ err error }

func (b brokenLock) Lock(context.Context) (locks.Lease, error) {
	return locks.Lease{}, fmt.Errorf("%w: %w", locks.ErrNotAcquired, b.err)
}

func (b brokenLock) Unlock(context.Context, locks.Lease) error {
	return fmt.Errorf("%w: %w", locks.ErrNotOwner, b.err)
}
