package scenario

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// String renders the cell for the table: "–" when not meaningful, else
// violations/seeds, the stuck count, the first failing seed, and the
// expectation with ✓ or ✗.
func (c Cell) String() string {
	if !c.Meaningful {
		return "–"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d", c.Unsafe, c.Runs)
	if c.Stuck > 0 {
		fmt.Fprintf(&b, " +%d stuck", c.Stuck)
	}
	if c.Unknown > 0 {
		fmt.Fprintf(&b, " ?%d", c.Unknown)
	}
	if c.Failed {
		fmt.Fprintf(&b, " seed %d", c.FirstFailing)
	}
	mark := "✓"
	if !c.Match {
		mark = "✗"
	}
	fmt.Fprintf(&b, " (exp %s %s", c.Expected, mark)
	if c.Literature != "" {
		fmt.Fprintf(&b, "; literature: %s ‡", c.Literature)
	}
	b.WriteString(")")
	return b.String()
}

// Markdown writes m as Markdown tables: the outcome table, its legend and
// mismatches, then each lock's latency and throughput.
func (m *Matrix) Markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Safety matrix: %d seed(s) per cell, seeds %d..%d\n\n", m.Seeds, m.From, m.From+uint64(m.Seeds)-1)
	b.WriteString("| scenario |")
	for _, l := range m.Locks {
		fmt.Fprintf(&b, " %s |", l)
	}
	b.WriteString("\n| --- |" + strings.Repeat(" --- |", len(m.Locks)) + "\n")
	for _, r := range m.Rows {
		fmt.Fprintf(&b, "| %s |", r.Scenario)
		for _, c := range r.Cells {
			fmt.Fprintf(&b, " %s |", c)
		}
		b.WriteString("\n")
	}
	b.WriteString("\nCells: safety violations/seeds, +N stuck (liveness violation only), ?N undecided, the first failing seed, the literature's expectation: ✓ measured as expected, ✗ not.\n")
	b.WriteString("– = not meaningful for that lock: skipped, not run.\n")
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if c.Meaningful && c.Literature != "" {
				fmt.Fprintf(&b, "‡ %s/%s: the literature expects %s; locksim expects %s: %s.\n", r.Scenario, c.Lock, c.Literature, c.Expected, c.Why)
			}
		}
	}
	if m.Mismatch == 0 {
		b.WriteString("Every cell matches the literature.\n")
	} else {
		fmt.Fprintf(&b, "%d cell(s) differ from the literature:\n", m.Mismatch)
		for _, r := range m.Rows {
			for _, c := range r.Cells {
				if c.Meaningful && !c.Match {
					fmt.Fprintf(&b, "  - %s/%s: expected %s (%s), measured %s in %d/%d seeds%s\n",
						r.Scenario, c.Lock, c.Expected, c.Why, c.Measured, c.count(), c.Runs, c.replayHint(r.Scenario))
				}
			}
		}
	}
	b.WriteString("\nAcquire latency (invoke to ok, simulated true time) and throughput without faults\n\n")
	b.WriteString("| lock | acquisitions | p50 | p99 | acquisitions per virtual second |\n| --- | --- | --- | --- | --- |\n")
	for _, p := range m.Perf {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %.1f |\n", p.Lock, p.Acquisitions, roundDur(p.P50), roundDur(p.P99), p.PerSecond)
	}
	fmt.Fprintf(&b, "\nwall time %s\n", time.Duration(m.WallNanos).Round(time.Millisecond))
	_, err := io.WriteString(w, b.String())
	return err
}

// count is the number of seeds showing the measured outcome.
func (c Cell) count() int {
	switch c.Measured {
	case Unsafe:
		return c.Unsafe
	case Stuck:
		return c.Stuck
	}
	return c.Runs - c.Unsafe - c.Stuck
}

func (c Cell) replayHint(scenario string) string {
	if !c.Failed {
		return ""
	}
	return fmt.Sprintf("; see: simrun run --lock %s --scenario %s --seed %d", c.Lock, scenario, c.FirstFailing)
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
