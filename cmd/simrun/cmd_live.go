package main

import (
	"errors"
	"io"
	"strings"

	"github.com/locksim/locksim/backend/live"
	"github.com/locksim/locksim/scenario"
)

// cmdLive runs one config against real redis-servers on loopback with
// real faults (backend/live). Its exit codes are run's; a fault the live
// backend cannot do is bad input (2).
func cmdLive(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("live")
	cf := addConfigFlags(fs)
	seed := fs.Uint64("seed", 1, "the seed of the simulated parts (a live run is not reproducible from it)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parse(fs, args, stdout, "--lock NAME [--scenario NAME | --faults FILE|random] [flags]")
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, badInput("unexpected argument %q (live takes only flags)", pos[0])
	}
	cfg, err := cf.config()
	if err != nil {
		return 0, err
	}
	cfg = cf.forSeed(cfg, *seed)
	res, err := live.Run(cfg, *seed, scenario.Options{VisualizeDir: scenario.VisualizeDirFor(cf.out, cfg, *seed)}, live.Options{})
	if errors.Is(err, scenario.ErrBadConfig) {
		return 0, liveRefusal(cf, err)
	}
	if err != nil {
		return 0, err
	}
	o, err := save(res, cf.out)
	if err != nil {
		return 0, err
	}
	const note = "(a live run: not reproducible from its seed; rerun it with simrun live, or simulate it with simrun run)"
	if *asJSON {
		if err := printJSON(stdout, o, note); err != nil {
			return 0, err
		}
	} else {
		printResult(stdout, o, note)
	}
	return exitFor(o.res), nil
}

// liveRefusal is the bad-input error of a config the live backend
// refuses, or of a bad config.
func liveRefusal(cf *configFlags, err error) error {
	msg := strings.TrimPrefix(err.Error(), scenario.ErrBadConfig.Error()+": ")
	if strings.HasPrefix(msg, "faults[") || strings.Contains(msg, "live") {
		return badInput("%s", msg)
	}
	return cf.configError(err)
}
