package scenario

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/model"
)

// ShrinkOptions bound a shrink.
type ShrinkOptions struct {
	// Check is the name of the check whose violation must stay (default:
	// the first check of the original run in violation). Ignored with Keep.
	Check string
	// Keep, if set, decides instead of Check whether a run still shows
	// the failure to keep: the original run and every accepted candidate
	// satisfy it. With it a user keeps "this bug", e.g. "fails for my
	// lock and passes for the reference lock" (run the reference in Keep
	// with Run(res.Config, res.Seed, ...)), not only "some check fails".
	Keep func(res *Result) bool
	// MaxRuns bounds the number of candidate runs (default 300).
	MaxRuns int
	// Options are the options of every run.
	Options Options
	// OnStep, if set, is called with every accepted step.
	OnStep func(step string)
}

// ShrinkResult is the smallest run Shrink found.
type ShrinkResult struct {
	// Config is the minimal config, Seed the (unchanged) seed.
	Config Config
	Seed   uint64
	// Result is the run of Config with Seed.
	Result *Result
	// Check is the check whose violation was kept ("" with Keep).
	Check string
	// Removed lists what was removed or shortened, in order.
	Removed []string
	// Runs is the number of candidate runs made.
	Runs int
}

// ErrNoViolation is returned by Shrink when the run to shrink shows no
// violation (with ShrinkOptions.Keep: does not satisfy Keep).
var ErrNoViolation = errors.New("the run shows no violation to shrink")

// Shrink makes the run of cfg with seed smaller while the same check still
// finds a violation (or, with o.Keep, while Keep holds): greedily, it tries the schedule's one-step-smaller
// candidates (faults.Schedule.Shrink: fewer faults, fewer nodes, shorter
// times, smaller rates), then one client fewer, then half the duration,
// and restarts from the first candidate after each success, until no
// candidate keeps the violation or MaxRuns runs were made. The seed stays
// fixed. Cancelling ctx returns the smallest run found so far.
func Shrink(ctx context.Context, cfg Config, seed uint64, o ShrinkOptions) (*ShrinkResult, error) {
	if o.MaxRuns <= 0 {
		o.MaxRuns = 300
	}
	cfg = cfg.WithDefaults()
	res, err := Run(cfg, seed, o.Options)
	if err != nil {
		return nil, err
	}
	check := o.Check
	keep := o.Keep
	if keep == nil {
		if check == "" {
			for _, c := range res.Checks {
				if c.Verdict == model.Violation {
					check = c.Check
					break
				}
			}
		}
		keep = func(r *Result) bool {
			c, ok := r.Check(check)
			return check != "" && ok && c.Verdict == model.Violation
		}
	} else {
		check = ""
	}
	if !keep(res) {
		return nil, fmt.Errorf("shrink seed %d: %w", seed, ErrNoViolation)
	}
	out := &ShrinkResult{Config: cfg, Seed: seed, Result: res, Check: check}
	for progress := true; progress; {
		progress = false
		for _, cand := range shrinkCandidates(out.Config) {
			if out.Runs >= o.MaxRuns || ctx.Err() != nil {
				return out, nil
			}
			if cand.cfg.Validate() != nil {
				continue
			}
			out.Runs++
			r, err := Run(cand.cfg, seed, o.Options)
			if err != nil {
				continue
			}
			if keep(r) {
				out.Config, out.Result = cand.cfg, r
				out.Removed = append(out.Removed, cand.step)
				if o.OnStep != nil {
					o.OnStep(cand.step)
				}
				progress = true
				break
			}
		}
	}
	return out, nil
}

type candidate struct {
	cfg  Config
	step string
}

// shrinkCandidates lists the configs one step smaller than cfg, most
// promising first.
func shrinkCandidates(cfg Config) []candidate {
	var out []candidate
	for _, s := range cfg.Faults.Shrink() {
		c := cfg
		c.Faults = s
		out = append(out, candidate{c, describeScheduleStep(cfg.Faults, s)})
	}
	if cfg.Clients > 1 {
		c := cfg
		c.Clients--
		out = append(out, candidate{c, fmt.Sprintf("client-%d removed (clients %d -> %d)", cfg.Clients, cfg.Clients, c.Clients)})
	}
	if d := cfg.Duration.D(); d >= 2*time.Second {
		c := cfg
		c.Duration = Duration((d / 2).Round(time.Millisecond))
		out = append(out, candidate{c, fmt.Sprintf("duration shortened: %s -> %s", cfg.Duration, c.Duration)})
	}
	return out
}

// describeScheduleStep says what changed from s to t, one step of
// faults.Schedule.Shrink.
func describeScheduleStep(s, t faults.Schedule) string {
	if t.Len() < s.Len() {
		for i := range s.Faults {
			if i >= t.Len() || s.Faults[i].String() != t.Faults[i].String() {
				return fmt.Sprintf("fault %d removed: %s", i+1, s.Faults[i])
			}
		}
	}
	for i := range t.Faults {
		if a, b := s.Faults[i].String(), t.Faults[i].String(); a != b {
			return fmt.Sprintf("fault %d shortened: %s -> %s", i+1, a, b)
		}
	}
	return "schedule unchanged"
}
