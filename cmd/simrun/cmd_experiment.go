package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/locksim/locksim/scenario"
)

func cmdExperiment(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("experiment")
	seeds := fs.Int("seeds", 8, "seeds per retry strategy")
	dur := fs.String("duration", "30s", "virtual time during which each run's clients start acquires (the run then drains)")
	clients := fs.Int("clients", 5, "contending clients")
	jobs := fs.Int("jobs", 2, "runs at once")
	asJSON := fs.Bool("json", false, "print the rows as JSON")
	pos, err := parse(fs, args, stdout, "retry-jitter [flags]")
	if err != nil {
		return 0, err
	}
	if len(pos) != 1 || pos[0] != "retry-jitter" {
		got := "nothing"
		if len(pos) > 0 {
			got = fmt.Sprintf("%q", strings.Join(pos, " "))
		}
		return 0, badInput("unknown experiment %s (want one of %s)", got, strings.Join(scenario.Experiments, ", "))
	}
	d, err := durationFlag("duration", *dur)
	if err != nil {
		return 0, err
	}
	switch {
	case *seeds < 1:
		return 0, badInput("--seeds: %d, want at least 1", *seeds)
	case *clients < 2 || *clients > 64:
		return 0, badInput("--clients: %d is out of range 2..64", *clients)
	case *jobs < 1 || *jobs > 256:
		return 0, badInput("--jobs: %d is out of range 1..256", *jobs)
	}
	start := time.Now()
	defer useCores(*jobs)()
	o := scenario.JitterOptions{Clients: *clients, Seeds: *seeds, Duration: d, Jobs: *jobs}
	rows, err := scenario.RetryJitter(context.Background(), o)
	if err != nil {
		return 0, err
	}
	if *asJSON {
		return exitOK, writeJSON(stdout, rows)
	}
	scenario.WriteJitterReport(stdout, o, rows)
	fmt.Fprintf(stdout, "\nwall time %s\n", seconds(time.Since(start)))
	return exitOK, nil
}
