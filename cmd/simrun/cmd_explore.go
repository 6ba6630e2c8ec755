package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/locksim/locksim/report"
	"github.com/locksim/locksim/scenario"
)

// exitInterrupted is explore's exit code after SIGINT or SIGTERM: 128+2,
// as a shell reports a Ctrl-C, so a script's loop stops; explore prints
// the summary of the seeds done first, and every file it wrote is
// complete.
const exitInterrupted = 130

// exploreSetup is a parsed explore command line.
type exploreSetup struct {
	cf          *configFlags
	cfg         scenario.Config
	from        uint64
	count       int // seeds in the range from..from+count-1
	shard       shard
	first, step uint64
	planned     int // seeds of the shard in the range
	jobs, keep  int
	forDur      time.Duration
	maxFailures int
	wallMS      bool
	args        []string
}

// parseExplore parses and checks explore's arguments, before any output.
func parseExplore(args []string, stdout io.Writer) (*exploreSetup, error) {
	fs := newFlags("explore")
	cf := addConfigFlags(fs)
	seeds := fs.Int("seeds", 100, "number of seeds of the range (with --for and without --seeds: "+fmt.Sprint(scenario.MaxSeeds)+")")
	from := fs.Uint64("from", 1, "first seed")
	jobs := fs.Int("jobs", 1, "runs at once")
	keep := fs.Int("keep", 20, "save the artifacts of at most this many failing seeds")
	shardFlag := fs.String("shard", "", "i/n: run only the seeds of the range with seed mod n == i (interleaved, so shards of a --for search never overlap); simrun merge joins the shards' --out directories")
	forFlag := fs.String("for", "", "keep drawing the range's seeds in order until this wall time has passed, e.g. 8h")
	maxFailures := fs.Int("max-failures", 0, "stop after this many failing seeds (0: no limit)")
	wallMS := fs.Bool("wall-ms", false, "put each run's wall time into results.jsonl's wall_ms (the file then differs between reruns); without it wall_ms is 0 and the times go to timings.jsonl")
	pos, err := parse(fs, args, stdout, "--lock NAME [--scenario NAME | --faults random] --seeds N [--shard i/n] [--for D] [flags]")
	if err != nil {
		return nil, err
	}
	given := set(fs)
	if *forFlag != "" && !given["seeds"] {
		*seeds = scenario.MaxSeeds
	}
	switch {
	case len(pos) > 0:
		return nil, badInput("unexpected argument %q (explore takes only flags)", pos[0])
	case *seeds < 1 || *seeds > scenario.MaxSeeds:
		return nil, badInput("--seeds: %d is out of range 1..%d (split larger explorations into shards)", *seeds, scenario.MaxSeeds)
	case *from < 1 || *from-1 > math.MaxUint64-uint64(*seeds):
		return nil, badInput("--from: %d is out of range 1..%d for %d seeds", *from, uint64(math.MaxUint64)-uint64(*seeds)+1, *seeds)
	case *jobs < 1 || *jobs > 256:
		return nil, badInput("--jobs: %d is out of range 1..256", *jobs)
	case *keep < 0:
		return nil, badInput("--keep: %d must not be negative", *keep)
	case *maxFailures < 0:
		return nil, badInput("--max-failures: %d must not be negative", *maxFailures)
	}
	s := &exploreSetup{cf: cf, from: *from, count: *seeds, jobs: *jobs, keep: *keep, maxFailures: *maxFailures, wallMS: *wallMS, args: args}
	if *forFlag != "" {
		if s.forDur, err = durationFlag("for", *forFlag); err != nil {
			return nil, err
		}
	}
	if *shardFlag != "" {
		if s.shard, err = parseShard(*shardFlag); err != nil {
			return nil, err
		}
	}
	last := *from + uint64(*seeds) - 1
	s.first, s.step, s.planned = s.shard.seeds(*from, last)
	if s.planned == 0 {
		return nil, badInput("--shard: shard %s has no seed in %d..%d (fewer seeds than shards)", s.shard, *from, last)
	}
	if s.cfg, err = cf.config(); err != nil {
		return nil, err
	}
	if err := scenario.DefaultBudget.Fits(s.cfg); err != nil {
		return nil, cf.configError(err) // before any output: it could never run
	}
	return s, nil
}

// mode is the fault mode of results.jsonl and the manifest.
func (s *exploreSetup) mode() string {
	switch {
	case s.cf.scenario != "":
		return "scenario"
	case s.cf.random():
		return "random"
	case s.cf.faults != "":
		return "file:" + filepath.Base(s.cf.faults)
	}
	return "none"
}

func cmdExplore(args []string, stdout, stderr io.Writer) (int, error) {
	tuneGC()
	s, err := parseExplore(args, stdout)
	if err != nil {
		return 0, err
	}
	return s.run(stdout, stderr)
}

// run explores, writing results.jsonl, timings.jsonl, the artifacts of
// the failing seeds it keeps (with their visualizations) and
// manifest.json into --out.
func (s *exploreSetup) run(stdout, stderr io.Writer) (int, error) {
	cf, cfg, dir := s.cf, s.cfg, s.cf.out
	defer useCores(s.jobs)()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, badInput("--out: %v", err)
	}
	// The checkers write a visualization for every failing run; only the
	// saved seeds' are moved next to their artifacts, the rest go with
	// the staging directory.
	staging, err := os.MkdirTemp(dir, ".viz-staging-")
	if err != nil {
		return 0, badInput("--out: %v", err)
	}
	defer os.RemoveAll(staging)
	results, err := createLines(filepath.Join(dir, report.ResultsFile))
	if err != nil {
		return 0, badInput("--out: %v", err)
	}
	defer results.abort() // after close: a no-op
	var timings *lineWriter
	if !s.wallMS {
		if timings, err = createLines(filepath.Join(dir, timingsFile)); err != nil {
			return 0, badInput("--out: %v", err)
		}
		defer timings.abort()
	}

	what := "no faults"
	switch {
	case cf.scenario != "":
		what = "scenario " + cf.scenario
	case cf.random():
		what = "random faults"
	case cf.faults != "":
		what = "faults " + cf.faults
	}
	last := s.first + uint64(s.planned-1)*s.step
	plan := fmt.Sprintf("seeds %d..%d", s.first, last)
	if s.shard.n > 1 {
		plan = fmt.Sprintf("shard %s of seeds %d..%d (%d seeds: %d, %d, ...)", s.shard, s.from, s.from+uint64(s.count)-1, s.planned, s.first, s.first+s.step)
	}
	if s.forDur > 0 {
		plan += fmt.Sprintf(", for %s", s.forDur)
	}
	fmt.Fprintf(stdout, "explore: lock %s, %s, %s\n", cfg.Lock, what, plan)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigCtx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	runCtx := sigCtx
	if s.forDur > 0 {
		var stop context.CancelFunc
		runCtx, stop = context.WithTimeout(sigCtx, s.forDur)
		defer stop()
	}
	go func() { // a second Ctrl-C kills at once, as without a handler
		<-sigCtx.Done()
		stopSignals()
	}()

	prog := newProgress(stderr, s.planned)
	if s.forDur > 0 {
		prog.until(s.forDur)
	}
	var t tally
	saved, failures := 0, 0
	var werr error
	done := false // --max-failures reached: later results are dropped
	opts := scenario.ExploreOptions{
		Base: cfg, RandomFaults: cf.random(), Seeds: s.planned, From: s.first, Step: s.step, Jobs: s.jobs,
		Options: scenario.Options{VisualizeDir: staging},
		OnResult: func(res *scenario.Result) {
			if done || werr != nil {
				return
			}
			failed := res.Failed()
			prog.add(failed)
			path := ""
			if failed && saved < s.keep {
				o, err := save(res, dir)
				if err == nil {
					err = moveVisualizations(staging, dir, res)
				}
				if err != nil {
					werr = err
					cancel()
					return
				}
				saved++
				path = o.artifact
			}
			l := newResultLine(res, s.mode(), path, s.wallMS)
			werr = results.write(l)
			if werr == nil && timings != nil {
				werr = timings.write(timingLine{Seed: res.Seed, WallMS: res.Wall.Milliseconds()})
			}
			t.add(&l)
			switch {
			case failed:
				shown := path
				if shown == "" {
					shown = "(not saved, --keep reached)"
				}
				prog.line(stdout, fmt.Sprintf("seed %d: %s (%s) %s", res.Seed, res.Outcome(), failedChecks(l), shown))
				failures++
			case l.Outcome == string(scenario.Unknown):
				prog.line(stdout, fmt.Sprintf("seed %d: unknown (%s)", res.Seed, strings.Join(undecided(l), "; ")))
			}
			if s.maxFailures > 0 && failures >= s.maxFailures {
				done = true
				cancel()
			}
		},
	}
	sum, err := scenario.Explore(runCtx, opts)
	prog.done()
	if errors.Is(err, scenario.ErrBadConfig) {
		return 0, cf.configError(err)
	}
	stopped := ""
	switch {
	case werr != nil:
		return 0, fmt.Errorf("--out %s: %w", dir, werr)
	case done:
		stopped = "max-failures"
	case sigCtx.Err() != nil && ctx.Err() == nil:
		stopped = "interrupted"
	case s.forDur > 0 && errors.Is(err, context.DeadlineExceeded):
		stopped = "time"
	case err != nil:
		return 0, err
	}
	if err := results.close(); err != nil {
		return 0, err
	}
	if timings != nil {
		if err := timings.close(); err != nil {
			return 0, err
		}
	}
	if err := writeManifest(dir, s.manifest(t.runs, stopped)); err != nil {
		return 0, err
	}
	switch stopped {
	case "interrupted":
		fmt.Fprintf(stdout, "interrupted: the summary covers the %d seeds done; %s has them all, every artifact is complete\n", t.runs, filepath.Join(dir, report.ResultsFile))
	case "time":
		fmt.Fprintf(stdout, "time is up (--for %s) after %d seeds\n", s.forDur, t.runs)
	case "max-failures":
		fmt.Fprintf(stdout, "stopped after %d failing seeds (--max-failures)\n", failures)
	}
	t.print(stdout, dir, cf.reproduce)
	if t.firstFailing != nil {
		fmt.Fprintf(stdout, "wall time to first violation: %s\n", seconds(sum.TimeToFirst))
	}
	fmt.Fprintf(stdout, "wall time: %s, %.1f seeds/s (jobs %d)\n", seconds(sum.Wall), sum.SeedsPerSecond(), s.jobs)
	switch {
	case stopped == "interrupted":
		return exitInterrupted, nil
	case t.violations() > 0:
		return exitViolation, nil
	}
	return exitOK, nil
}

// manifest is the manifest of this exploration after runs seeds.
func (s *exploreSetup) manifest(runs int, stopped string) *manifest {
	version, commit, modified, goVersion := buildInfo()
	cfgJSON, _ := jsonConfig(s.cfg)
	m := &manifest{
		Format: manifestFormat, Locksim: version, Commit: commit, Modified: modified, Go: goVersion,
		Command: append([]string{"simrun", "explore"}, s.args...),
		Lock:    s.cfg.Lock, Scenario: s.cfg.Scenario, Faults: s.mode(), Config: cfgJSON,
		Reproduce:   s.cf.reproduceWith("SEED"),
		Seeds:       seedPlan{From: s.from, Count: s.count, Shard: s.shard.String(), First: s.first, Step: s.step, Planned: s.planned},
		MaxFailures: s.maxFailures, Runs: runs, Stopped: stopped,
	}
	if s.forDur > 0 {
		m.For = s.forDur.String()
	}
	return m
}

// moveVisualizations moves the visualizations of a saved run from the
// staging directory next to its artifact, replacing an older one.
func moveVisualizations(staging, dir string, res *scenario.Result) error {
	from := scenario.VisualizeDirFor(staging, res.Config, res.Seed)
	if _, err := os.Stat(from); err != nil {
		return nil // none written
	}
	to := scenario.VisualizeDirFor(dir, res.Config, res.Seed)
	if err := os.RemoveAll(to); err != nil {
		return err
	}
	return os.Rename(from, to)
}
