package mutate

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Score is one lock's line: killed of killed+survived; mutants that did
// not compile are counted apart and left out.
type Score struct {
	Lock        string `json:"lock"`
	Killed      int    `json:"killed"`
	Survived    int    `json:"survived"`
	NotCompiled int    `json:"not_compiled"`
	// ByRandom of the killed were killed by random faults only (named
	// scenarios run first): under random faults a lock the original
	// already fails on some seeds can fail on another seed merely because
	// the mutant changed the run's course, so these kills are weaker
	// evidence than a named scenario's.
	ByRandom int `json:"killed_by_random_faults_only"`
}

// Percent is the mutation score, 0 when nothing compiled.
func (s Score) Percent() int {
	n := s.Killed + s.Survived
	if n == 0 {
		return 0
	}
	return (100*s.Killed + n/2) / n
}

func (s Score) String() string {
	return fmt.Sprintf("%s: %d/%d killed (%d%%), %d not compiled; %d of the kills by random faults only",
		s.Lock, s.Killed, s.Killed+s.Survived, s.Percent(), s.NotCompiled, s.ByRandom)
}

// Scores are the per-lock scores of results, by lock name.
func Scores(results []Result) []Score {
	by := map[string]*Score{}
	for _, r := range results {
		s := by[r.Lock]
		if s == nil {
			s = &Score{Lock: r.Lock}
			by[r.Lock] = s
		}
		switch r.Status {
		case Killed:
			s.Killed++
			if r.Kill != nil && r.Kill.Case.Random() {
				s.ByRandom++
			}
		case Survived:
			s.Survived++
		case NotCompiled:
			s.NotCompiled++
		}
	}
	var out []Score
	for _, l := range sortedKeys(by) {
		out = append(out, *by[l])
	}
	return out
}

// WriteText writes, per lock, the table of its mutants and its score line,
// then every score line together.
func WriteText(w io.Writer, rep Report) error {
	scores := Scores(rep.Results)
	for _, sc := range scores {
		fmt.Fprintf(w, "\n== %s ==\n", sc.Lock)
		safe := 0
		for _, b := range rep.Baseline[sc.Lock] {
			if b.Outcome == Safe {
				safe++
			}
		}
		fmt.Fprintf(w, "unmutated: %d of %d cases safe (%d seeds per scenario, %d random-fault seeds); only those can kill\n",
			safe, len(rep.Baseline[sc.Lock]), rep.Seeds, rep.RandomSeeds)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tWHERE\tFUNC\tOPERATOR\tSTATUS\tCHANGE\tKILLED BY")
		for _, r := range rep.Results {
			if r.Lock != sc.Lock {
				continue
			}
			by := ""
			switch {
			case r.Kill != nil:
				by = r.Kill.String() + "  [" + r.Kill.Command + "]"
			case r.Status == NotCompiled:
				by = trim(r.Why, 80)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Mutant.ID, r.Mutant.Where(), r.Mutant.Func,
				r.Mutant.Operator, r.Status, trim(r.Mutant.Desc, 90), by)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w, sc)
	}
	fmt.Fprintf(w, "\nmutation score (%d seeds per scenario, %d random-fault seeds, %s):\n", rep.Seeds, rep.RandomSeeds, rep.Elapsed)
	for _, sc := range scores {
		fmt.Fprintln(w, "  "+sc.String())
	}
	_, err := fmt.Fprintln(w, "A killed mutant reproduces with its command in a copy of the tree with the mutant applied (mutate --show ID prints it).")
	return err
}

// Survivors are the results that survived, in ID order.
func Survivors(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if r.Status == Survived {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Result) int { return compareStr(a.Mutant.ID, b.Mutant.ID) })
	return out
}

func trim(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}

// Diff shows the lines of orig that mut changes, as "-" and "+" lines with
// line numbers of orig: mutants change one place, so the first and last
// differing lines bound the change.
func Diff(orig, mut []byte) string {
	a := strings.Split(string(orig), "\n")
	b := strings.Split(string(mut), "\n")
	lo := 0
	for lo < len(a) && lo < len(b) && a[lo] == b[lo] {
		lo++
	}
	ha, hb := len(a), len(b)
	for ha > lo && hb > lo && a[ha-1] == b[hb-1] {
		ha--
		hb--
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "@@ line %d @@\n", lo+1)
	for _, l := range a[lo:ha] {
		sb.WriteString("-" + l + "\n")
	}
	for _, l := range b[lo:hb] {
		sb.WriteString("+" + l + "\n")
	}
	return sb.String()
}
