package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/locksim/locksim/scenario"
)

func cmdShrink(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("shrink")
	out := fs.String("out", "", "the minimal artifact's file (default: ARTIFACT with -min before .json)")
	maxRuns := fs.Int("max-runs", 300, "give up after this many candidate runs")
	pos, err := parse(fs, args, stdout, "ARTIFACT [--out FILE]")
	if err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		return 0, badInput("want exactly one ARTIFACT file, got %d arguments", len(pos))
	}
	if *maxRuns < 1 {
		return 0, badInput("--max-runs: %d, want at least 1", *maxRuns)
	}
	path := pos[0]
	_, cfg, seed, err := openArtifact(path)
	if err != nil {
		return 0, err
	}
	if cfg.CustomLock != "" {
		// simrun cannot build a user's lock; replaying the built-in one
		// instead would report a nondeterminism that is not there.
		return 0, badInput("%s: %s.", path, scenario.CustomLockHint(cfg.CustomLock, path))
	}
	defer useCores(1)() // candidates run one after the other
	dest := *out
	if dest == "" {
		dest = minPath(path)
	}
	fmt.Fprintf(stdout, "shrink %s: %s\n", path, describeConfig(cfg, seed))
	sr, err := scenario.Shrink(context.Background(), cfg, seed, scenario.ShrinkOptions{
		MaxRuns: *maxRuns,
		OnStep:  func(step string) { fmt.Fprintf(stdout, "  - %s\n", step) },
	})
	if errors.Is(err, scenario.ErrNoViolation) {
		return 0, badInput("%s: the run shows no violation to shrink", path)
	}
	if err != nil {
		return 0, err
	}
	if err := scenario.WriteArtifactFile(sr.Result, dest); err != nil {
		return 0, fmt.Errorf("--out %s: %w", dest, err)
	}
	fmt.Fprintf(stdout, "kept: %s violation, after %d candidate runs and %d steps\n", sr.Check, sr.Runs, len(sr.Removed))
	fmt.Fprintf(stdout, "minimal: %s\n", describeConfig(sr.Config, sr.Seed))
	if sr.Config.Faults.Len() > 0 {
		fmt.Fprintf(stdout, "faults:\n%s", indent(sr.Config.Faults.String()))
	}
	fmt.Fprintf(stdout, "artifact: %s\n", dest)
	fmt.Fprintf(stdout, "reproduce:\n  simrun replay %s\n", dest)
	return exitFor(sr.Result), nil
}
