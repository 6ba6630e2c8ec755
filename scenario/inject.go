package scenario

import (
	"fmt"
	"strings"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/sim"
)

// injector applies a fault schedule to the world: timed faults at their
// time, triggered ones when the history event they watch happens. Every
// fault it starts and ends becomes an observed event of the history, so the
// checkers can name the faults active at a violation. It is the only part
// of a run that changes the world from outside.
type injector struct {
	r      *run
	sched  faults.Schedule
	counts []int           // matching events seen, per triggered fault
	fired  []time.Duration // start time per fault; -1 while not started
	active []activeFault   // faults started and not yet ended
}

// activeFault is a started fault whose end undoes something.
type activeFault struct {
	id   int // 1-based index in the schedule, the history's FaultID
	kind faults.Kind
	undo func()
	// a and b are a partition's sides, re-applied when another partition
	// heals (the simulator heals partitions all at once).
	a, b   []*sim.Node
	oneWay bool
}

func newInjector(r *run, s faults.Schedule) *injector {
	in := &injector{r: r, sched: s, counts: make([]int, s.Len()), fired: make([]time.Duration, s.Len())}
	for i, f := range s.Faults {
		in.fired[i] = -1
		if f.When == nil {
			i := i
			r.w.At(f.At, func() { in.start(i, "") })
		}
	}
	return in
}

// watch fires the triggered faults that e completes.
func (in *injector) watch(e histories.Event) {
	phase := faults.PhaseInvoke
	switch e.Type {
	case histories.Invoke:
	case histories.OK:
		phase = faults.PhaseOK
	default:
		return
	}
	for i, f := range in.sched.Faults {
		tr := f.When
		if tr == nil || in.fired[i] >= 0 || in.counts[i] < 0 {
			continue
		}
		if tr.Until > 0 && e.Time >= tr.Until {
			continue
		}
		if !tr.Matches(faults.Op(e.Op), phase, e.Process) {
			continue
		}
		in.counts[i]++
		if in.counts[i] != tr.Nth() {
			continue
		}
		in.counts[i] = -1 // a trigger fires once
		holder := faults.ClientNode(e.Process)
		if tr.After == 0 {
			in.start(i, holder)
			continue
		}
		i := i
		in.r.w.After(tr.After, func() { in.start(i, holder) })
	}
}

// nodes resolves node names and patterns to the world's nodes.
func (in *injector) nodes(patterns []string, holder string) []*sim.Node {
	names, err := in.r.cfg.Topology().Expand(patterns, holder)
	if err != nil {
		panic(fmt.Sprintf("scenario: validated schedule names an unknown node: %v", err)) // Validate ran first
	}
	return in.r.resolve(names)
}

func (in *injector) node(name, holder string) []*sim.Node {
	if name == "" {
		return nil
	}
	return in.nodes([]string{name}, holder)
}

// start applies fault i now.
func (in *injector) start(i int, holder string) {
	f := in.sched.Faults[i]
	w := in.r.w
	in.fired[i] = w.Elapsed()
	id := i + 1
	target := in.describeTarget(f, holder)
	in.r.rec.observe(histories.Event{Op: histories.OpFaultStart, FaultID: id, Fault: string(f.Kind), Target: target, Detail: f.String()})
	act := activeFault{id: id, kind: f.Kind}

	switch f.Kind {
	case faults.Pause:
		for _, n := range in.node(f.Node, holder) {
			w.Pause(n, f.For)
		}
	case faults.Crash:
		ns := in.node(f.Node, holder)
		for _, n := range ns {
			in.r.setPersistence(n, f.Mode())
			w.Crash(n)
		}
		act.undo = func() {
			for _, n := range ns {
				if n.Crashed() {
					in.r.setPersistence(n, f.Mode())
					w.Restart(n)
				}
			}
		}
	case faults.Restart:
		for _, n := range in.node(f.Node, holder) {
			if n.Crashed() {
				in.r.setPersistence(n, f.Mode())
				w.Restart(n)
			}
		}
	case faults.Partition:
		an, bn, err := in.r.cfg.Topology().Sides(f, holder)
		if err != nil {
			panic(fmt.Sprintf("scenario: validated partition does not resolve: %v", err))
		}
		act.a, act.b, act.oneWay = in.r.resolve(an), in.r.resolve(bn), f.OneWay
		in.partition(act)
		act.undo = func() {}
	case faults.Heal:
		in.healAll()
	case faults.Loss:
		if f.From == "" && f.To == "" {
			w.SetGlobalLoss(f.Rate)
			act.undo = func() { w.SetGlobalLoss(0) }
		} else {
			act.undo = in.eachLink(f, holder, func(a, b *sim.Node, on bool) {
				if on {
					w.SetLoss(a, b, f.Rate)
				} else {
					w.SetLoss(a, b, 0)
				}
			})
		}
	case faults.Delay:
		act.undo = in.eachLink(f, holder, func(a, b *sim.Node, on bool) {
			if on {
				w.SetExtraDelay(a, b, f.Delay)
			} else {
				w.SetExtraDelay(a, b, 0)
			}
		})
	case faults.ClockDrift:
		ns := in.node(f.Node, holder)
		for _, n := range ns {
			n.SetDrift(f.Rate)
		}
		act.undo = func() {
			for _, n := range ns {
				n.SetDrift(0)
			}
		}
	case faults.ClockStep:
		for _, n := range in.node(f.Node, holder) {
			n.StepWall(f.Step)
		}
	}

	switch {
	case f.Instant() || f.Kind == faults.Heal:
		in.r.rec.observe(histories.Event{Op: histories.OpFaultEnd, FaultID: id, Fault: string(f.Kind), Target: target})
	case f.Kind == faults.Pause:
		w.After(f.For, func() {
			in.r.rec.observe(histories.Event{Op: histories.OpFaultEnd, FaultID: id, Fault: string(f.Kind), Target: target})
		})
	default:
		in.active = append(in.active, act)
		if f.For > 0 {
			w.After(f.For, func() { in.end(id) })
		}
	}
}

// eachLink applies set to every link from f.From to f.To and returns the
// undo.
func (in *injector) eachLink(f faults.Fault, holder string, set func(a, b *sim.Node, on bool)) func() {
	from := in.nodes(orAll(f.From), holder)
	to := in.nodes(orAll(f.To), holder)
	for _, a := range from {
		for _, b := range to {
			if a != b {
				set(a, b, true)
			}
		}
	}
	return func() {
		for _, a := range from {
			for _, b := range to {
				if a != b {
					set(a, b, false)
				}
			}
		}
	}
}

func orAll(name string) []string {
	if name == "" {
		return []string{"*"}
	}
	return []string{name}
}

func (in *injector) partition(a activeFault) {
	if a.oneWay {
		in.r.w.PartitionOneWay(a.a, a.b)
	} else {
		in.r.w.Partition(a.a, a.b)
	}
}

// end undoes the active fault id, if it is still active.
func (in *injector) end(id int) {
	for k, a := range in.active {
		if a.id != id {
			continue
		}
		in.active = append(in.active[:k], in.active[k+1:]...)
		a.undo()
		if a.kind == faults.Partition {
			in.r.w.Heal()
			for _, other := range in.active {
				if other.kind == faults.Partition {
					in.partition(other)
				}
			}
		}
		in.recordEnd(a)
		return
	}
}

// healAll ends every active network fault: partitions, loss and delay.
func (in *injector) healAll() {
	keep := in.active[:0]
	var ended []activeFault
	for _, a := range in.active {
		switch a.kind {
		case faults.Partition, faults.Loss, faults.Delay:
			ended = append(ended, a)
		default:
			keep = append(keep, a)
		}
	}
	in.active = keep
	in.r.w.Heal()
	for _, a := range ended {
		a.undo()
		in.recordEnd(a)
	}
}

func (in *injector) recordEnd(a activeFault) {
	f := in.sched.Faults[a.id-1]
	in.r.rec.observe(histories.Event{Op: histories.OpFaultEnd, FaultID: a.id, Fault: string(f.Kind), Target: in.describeTarget(f, "")})
}

// describeTarget names what a fault affects, for the history.
func (in *injector) describeTarget(f faults.Fault, holder string) string {
	switch {
	case f.Node != "":
		if f.Node == faults.Holder && holder != "" {
			return holder
		}
		return f.Node
	case len(f.A) > 0:
		sep := " <-> "
		if f.OneWay {
			sep = " -> "
		}
		return strings.Join(f.A, ",") + sep + strings.Join(f.B, ",")
	case f.From != "" || f.To != "":
		return orStar(f.From) + " -> " + orStar(f.To)
	}
	return "*"
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}
