package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/locksim/locksim/scenario"
)

func cmdRun(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("run")
	cf := addConfigFlags(fs)
	seed := fs.Uint64("seed", 1, "the seed")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parse(fs, args, stdout, "--lock NAME [--scenario NAME | --faults FILE|random] [flags]")
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, badInput("unexpected argument %q (run takes only flags)", pos[0])
	}
	cfg, err := cf.config()
	if err != nil {
		return 0, err
	}
	cfg = cf.forSeed(cfg, *seed)
	limitMemory()
	defer useCores(1)()
	o, err := execute(cfg, *seed, cf.out)
	if errors.Is(err, scenario.ErrBadConfig) {
		return 0, cf.configError(err)
	}
	if err != nil {
		return 0, err
	}
	if o.artifact != "" {
		if o.page, err = writeFailurePage(o.artifact); err != nil {
			fmt.Fprintf(stderr, "simrun run: no HTML report: %v\n", err)
		}
	}
	if *asJSON {
		if err := printJSON(stdout, o, cf.reproduce(*seed)); err != nil {
			return 0, err
		}
	} else {
		printResult(stdout, o, cf.reproduce(*seed))
	}
	return exitFor(o.res), nil
}

// softMemoryLimit is the heap size at which the collector works harder
// (a soft limit: nothing fails past it). A long run holds its history and
// then the checkers' state; with the default GOGC the heap grew to twice
// the live data. A 24-hour lua run (1.5 million events) peaked at 3.2 GB
// resident with none, 1.05 GB with 1 GiB, and 0.83 GB with this limit,
// which keeps the longest run simrun accepts under 1 GB. Collection never
// changes a run.
const softMemoryLimit = 768 << 20

// limitMemory sets softMemoryLimit unless GOMEMLIMIT says otherwise.
func limitMemory() {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(softMemoryLimit)
	}
}
