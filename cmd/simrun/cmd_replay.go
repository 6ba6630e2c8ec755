package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/locksim/locksim/backend/live"
	"github.com/locksim/locksim/scenario"
)

func cmdReplay(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("replay")
	out := fs.String("out", "out", "directory for the visualizations")
	pos, err := parse(fs, args, stdout, "ARTIFACT")
	if err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		return 0, badInput("want exactly one ARTIFACT file, got %d arguments", len(pos))
	}
	path := pos[0]
	a, cfg, _, err := openArtifact(path)
	if err != nil {
		return 0, err
	}
	if cfg.CustomLock != "" {
		// simrun cannot build a user's lock; replaying the built-in one
		// instead would report a nondeterminism that is not there.
		return 0, badInput("%s: %s.", path, scenario.CustomLockHint(cfg.CustomLock, path))
	}
	if a.TraceHash == live.TraceHash {
		return 0, badInput("%s: a live run's artifact cannot be replayed (real processes decided it, not its seed); simulate its config with simrun run, or run it again with simrun live", path)
	}
	opts := scenario.Options{VisualizeDir: replayVisualizeDir(*out, path)}
	limitMemory()
	defer useCores(1)()
	res, err := scenario.Replay(a, opts)
	var nd *scenario.NondeterminismError
	if errors.As(err, &nd) {
		fmt.Fprintf(stderr, "simrun replay: %s: nondeterminism: trace hash recorded %s, replayed %s\n", path, nd.Want, nd.Got)
		return exitNondeterminism, nil
	}
	if err != nil {
		return 0, badInput("%s: %s", path, trimBad(err))
	}
	o := newOutcome(res)
	if res.Failed() {
		o.artifact = path
	}
	fmt.Fprintf(stdout, "replay %s: trace hash %s reproduced\n", path, res.TraceHash)
	if diff := scenario.SameVerdicts(res, a.Verdicts); diff != "" {
		fmt.Fprintf(stdout, "note: verdicts differ from the recorded ones: %s\n", diff)
	}
	printResult(stdout, o, "")
	if !res.Failed() {
		printTimeline(stdout, res)
	}
	return exitFor(res), nil
}

// replayVisualizeDir is where the replay of the artifact at path writes its
// visualizations: named after the artifact's file, not its config and
// seed, so that replaying a shrunk "-min" artifact (same lock, scenario and
// seed) does not overwrite the original run's; for an artifact simrun run
// or explore saved it is the folder they wrote beside it.
func replayVisualizeDir(out, path string) string {
	base := filepath.Base(path)
	return filepath.Join(out, strings.TrimSuffix(base, filepath.Ext(base))+"-viz")
}
