package main

import (
	"context"
	"io"
	"runtime"
	"strings"

	"github.com/locksim/locksim/scenario"
)

// defaultMatrixSeeds is the matrix's default seeds per cell: the 20 seeds
// of the expected-outcome test (a violation cell must fail in 18). With
// it, `make run` took 61s of wall time (52s of CPU) on this 2-core machine
// while other work loaded it (load average 6.5).
const defaultMatrixSeeds = 20

func cmdMatrix(args []string, stdout, stderr io.Writer) (int, error) {
	tuneGC()
	fs := newFlags("matrix")
	seeds := fs.Int("seeds", defaultMatrixSeeds, "seeds per cell")
	from := fs.Uint64("from", 1, "first seed")
	lockList := fs.String("locks", "", "comma-separated locks (default all)")
	scList := fs.String("scenarios", "", "comma-separated scenarios (default all)")
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "runs at once")
	asJSON := fs.Bool("json", false, "print the matrix as JSON")
	pos, err := parse(fs, args, stdout, "[flags]")
	if err != nil {
		return 0, err
	}
	switch {
	case len(pos) > 0:
		return 0, badInput("unexpected argument %q (matrix takes only flags)", pos[0])
	case *seeds < 1 || *seeds > scenario.MaxSeeds:
		return 0, badInput("--seeds: %d is out of range 1..%d", *seeds, scenario.MaxSeeds)
	case *jobs < 1 || *jobs > 256:
		return 0, badInput("--jobs: %d is out of range 1..256", *jobs)
	case *from < 1:
		return 0, badInput("--from: seeds start at 1")
	}
	defer useCores(*jobs)()
	o := scenario.MatrixOptions{Seeds: *seeds, From: *from, Locks: listFlag(*lockList), Scenarios: listFlag(*scList), Jobs: *jobs}
	if err := o.Check(); err != nil {
		if msg, ok := strings.CutPrefix(trimBad(err), "lock: "); ok {
			return 0, badInput("--locks: %s", msg)
		}
		return 0, badInput("--scenarios: %s", strings.TrimPrefix(trimBad(err), "scenario: "))
	}
	m, err := scenario.RunMatrix(context.Background(), o)
	if err != nil {
		return 0, err
	}
	if *asJSON {
		if err := writeJSON(stdout, m); err != nil {
			return 0, err
		}
	} else if err := m.Markdown(stdout); err != nil {
		return 0, err
	}
	if m.Mismatch > 0 {
		return exitViolation, nil
	}
	return exitOK, nil
}
