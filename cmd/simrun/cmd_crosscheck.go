package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/locksim/locksim/backend/live"
	"github.com/locksim/locksim/scenario"
)

// crossLocks are the locks crosscheck covers by default: the built-in
// Redis locks (the published libraries run on the unmodified backend).
var crossLocks = []string{"lua", "redlock", "fenced", "setnx"}

// crossRun is one seed of one cell, simulated and live.
type crossRun struct {
	sim, live *scenario.Result
	refused   error // the live backend refused the cell
}

// crossCell is one named cell's runs.
type crossCell struct {
	lock, scenario string
	runs           []crossRun
	err            error
}

// cmdCrosscheck runs every named cell of the locks in the simulator and
// live, and prints, per cell, both outcomes and whether they agree; for a
// disagreement, both timelines of the first seed on which they differ. It
// exits 1 when a cell disagrees.
func cmdCrosscheck(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("crosscheck")
	lockList := fs.String("locks", strings.Join(crossLocks, ","), "comma-separated locks")
	scList := fs.String("scenarios", "", "comma-separated scenarios (default all meaningful for the locks)")
	runs := fs.Int("runs", 1, "seeds per cell, 1..N, each run simulated and live")
	jobs := fs.Int("jobs", 4, "cells at once (live runs mostly wait on the real clock)")
	pos, err := parse(fs, args, stdout, "[flags]")
	if err != nil {
		return 0, err
	}
	switch {
	case len(pos) > 0:
		return 0, badInput("unexpected argument %q (crosscheck takes only flags)", pos[0])
	case *runs < 1 || *runs > 100:
		return 0, badInput("--runs: %d is out of range 1..100", *runs)
	case *jobs < 1 || *jobs > 64:
		return 0, badInput("--jobs: %d is out of range 1..64", *jobs)
	}
	cells, err := crossCells(listFlag(*lockList), listFlag(*scList))
	if err != nil {
		return 0, err
	}
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, *jobs)
	for i := range cells {
		wg.Add(1)
		go func(c *crossCell) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c.run(*runs)
		}(&cells[i])
	}
	wg.Wait()
	disagree := printCross(stdout, cells)
	fmt.Fprintf(stdout, "\n%d cells, %d runs each, %s wall time\n", len(cells), *runs, time.Since(start).Round(time.Second))
	for _, c := range cells {
		if c.err != nil {
			return 0, fmt.Errorf("%s × %s: %w", c.lock, c.scenario, c.err)
		}
	}
	if disagree > 0 {
		return exitViolation, nil
	}
	return exitOK, nil
}

// crossCells lists the named cells of locks and scenarios (all if none).
func crossCells(locks, names []string) ([]crossCell, error) {
	for _, l := range locks {
		if !slices.Contains(crossLocks, l) {
			return nil, badInput("--locks: %q is not one of %s (crosscheck runs the built-in Redis locks)", l, strings.Join(crossLocks, ", "))
		}
	}
	var named []scenario.Named
	if len(names) == 0 {
		named = scenario.Scenarios()
	}
	for _, name := range names {
		n, err := scenario.Lookup(name)
		if err != nil {
			return nil, badInput("--scenarios: %v", err)
		}
		named = append(named, n)
	}
	var out []crossCell
	for _, n := range named {
		for _, l := range locks {
			if _, ok := n.Expected(l); ok {
				out = append(out, crossCell{lock: l, scenario: n.Name})
			}
		}
	}
	if len(out) == 0 {
		return nil, badInput("--scenarios: none is meaningful for the locks %s", strings.Join(locks, ", "))
	}
	return out, nil
}

// run runs the cell's seeds 1..runs, simulated then live.
func (c *crossCell) run(runs int) {
	n, err := scenario.Lookup(c.scenario)
	if err != nil {
		c.err = err
		return
	}
	cfg, err := n.Config(c.lock)
	if err != nil {
		c.err = err
		return
	}
	for seed := uint64(1); seed <= uint64(runs); seed++ {
		var r crossRun
		if r.sim, err = scenario.Run(cfg, seed, scenario.Options{}); err != nil {
			c.err = err
			return
		}
		r.live, err = live.Run(cfg, seed, scenario.Options{}, live.Options{})
		if errors.Is(err, scenario.ErrBadConfig) {
			r.refused = err
			c.runs = append(c.runs, r)
			return // a refusal is the same for every seed
		}
		if err != nil {
			c.err = err
			return
		}
		c.runs = append(c.runs, r)
	}
}

// outcomes measures the cell's simulated and live outcomes over its
// seeds, as the matrix does.
func (c *crossCell) outcomes() (sim, liv string) {
	measure := func(pick func(crossRun) *scenario.Result) string {
		var unsafe, stuck, unknown int
		for _, r := range c.runs {
			switch pick(r).Outcome() {
			case scenario.Unsafe:
				unsafe++
			case scenario.Stuck:
				stuck++
			case scenario.Unknown:
				unknown++
			}
		}
		return string(scenario.Measure(len(c.runs), unsafe, stuck, unknown))
	}
	sim = measure(func(r crossRun) *scenario.Result { return r.sim })
	if len(c.runs) > 0 && c.runs[0].refused != nil {
		return sim, "refused"
	}
	return sim, measure(func(r crossRun) *scenario.Result { return r.live })
}

// printCross prints the table, then the timelines of each disagreement; it
// returns the number of cells that disagree.
func printCross(w io.Writer, cells []crossCell) int {
	fmt.Fprintf(w, "%-40s %-10s %-10s %s\n", "cell", "sim", "live", "agree")
	var differ []*crossCell
	for i := range cells {
		c := &cells[i]
		if c.err != nil {
			fmt.Fprintf(w, "%-40s error: %v\n", c.lock+" × "+c.scenario, c.err)
			continue
		}
		s, l := c.outcomes()
		agree := "yes"
		switch {
		case l == "refused":
			agree = "n/a: " + strings.TrimPrefix(c.runs[0].refused.Error(), scenario.ErrBadConfig.Error()+": ")
		case s != l:
			agree = "NO"
			differ = append(differ, c)
		}
		fmt.Fprintf(w, "%-40s %-10s %-10s %s\n", c.lock+" × "+c.scenario, s, l, agree)
	}
	for _, c := range differ {
		for k, r := range c.runs {
			if r.sim.Outcome() == r.live.Outcome() {
				continue
			}
			fmt.Fprintf(w, "\n=== %s × %s, seed %d: sim %s, live %s\n", c.lock, c.scenario, k+1, r.sim.Outcome(), r.live.Outcome())
			for _, side := range []struct {
				name string
				res  *scenario.Result
			}{{"sim", r.sim}, {"live", r.live}} {
				fmt.Fprintf(w, "\n--- %s timeline:\n", side.name)
				for _, ch := range side.res.Checks {
					fmt.Fprintf(w, "  %-22s %s\n", ch.Check, ch.Verdict)
				}
				printTimeline(w, side.res)
			}
			break
		}
	}
	return len(differ)
}
