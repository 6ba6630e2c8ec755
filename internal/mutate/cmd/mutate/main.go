// Command mutate measures locksim's mutation score per lock (issue 11):
// it mutates the built-in locks' source one change at a time in copies of
// the tree, builds each copy's simrun, runs the lock through its named
// scenarios and random faults, and reports which mutants survive.
//
//	go run ./internal/mutate/cmd/mutate [--lock lua] [--max 40] [--json report.json]
//	go run ./internal/mutate/cmd/mutate --list
//	go run ./internal/mutate/cmd/mutate --show M042
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/locksim/locksim/internal/mutate"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", ".", "the repository root")
	files := fs.String("files", strings.Join(mutate.DefaultFiles, ","), "comma-separated files to mutate, relative to the root, one package")
	lock := fs.String("lock", "", "only this lock (comma-separated for several)")
	ops := fs.String("op", "", "only these operators, comma-separated: "+opNames())
	ids := fs.String("id", "", "only these mutants, comma-separated IDs (as --list shows them)")
	maxN := fs.Int("max", 0, "at most this many mutants, sampled evenly (0: all)")
	seeds := fs.Int("seeds", 5, "seeds per named scenario")
	random := fs.Int("random-seeds", 20, "seeds of random faults per lock")
	jobs := fs.Int("jobs", 2, "mutants at once")
	runTimeout := fs.Duration("run-timeout", 2*time.Minute, "bound on one simrun run (a longer one counts as a timeout)")
	buildTimeout := fs.Duration("build-timeout", 10*time.Minute, "bound on one go build")
	work := fs.String("work", "", "scratch directory (default: a new temporary one, removed afterwards)")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	list := fs.Bool("list", false, "list the mutants and whether they type-check; run nothing")
	show := fs.String("show", "", "print the change of the mutant with this ID and exit")
	render := fs.String("render", "", "print the tables and scores of a --json report FILE again and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "mutate: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *seeds < 0 || *random < 0 || *jobs < 1 || *maxN < 0 {
		fmt.Fprintln(stderr, "mutate: --seeds, --random-seeds and --max must be >= 0, --jobs >= 1")
		return 2
	}
	if *render != "" {
		return renderReport(*render, stdout, stderr)
	}
	var opList []mutate.Operator
	for _, o := range splitList(*ops) {
		if !slices.Contains(mutate.Operators, mutate.Operator(o)) {
			fmt.Fprintf(stderr, "mutate: --op: unknown operator %q, want one of %s\n", o, opNames())
			return 2
		}
		opList = append(opList, mutate.Operator(o))
	}
	cfg := mutate.Config{
		Ops: opList, IDs: splitList(*ids),
		Root: *root, Files: splitList(*files), Locks: splitList(*lock), Max: *maxN,
		Seeds: *seeds, RandomSeeds: *random, Jobs: *jobs, RunTimeout: *runTimeout,
		BuildTimeout: *buildTimeout, Go: goCmd(), Log: stderr,
	}
	if *show != "" {
		cfg.Locks, cfg.Ops, cfg.IDs, cfg.Max = nil, nil, nil, 0
	}
	all, ms, notCompiled, err := mutate.Prepare(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "mutate: %v\n", err)
		return 2
	}
	switch {
	case *show != "":
		return showMutant(cfg.Root, ms, *show, stdout, stderr)
	case *list:
		for _, m := range ms {
			st := "ok"
			if why, bad := notCompiled[m.ID]; bad {
				st = "not compiled: " + why
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Where(), m.Func, strings.Join(m.Locks, ","), m.Operator, m.Desc, st)
		}
		fmt.Fprintf(stdout, "%d of %d mutants, %d do not type-check\n", len(ms), all, len(notCompiled))
		return 0
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *work == "" {
		dir, err := os.MkdirTemp("", "locksim-mutate-")
		if err != nil {
			fmt.Fprintf(stderr, "mutate: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		*work = dir
	}
	cfg.Work = *work
	fmt.Fprintf(stderr, "mutate: %d mutants generated, %d selected; %d seeds per scenario, %d random-fault seeds, %d jobs\n",
		all, len(ms), cfg.Seeds, cfg.RandomSeeds, cfg.Jobs)
	rep, err := mutate.Measure(ctx, cfg, ms, notCompiled)
	rep.Mutants = all
	if err != nil {
		fmt.Fprintf(stderr, "mutate: %v\n", err)
		if len(rep.Results) == 0 {
			return 1
		}
	}
	if werr := mutate.WriteText(stdout, rep); werr != nil {
		fmt.Fprintf(stderr, "mutate: %v\n", werr)
		return 1
	}
	if *jsonOut != "" {
		if werr := writeJSON(*jsonOut, rep); werr != nil {
			fmt.Fprintf(stderr, "mutate: %v\n", werr)
			return 1
		}
	}
	if err != nil {
		return 1
	}
	return 0
}

func writeJSON(path string, rep mutate.Report) error {
	out := struct {
		Scores []mutate.Score `json:"scores"`
		mutate.Report
	}{mutate.Scores(rep.Results), rep}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

func renderReport(path string, stdout, stderr io.Writer) int {
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "mutate: %v\n", err)
		return 2
	}
	var rep mutate.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		fmt.Fprintf(stderr, "mutate: %s: %v\n", path, err)
		return 2
	}
	if err := mutate.WriteText(stdout, rep); err != nil {
		fmt.Fprintf(stderr, "mutate: %v\n", err)
		return 1
	}
	return 0
}

func showMutant(root string, ms []mutate.Mutant, id string, stdout, stderr io.Writer) int {
	for _, m := range ms {
		if m.ID != id {
			continue
		}
		orig, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m.File)))
		if err != nil {
			fmt.Fprintf(stderr, "mutate: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s %s (%s) %s: %s\nlocks: %s\n--- %s\n+++ %s (mutant)\n%s", m.ID, m.Where(), m.Func, m.Operator, m.Desc,
			strings.Join(m.Locks, ", "), m.File, m.File, mutate.Diff(orig, m.Src))
		return 0
	}
	fmt.Fprintf(stderr, "mutate: no mutant %s\n", id)
	return 2
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func opNames() string {
	var names []string
	for _, o := range mutate.Operators {
		names = append(names, string(o))
	}
	return strings.Join(names, ", ")
}

func goCmd() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}
