package faults

import (
	"slices"
	"time"
)

// Shrink lists the schedules one step smaller than s, most promising
// first, for a shrinker to try in turn: s without each fault; each
// partition without one of the nodes of a side (a side keeps at least one,
// and B only loses nodes when neither side names a pattern); then, fault
// by fault, At and trigger offsets halved, For, Delay and Step halved (not
// below 1ms, so a timed fault never turns permanent), rates halved (loss
// not below 1%, drift not below 1 ppm), an occurrence after the first
// halved, a seam trigger's seam call dropped (it fires at its event) and a
// seam call after the first halved, a host crash made a process crash.
// Every candidate is Smaller than s, and a candidate of a schedule
// valid for a topology is valid for it too. No candidate shares memory
// with s.
func (s Schedule) Shrink() []Schedule {
	var out []Schedule
	for i := range s.Faults {
		out = append(out, s.Without(i))
	}
	with := func(i int, edit func(f *Fault)) {
		c := s.Clone()
		edit(&c.Faults[i])
		out = append(out, c)
	}
	for i, f := range s.Faults {
		if f.Kind != Partition {
			continue
		}
		if len(f.A) > 1 {
			for j := range f.A {
				with(i, func(g *Fault) { g.A = slices.Delete(g.A, j, j+1) })
			}
		}
		if len(f.B) > 1 && !slices.ContainsFunc(f.B, isPattern) && !slices.ContainsFunc(f.A, isPattern) {
			for j := range f.B {
				with(i, func(g *Fault) { g.B = slices.Delete(g.B, j, j+1) })
			}
		}
	}
	const ms = time.Millisecond
	for i, f := range s.Faults {
		if f.At > 0 {
			with(i, func(g *Fault) { g.At /= 2 })
		}
		if f.When != nil && f.When.After > 0 {
			with(i, func(g *Fault) { g.When.After /= 2 })
		}
		if f.For >= 2*ms {
			with(i, func(g *Fault) { g.For /= 2 })
		}
		if f.Delay >= 2*ms {
			with(i, func(g *Fault) { g.Delay /= 2 })
		}
		if f.Step >= 2*ms || f.Step <= -2*ms {
			with(i, func(g *Fault) { g.Step /= 2 })
		}
		if (f.Kind == Loss && f.Rate >= 0.02) || (f.Kind == ClockDrift && (f.Rate >= 2e-6 || f.Rate <= -2e-6)) {
			with(i, func(g *Fault) { g.Rate /= 2 })
		}
		if f.When != nil && f.When.Nth() > 1 {
			with(i, func(g *Fault) { g.When.Occurrence = g.When.Nth() / 2 })
		}
		if f.Host {
			with(i, func(g *Fault) { g.Host = false })
		}
		if f.When != nil && f.When.Seam != "" {
			with(i, func(g *Fault) { g.When.Seam, g.When.Call = "", 0 })
			if f.When.NthCall() > 1 {
				with(i, func(g *Fault) { g.When.Call = g.When.NthCall() / 2 })
			}
		}
	}
	return out
}

// size is the order Shrink descends: fewer faults first, then fewer nodes
// named in partitions, then less time, then smaller rates, then earlier
// occurrences, then fewer seam triggers, then earlier seam calls, compared
// in that order.
type size struct {
	faults, nodes int
	time          time.Duration
	rates         float64
	occurrences   int
	seams, calls  int
	hosts         int // host crashes
}

func (s Schedule) size() size {
	z := size{faults: len(s.Faults)}
	abs := func(d time.Duration) time.Duration { return max(d, -d) }
	for _, f := range s.Faults {
		z.nodes += len(f.A) + len(f.B)
		z.time += f.At + f.For + f.Delay + abs(f.Step)
		z.rates += max(f.Rate, -f.Rate)
		if f.Host {
			z.hosts++
		}
		if f.When != nil {
			z.time += f.When.After
			z.occurrences += f.When.Nth()
			if f.When.Seam != "" {
				z.seams++
				z.calls += f.When.NthCall()
			}
		}
	}
	return z
}

// Smaller reports whether s comes strictly before t in the order Shrink
// descends: fewer faults; at equal count, fewer nodes named in partitions;
// then less total time (at, for, delay, |step|, trigger offsets); then
// smaller total rates; then earlier trigger occurrences; then fewer seam
// triggers; then earlier seam calls; then fewer host crashes.
func (s Schedule) Smaller(t Schedule) bool {
	a, b := s.size(), t.size()
	switch {
	case a.faults != b.faults:
		return a.faults < b.faults
	case a.nodes != b.nodes:
		return a.nodes < b.nodes
	case a.time != b.time:
		return a.time < b.time
	case a.rates != b.rates:
		return a.rates < b.rates
	case a.occurrences != b.occurrences:
		return a.occurrences < b.occurrences
	case a.seams != b.seams:
		return a.seams < b.seams
	case a.calls != b.calls:
		return a.calls < b.calls
	}
	return a.hosts < b.hosts
}
