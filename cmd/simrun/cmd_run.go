package main

import (
	"errors"
	"io"

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
	defer useCores(1)()
	o, err := execute(cfg, *seed, cf.out)
	if errors.Is(err, scenario.ErrBadConfig) {
		return 0, cf.configError(err)
	}
	if err != nil {
		return 0, err
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
