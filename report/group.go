package report

import (
	"cmp"
	"slices"
)

// Group is the failing seeds that share a signature: one failure of the
// page.
type Group struct {
	Signature string
	// Lines are the group's seeds, in the order given (seed order).
	Lines []Line
	// Representative is the first line with a saved artifact, else the
	// first line.
	Representative Line
}

// Groups deduplicates the failing lines by signature (a line without one
// is its own group) and sorts the groups by how often they occurred, most
// often first; ties by their first seed.
func Groups(lines []Line) []Group {
	var gs []Group
	at := map[string]int{}
	for _, l := range lines {
		if !l.Failed() {
			continue
		}
		i, ok := at[l.Signature]
		if !ok || l.Signature == "" {
			i = len(gs)
			gs = append(gs, Group{Signature: l.Signature, Representative: l})
			if l.Signature != "" {
				at[l.Signature] = i
			}
		}
		g := &gs[i]
		g.Lines = append(g.Lines, l)
		if g.Representative.Artifact == "" && l.Artifact != "" {
			g.Representative = l
		}
	}
	slices.SortStableFunc(gs, func(a, b Group) int {
		if c := cmp.Compare(len(b.Lines), len(a.Lines)); c != 0 {
			return c
		}
		return cmp.Compare(a.Lines[0].Seed, b.Lines[0].Seed)
	})
	return gs
}
