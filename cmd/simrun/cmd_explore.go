package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/locksim/locksim/model"
	"github.com/locksim/locksim/scenario"
)

func cmdExplore(args []string, stdout, stderr io.Writer) (int, error) {
	tuneGC()
	fs := newFlags("explore")
	cf := addConfigFlags(fs)
	seeds := fs.Int("seeds", 100, "number of seeds")
	from := fs.Uint64("from", 1, "first seed")
	jobs := fs.Int("jobs", 1, "runs at once")
	keep := fs.Int("keep", 20, "save the artifacts of at most this many failing seeds")
	pos, err := parse(fs, args, stdout, "--lock NAME [--scenario NAME | --faults random] --seeds N [flags]")
	if err != nil {
		return 0, err
	}
	switch {
	case len(pos) > 0:
		return 0, badInput("unexpected argument %q (explore takes only flags)", pos[0])
	case *seeds < 1 || *seeds > scenario.MaxSeeds:
		return 0, badInput("--seeds: %d is out of range 1..%d (split larger explorations into shards)", *seeds, scenario.MaxSeeds)
	case *from < 1 || *from-1 > math.MaxUint64-uint64(*seeds):
		return 0, badInput("--from: %d is out of range 1..%d for %d seeds", *from, uint64(math.MaxUint64)-uint64(*seeds)+1, *seeds)
	case *jobs < 1 || *jobs > 256:
		return 0, badInput("--jobs: %d is out of range 1..256", *jobs)
	case *keep < 0:
		return 0, badInput("--keep: %d must not be negative", *keep)
	}
	cfg, err := cf.config()
	if err != nil {
		return 0, err
	}
	if err := scenario.DefaultBudget.Fits(cfg); err != nil {
		return 0, cf.configError(err) // before any output: it could never run
	}
	defer useCores(*jobs)()
	mode := "no faults"
	switch {
	case cf.scenario != "":
		mode = "scenario " + cf.scenario
	case cf.random():
		mode = "random faults"
	case cf.faults != "":
		mode = "faults " + cf.faults
	}
	fmt.Fprintf(stdout, "explore: lock %s, %s, seeds %d..%d\n", cfg.Lock, mode, *from, *from+uint64(*seeds)-1)
	prog := newProgress(stderr, *seeds)
	saved := 0
	var saveErr error
	var first, firstUnknown *scenario.Result
	var firstArtifact string
	opts := scenario.ExploreOptions{
		Base: cfg, RandomFaults: cf.random(), Seeds: *seeds, From: *from, Jobs: *jobs,
		Options: scenario.Options{VisualizeDir: cf.out},
		OnResult: func(res *scenario.Result) {
			failed := res.Failed()
			prog.add(failed)
			if res.Outcome() == scenario.Unknown && firstUnknown == nil {
				firstUnknown = res
			}
			if !failed {
				return
			}
			path := "(not saved, --keep reached)"
			if saved < *keep && saveErr == nil {
				o, err := save(res, cf.out)
				if err != nil {
					saveErr = err
					return
				}
				saved++
				path = o.artifact
			}
			if first == nil {
				first, firstArtifact = res, path
			}
			prog.line(stdout, fmt.Sprintf("seed %d: %s (%s) %s", res.Seed, res.Outcome(), failedChecks(res), path))
		},
	}
	sum, err := scenario.Explore(context.Background(), opts)
	prog.done()
	if errors.Is(err, scenario.ErrBadConfig) {
		return 0, cf.configError(err)
	}
	if err != nil {
		return 0, err
	}
	if saveErr != nil {
		return 0, saveErr
	}
	fmt.Fprintf(stdout, "runs: %d, violations: %d (rate %.1f%%): unsafe %d, stuck %d; undecided: %d\n",
		sum.Runs, sum.Violations(), 100*sum.Rate(), sum.Unsafe, sum.Stuck, sum.Unknown)
	if firstUnknown != nil {
		fmt.Fprintf(stdout, "UNKNOWN in %d run(s), not shown safe; the first, seed %d, because:\n", sum.Unknown, firstUnknown.Seed)
		for _, u := range firstUnknown.Undecided() {
			fmt.Fprint(stdout, indent(u))
		}
	}
	if first != nil {
		fmt.Fprintf(stdout, "first failing seed: %d\n", first.Seed)
		fmt.Fprintln(stdout, "reproduce:")
		if firstArtifact != "" && firstArtifact[0] != '(' {
			fmt.Fprintf(stdout, "  simrun replay %s\n", firstArtifact)
		}
		fmt.Fprintf(stdout, "  %s\n", cf.reproduce(first.Seed))
		fmt.Fprintf(stdout, "wall time to first violation: %s\n", seconds(sum.TimeToFirst))
	} else {
		fmt.Fprintln(stdout, "no violation found")
	}
	fmt.Fprintf(stdout, "wall time: %s, %.1f seeds/s (jobs %d)\n", seconds(sum.Wall), sum.SeedsPerSecond(), *jobs)
	if sum.Violations() > 0 {
		return exitViolation, nil
	}
	return exitOK, nil
}

// failedChecks names the checks of res in violation.
func failedChecks(res *scenario.Result) string {
	s := ""
	for _, c := range res.Checks {
		if c.Verdict == model.Violation {
			if s != "" {
				s += ", "
			}
			s += c.Check
		}
	}
	return s
}
