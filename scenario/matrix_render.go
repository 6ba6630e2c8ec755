package scenario

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// String renders the cell for the table: "–" when not meaningful, else
// violations/seeds, the stuck and undecided counts, the first failing seed,
// "undecided" for a cell whose every seed was unknown, and the expectation
// with ✓ when the measured outcome equals it, else ✗ and what was measured.
func (c Cell) String() string {
	if c.Refused != "" {
		return "refused"
	}
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
	if c.Unknown == c.Runs {
		b.WriteString(" undecided")
	}
	if c.Failed {
		fmt.Fprintf(&b, " seed %d", c.FirstFailing)
	}
	if c.Match {
		fmt.Fprintf(&b, " (exp %s ✓", c.Expected)
	} else {
		fmt.Fprintf(&b, " (measured %s, exp %s ✗", c.Measured, c.Expected)
	}
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
	b.WriteString("\nCells: safety violations/seeds, +N stuck (liveness violation only), ?N undecided (no violation, some check could not decide), the first failing seed, and the expectation: ✓ measured as expected, ✗ not.\n")
	b.WriteString("Measured over the seeds: violation if at least 90% of them found one, stuck if at least 90% were stuck (none unsafe), unknown if at least 90% were undecided (none unsafe or stuck), safe only if every seed was safe, else mixed.\n")
	b.WriteString("– = not meaningful for that lock: skipped, not run.\n")
	b.WriteString(m.librariesNote())
	b.WriteString("\nWhy each cell is expected so:\n")
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if c.Refused != "" {
				fmt.Fprintf(&b, "- %s/%s: refused, not run: %s.\n", r.Scenario, c.Lock, c.Refused)
			}
			if !c.Meaningful {
				continue
			}
			fmt.Fprintf(&b, "- %s/%s: %s: %s.\n", r.Scenario, c.Lock, c.Expected, c.Why)
			if len(c.Undecided) > 0 {
				fmt.Fprintf(&b, "  undecided (%d/%d seeds; seed %d):\n", c.Unknown, c.Runs, c.FirstUnknown)
				for _, u := range c.Undecided {
					fmt.Fprintf(&b, "    %s\n", u)
				}
			}
		}
	}
	b.WriteString("\n")
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if c.Meaningful && c.Literature != "" {
				fmt.Fprintf(&b, "‡ %s/%s: the literature expects %s; locksim expects %s: %s.\n", r.Scenario, c.Lock, c.Literature, c.Expected, c.Why)
			}
		}
	}
	fmt.Fprintf(&b, "%d of %d cells match their expectation", m.Cells-m.Mismatch, m.Cells)
	if m.Mismatch == 0 {
		b.WriteString(".\n")
	} else {
		b.WriteString("; these differ:\n")
		for _, r := range m.Rows {
			for _, c := range r.Cells {
				if c.Meaningful && !c.Match {
					fmt.Fprintf(&b, "  - %s/%s: expected %s (%s), measured %s (%s)%s\n",
						r.Scenario, c.Lock, c.Expected, c.Why, c.Measured, c.counts(), c.replayHint(r.Scenario))
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

// counts describes the cell's seeds by outcome.
func (c Cell) counts() string {
	return fmt.Sprintf("of %d seeds: %d violation, %d stuck, %d unknown, %d safe", c.Runs, c.Unsafe, c.Stuck, c.Unknown, c.Safe)
}

func (c Cell) replayHint(scenario string) string {
	seed := c.FirstFailing
	switch {
	case c.Failed:
	case c.Unknown > 0:
		seed = c.FirstUnknown
	default:
		return ""
	}
	return fmt.Sprintf("; see: simrun run --lock %s --scenario %s --seed %d", c.Lock, scenario, seed)
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

// librariesNote names the published code behind each external lock of the
// matrix, and the built-in lock it stands beside.
func (m *Matrix) librariesNote() string {
	var b strings.Builder
	for _, l := range m.Locks {
		if e, ok := External(l); ok {
			fmt.Fprintf(&b, "%s = %s, run unmodified (beside locksim's %s; a reason starting \"as %s\" means the library is expected to behave as locksim's version, any other says how it differs); refused = its backend cannot do a fault of the scenario.\n", l, e.Version, e.Like, e.Like)
		}
	}
	return b.String()
}
