package scenario

import (
	"fmt"
	"slices"
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
//
// Faults on one target compose: at any instant each setting of the world is
// the combination of the faults still active on that target (started and
// not yet ended in the history), never what the last fault to end left
// behind. Per kind:
//
//   - clock-drift: the node's clocks run at the product of the active
//     drifts' speeds, 1+rate = Π(1+rate_i) (0 with none). A product, not a
//     sum, so that two slow drifts never stop or reverse a clock.
//   - loss: a link drops a message with probability 1-Π(1-p_i) over the
//     active losses on it, as if each dropped independently; losses on
//     every link (no from/to) combine the same way into the global loss.
//   - delay: a link's extra delay is the sum of the active delays on it.
//   - partition: a link is cut while any active partition cuts it.
//   - pause: a node is paused while any active pause covers it (until the
//     latest of their ends).
//   - crash: a node is down while any active crash with a duration covers
//     it, and restarts when the last of them ends; a crash without a
//     duration keeps it down until a restart fault, which restarts it at
//     once. A crashed node is down, not paused.
//   - heal ends every active partition, loss and delay; restart and
//     clock-step are instants and have nothing to combine.
type injector struct {
	r      *run
	sched  faults.Schedule
	counts []int           // matching events seen, per triggered fault
	fired  []time.Duration // start time per fault; -1 while not started
	active []activeFault   // faults started and not yet ended, in start order
	seams  *seamTriggers   // the triggers that fire at a seam call; nil if none
}

// activeFault is a started fault that lasts, with the world's nodes and
// links it acts on.
type activeFault struct {
	id   int // 1-based index in the schedule, the history's FaultID
	kind faults.Kind
	f    faults.Fault
	// nodes are a pause's, crash's or drift's nodes.
	nodes []*sim.Node
	// links are a loss's or delay's links; global marks a loss on every
	// link (no from, no to).
	links  []link
	global bool
	// a and b are a partition's sides, re-applied when another partition
	// heals (the simulator heals partitions all at once).
	a, b   []*sim.Node
	oneWay bool
	// until is a pause's end, in true time.
	until time.Duration
}

// link is a directed pair of nodes.
type link struct{ from, to *sim.Node }

func (a activeFault) hasNode(n *sim.Node) bool { return slices.Contains(a.nodes, n) }

func (a activeFault) hasLink(l link) bool { return slices.Contains(a.links, l) }

func newInjector(r *run, s faults.Schedule) *injector {
	in := &injector{r: r, sched: s, counts: make([]int, s.Len()), fired: make([]time.Duration, s.Len())}
	for i, f := range s.Faults {
		in.fired[i] = -1
		if f.When == nil {
			i := i
			r.w.At(f.At, func() { in.start(i, "") })
		}
	}
	in.seams = newSeamTriggers(in, s)
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
		if tr.Seam != "" {
			in.seams.arm(i, e.Process) // fires at a seam call to come
			continue
		}
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
	act := activeFault{id: id, kind: f.Kind, f: f}

	switch f.Kind {
	case faults.Pause:
		act.nodes, act.until = in.node(f.Node, holder), w.Elapsed()+f.For
		for _, n := range act.nodes {
			// Pausing a paused node restarts its pause: only a later end
			// extends it.
			if !n.Paused() || act.until > in.pausedUntil(n) {
				w.Pause(n, f.For)
			}
		}
	case faults.Crash:
		act.nodes = in.node(f.Node, holder)
		for _, n := range act.nodes {
			if !n.Crashed() {
				in.r.setPersistence(n, f.Mode())
				if f.Host {
					w.CrashHost(n) // everysec also loses what was not fsynced
				} else {
					w.Crash(n)
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
	case faults.Heal:
		in.healAll()
	case faults.Loss:
		if f.From == "" && f.To == "" {
			act.global = true
		} else {
			act.links = in.links(f, holder)
		}
	case faults.Delay:
		act.links = in.links(f, holder)
	case faults.ClockDrift:
		act.nodes = in.node(f.Node, holder)
	case faults.ClockStep:
		for _, n := range in.node(f.Node, holder) {
			n.StepWall(f.Step)
		}
	}

	if f.Instant() || f.Kind == faults.Heal {
		in.r.rec.observe(histories.Event{Op: histories.OpFaultEnd, FaultID: id, Fault: string(f.Kind), Target: target})
		return
	}
	in.active = append(in.active, act)
	in.apply(act)
	if f.For > 0 {
		w.After(f.For, func() { in.end(id) })
	}
}

// apply sets the world's settings on a's targets to the combination of the
// faults active there now (see injector), after a started or ended.
func (in *injector) apply(a activeFault) {
	w := in.r.w
	switch a.kind {
	case faults.ClockDrift:
		for _, n := range a.nodes {
			rate := 0.0
			for _, o := range in.active {
				if o.kind == faults.ClockDrift && o.hasNode(n) {
					rate = composeDrift(rate, o.f.Rate)
				}
			}
			n.SetDrift(rate)
		}
	case faults.Loss:
		if a.global {
			p := 0.0
			for _, o := range in.active {
				if o.kind == faults.Loss && o.global {
					p = composeLoss(p, o.f.Rate)
				}
			}
			w.SetGlobalLoss(p)
			return
		}
		for _, l := range a.links {
			p := 0.0
			for _, o := range in.active {
				if o.kind == faults.Loss && o.hasLink(l) {
					p = composeLoss(p, o.f.Rate)
				}
			}
			w.SetLoss(l.from, l.to, p)
		}
	case faults.Delay:
		for _, l := range a.links {
			var d time.Duration
			for _, o := range in.active {
				if o.kind == faults.Delay && o.hasLink(l) {
					d += o.f.Delay
				}
			}
			w.SetExtraDelay(l.from, l.to, d)
		}
	}
}

// composeDrift is the drift of clocks that run at 1+a times, then 1+b
// times, true speed: (1+a)(1+b)-1, written so that composing with 0 gives
// the other rate exactly.
func composeDrift(a, b float64) float64 { return a + b + a*b }

// composeLoss is the probability that one of two independent losses, of p
// and q, drops a message: 1-(1-p)(1-q), exact when one is 0.
func composeLoss(p, q float64) float64 { return p + q - p*q }

// pausedUntil is the latest end of the active pauses of n (0 if none).
func (in *injector) pausedUntil(n *sim.Node) time.Duration {
	var until time.Duration
	for _, o := range in.active {
		if o.kind == faults.Pause && o.hasNode(n) {
			until = max(until, o.until)
		}
	}
	return until
}

// crashedBy reports whether an active crash fault with a duration covers
// n. A crash without one keeps its node down only until a restart fault,
// not for ever, so it does not hold the node down here.
func (in *injector) crashedBy(n *sim.Node) bool {
	for _, o := range in.active {
		if o.kind == faults.Crash && o.f.For > 0 && o.hasNode(n) {
			return true
		}
	}
	return false
}

// links resolves the links from f.From to f.To.
func (in *injector) links(f faults.Fault, holder string) []link {
	from := in.nodes(orAll(f.From), holder)
	to := in.nodes(orAll(f.To), holder)
	var out []link
	for _, a := range from {
		for _, b := range to {
			if a != b {
				out = append(out, link{a, b})
			}
		}
	}
	return out
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

// end ends the active fault id, if it is still active, and sets what it
// acted on to the combination of the faults still active there.
func (in *injector) end(id int) {
	for k, a := range in.active {
		if a.id != id {
			continue
		}
		in.active = append(in.active[:k], in.active[k+1:]...)
		in.undo(a)
		in.recordEnd(a)
		return
	}
}

// undo sets what a acted on to the combination of the faults still active
// there, once a has left in.active.
func (in *injector) undo(a activeFault) {
	w := in.r.w
	switch a.kind {
	case faults.Pause:
		// The simulator resumes the node at the latest active end.
	case faults.Crash:
		for _, n := range a.nodes {
			if n.Crashed() && !in.crashedBy(n) {
				in.r.setPersistence(n, a.f.Mode())
				w.Restart(n)
			}
		}
	case faults.Partition:
		w.Heal()
		for _, other := range in.active {
			if other.kind == faults.Partition {
				in.partition(other)
			}
		}
	default:
		in.apply(a)
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
		if a.kind != faults.Partition {
			in.apply(a)
		}
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
