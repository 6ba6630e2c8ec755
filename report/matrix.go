package report

import (
	"fmt"
	"slices"
)

// Matrix is the lock × scenario table of the page: one row per scenario
// (or fault mode), one cell per lock.
type Matrix struct {
	Locks []string
	Rows  []MatrixRow
	// Complete is true when every seed is counted (results.jsonl); false
	// when only the saved failures are known, so passing seeds are not.
	Complete bool
}

// MatrixRow is one scenario.
type MatrixRow struct {
	Scenario string
	Cells    []Cell // one per Matrix.Locks; Runs 0 where none ran
}

// Cell counts the seeds of one lock and scenario by outcome.
type Cell struct {
	Lock                                  string
	Runs, Safe, Violation, Stuck, Unknown int
	// Measured is the cell's outcome (scenario.Measure's vocabulary),
	// Expected and Why what the scenario expects of the lock and why;
	// set by the caller, "" when unknown.
	Measured, Expected, Why string
	// Reasons are the failing checks' explanations (the first seed's), and
	// the undecided ones' for an unknown cell.
	Reasons []string
}

// Counts is the cell in words: "3/3 violation", "2 safe, 1 unknown".
func (c Cell) Counts() string {
	var parts []string
	for _, p := range []struct {
		n    int
		name string
	}{{c.Violation, "violation"}, {c.Stuck, "stuck"}, {c.Unknown, "unknown"}, {c.Safe, "safe"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.name))
		}
	}
	if len(parts) == 0 {
		return "–"
	}
	return fmt.Sprintf("%s of %d", join(parts), c.Runs)
}

// Tally counts lines into a matrix, locks and rows in order of first
// appearance.
func Tally(lines []Line, complete bool) *Matrix {
	m := &Matrix{Complete: complete}
	rowAt := map[string]int{}
	for _, l := range lines {
		if !slices.Contains(m.Locks, l.Lock) {
			m.Locks = append(m.Locks, l.Lock)
			for i := range m.Rows {
				m.Rows[i].Cells = append(m.Rows[i].Cells, Cell{Lock: l.Lock})
			}
		}
		r, ok := rowAt[l.Row()]
		if !ok {
			r = len(m.Rows)
			rowAt[l.Row()] = r
			row := MatrixRow{Scenario: l.Row()}
			for _, lk := range m.Locks {
				row.Cells = append(row.Cells, Cell{Lock: lk})
			}
			m.Rows = append(m.Rows, row)
		}
		c := &m.Rows[r].Cells[slices.Index(m.Locks, l.Lock)]
		c.Runs++
		switch l.Outcome {
		case "safe":
			c.Safe++
		case "violation":
			c.Violation++
		case "stuck":
			c.Stuck++
		default:
			c.Unknown++
		}
		if len(c.Reasons) == 0 && l.Outcome != "safe" {
			for _, ck := range l.Checks {
				if ck.Verdict == "violation" || l.Outcome == "unknown" && ck.Verdict == "unknown" {
					c.Reasons = append(c.Reasons, fmt.Sprintf("seed %d, %s: %s", l.Seed, ck.Name, ck.Why))
				}
			}
		}
	}
	return m
}

func join(parts []string) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += ", "
		}
		s += p
	}
	return s
}
