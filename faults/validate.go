package faults

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// uses lists, per kind, the fields besides at and when a fault may set.
var uses = map[Kind][]string{
	Pause:      {"node", "for"},
	Crash:      {"node", "for", "persistence", "host"},
	Restart:    {"node", "persistence"},
	Partition:  {"a", "b", "one_way", "for"},
	Heal:       {},
	Loss:       {"from", "to", "rate", "for"},
	Delay:      {"from", "to", "delay", "for"},
	ClockDrift: {"node", "rate", "for"},
	ClockStep:  {"node", "step"},
}

// Validate checks s against the nodes of topo. It returns nil or a
// *FieldError naming the first bad field, e.g.
// `faults[2].node: unknown node "redis-9"`.
func Validate(s Schedule, topo Topology) error {
	if topo.Clients < 0 {
		return fieldErr("topology.clients", "must not be negative")
	}
	if topo.Redis < 0 {
		return fieldErr("topology.redis", "must not be negative")
	}
	return validate(s, &topo)
}

// validate checks s; with topo nil, only what holds in every topology.
func validate(s Schedule, topo *Topology) error {
	for i, f := range s.Faults {
		if err := validateFault(f, fmt.Sprintf("faults[%d]", i), topo); err != nil {
			return err
		}
	}
	return nil
}

func validateFault(f Fault, p string, topo *Topology) error {
	used, ok := uses[f.Kind]
	if !ok {
		if f.Kind == "" {
			return fieldErr(p+".kind", "missing (want one of %s)", kindList())
		}
		return fieldErr(p+".kind", "unknown kind %q (want one of %s)", f.Kind, kindList())
	}
	if f.When == nil {
		if f.At < 0 {
			return fieldErr(p+".at", "must not be negative")
		}
	} else {
		if f.At != 0 {
			return fieldErr(p+".at", "cannot be used with when")
		}
		if err := validateTrigger(*f.When, p+".when", topo); err != nil {
			return err
		}
	}
	set := map[string]bool{
		"node": f.Node != "", "for": f.For != 0, "persistence": f.Persistence != "",
		"a": f.A != nil, "b": f.B != nil, "one_way": f.OneWay, "from": f.From != "",
		"to": f.To != "", "rate": f.Rate != 0, "delay": f.Delay != 0, "step": f.Step != 0,
		"host": f.Host,
	}
	for _, name := range []string{"node", "for", "persistence", "a", "b", "one_way", "from", "to", "rate", "delay", "step", "host"} {
		if set[name] && !slices.Contains(used, name) {
			return fieldErr(p+"."+name, "not used by %s", f.Kind)
		}
	}
	trig := f.When != nil
	if slices.Contains(used, "node") {
		if err := checkNode(f.Node, p+".node", trig, topo); err != nil {
			return err
		}
	}
	if f.For < 0 {
		return fieldErr(p+".for", "must not be negative")
	}
	switch f.Kind {
	case Pause:
		if f.For == 0 {
			return fieldErr(p+".for", "must be positive (a pause always ends)")
		}
	case Crash, Restart:
		if f.Persistence != "" {
			if !slices.Contains(Persistences, f.Persistence) {
				return fieldErr(p+".persistence", "unknown mode %q (want none, everysec or always)", f.Persistence)
			}
			if topo != nil && topo.Etcd {
				return fieldErr(p+".persistence", "etcd members always keep what they acknowledged (their WAL is synced before a reply), so a persistence mode has no meaning for them")
			}
			if !mayBeRedis(f.Node) {
				return fieldErr(p+".persistence", "only for Redis nodes, not %s", f.Node)
			}
		}
	case Partition:
		return checkSides(f, p, trig, topo)
	case Loss:
		if !(f.Rate > 0 && f.Rate <= 1) {
			if f.Rate == 0 {
				return fieldErr(p+".rate", "missing (want a probability in (0, 1])")
			}
			return fieldErr(p+".rate", "must be in (0, 1], not %g", f.Rate)
		}
		if f.From != "" || f.To != "" {
			return checkLink(f, p, trig, topo)
		}
	case Delay:
		if f.Delay <= 0 {
			if f.Delay == 0 {
				return fieldErr(p+".delay", "missing (want a positive duration)")
			}
			return fieldErr(p+".delay", "must be positive")
		}
		return checkLink(f, p, trig, topo)
	case ClockDrift:
		if f.Rate == 0 {
			return fieldErr(p+".rate", "missing (want a fraction such as 0.05, or ppm)")
		}
		if !(f.Rate > -1 && f.Rate < 1) {
			return fieldErr(p+".rate", "must be between -1 and 1 (a fraction: 0.05 is 5%% fast), not %g", f.Rate)
		}
	case ClockStep:
		if f.Step == 0 {
			return fieldErr(p+".step", "missing (want a non-zero duration, negative steps back)")
		}
	}
	return nil
}

func validateTrigger(tr Trigger, p string, topo *Topology) error {
	if tr.Op == "" {
		return fieldErr(p+".op", "missing (want acquire, write, read, release or extend)")
	}
	if !slices.Contains(Ops, tr.Op) {
		return fieldErr(p+".op", "unknown op %q (want acquire, write, read, release or extend)", tr.Op)
	}
	if tr.Phase == "" {
		return fieldErr(p+".phase", "missing (want invoke or ok)")
	}
	if !slices.Contains(Phases, tr.Phase) {
		return fieldErr(p+".phase", "unknown phase %q (want invoke or ok)", tr.Phase)
	}
	if tr.Client < 0 {
		return fieldErr(p+".client", "must not be negative (0 means any client)")
	}
	if topo != nil && tr.Client > topo.Clients {
		return fieldErr(p+".client", "no client %d in a run with %d", tr.Client, topo.Clients)
	}
	if tr.Occurrence < 0 {
		return fieldErr(p+".occurrence", "must not be negative")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"after", tr.After}, {"until", tr.Until}} {
		if d.v < 0 {
			return fieldErr(p+"."+d.name, "must not be negative")
		}
	}
	return validateSeam(tr, p)
}

// validateSeam checks the seam part of a trigger: a known kind of call, a
// count only with it, and no delay after the event.
func validateSeam(tr Trigger, p string) error {
	if tr.Seam == "" {
		if tr.Call != 0 {
			return fieldErr(p+".call", "needs seam, the kind of call to count (want %s)", seamList())
		}
		return nil
	}
	if !slices.Contains(Seams, tr.Seam) {
		return fieldErr(p+".seam", "unknown seam call %q (want %s)", tr.Seam, seamList())
	}
	if tr.Call < 0 {
		return fieldErr(p+".call", "must not be negative (0 means the first call)")
	}
	if tr.After != 0 {
		return fieldErr(p+".after", "cannot be used with seam (the fault fires at the call itself)")
	}
	return nil
}

func seamList() string {
	names := make([]string, len(Seams))
	for i, s := range Seams {
		names[i] = string(s)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// checkNode checks one node name or pattern.
func checkNode(n, p string, trig bool, topo *Topology) error {
	if n == "" {
		return fieldErr(p, "missing")
	}
	if !syntacticNode(n) {
		return fieldErr(p, "unknown node %q (want e.g. client-1, redis-2, etcd-1, storage, redis-*, etcd-*, * or holder)", n)
	}
	if n == Holder {
		if !trig {
			return fieldErr(p, "\"holder\" needs a when trigger")
		}
		return nil
	}
	if topo != nil {
		got, err := topo.Expand([]string{n}, "")
		if err != nil {
			return fieldErr(p, "unknown node %q", n)
		}
		if len(got) == 0 {
			return fieldErr(p, "%q matches no node", n)
		}
	}
	return nil
}

func checkSides(f Fault, p string, trig bool, topo *Topology) error {
	for _, side := range []struct {
		name  string
		nodes []string
	}{{"a", f.A}, {"b", f.B}} {
		if len(side.nodes) == 0 {
			return fieldErr(p+"."+side.name, "missing (want a list of nodes)")
		}
		for j, n := range side.nodes {
			if err := checkNode(n, fmt.Sprintf("%s.%s[%d]", p, side.name, j), trig, topo); err != nil {
				return err
			}
		}
	}
	for j, n := range f.B {
		if !isPattern(n) && slices.Contains(f.A, n) {
			return fieldErr(fmt.Sprintf("%s.b[%d]", p, j), "%s is also in a", n)
		}
	}
	if topo != nil && !trig {
		_, b, err := topo.Sides(f, "")
		if err == nil && len(b) == 0 {
			return fieldErr(p+".b", "no node left once the nodes of a are taken out")
		}
	}
	return nil
}

func checkLink(f Fault, p string, trig bool, topo *Topology) error {
	if f.From == "" {
		return fieldErr(p+".from", "missing (from and to name the link)")
	}
	if f.To == "" {
		return fieldErr(p+".to", "missing (from and to name the link)")
	}
	if err := checkNode(f.From, p+".from", trig, topo); err != nil {
		return err
	}
	return checkNode(f.To, p+".to", trig, topo)
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// ValidateHorizon checks that every fault of s starts within a run of
// length end (a fault scheduled after the run ends would silently never
// fire) and that its durations are at most MaxSpan, so that its end does
// not overflow. A fault may outlast the run: a pause until the end is one. It returns nil or a *FieldError
// naming the fault and field, e.g. `faults[0].at: 500h0m0s is after the end
// of the run (1m0s)`.
func ValidateHorizon(s Schedule, end time.Duration) error {
	for i, f := range s.Faults {
		p := fmt.Sprintf("faults[%d]", i)
		if f.When == nil && f.At > end {
			return fieldErr(p+".at", "%s is after the end of the run (%s)", f.At, end)
		}
		if f.For > MaxSpan || f.At > math.MaxInt64-f.For {
			return fieldErr(p+".for", "%s is out of range [0, %s]", f.For, MaxSpan)
		}
		if f.Delay > MaxSpan {
			return fieldErr(p+".delay", "%s is out of range [0, %s]", f.Delay, MaxSpan)
		}
		if f.Step > MaxClockStep || f.Step < -MaxClockStep {
			return fieldErr(p+".step", "%s is out of range [-%s, %s]", f.Step, MaxClockStep, MaxClockStep)
		}
	}
	return nil
}

// MaxSpan bounds a fault's duration and delay: far beyond any run (a run
// and its drain last at most 1000h), far from overflow.
const MaxSpan = 10000 * time.Hour

// MaxClockStep bounds a clock step: a year either way is more than any
// real clock fault, and keeps wall-clock arithmetic far from overflow.
const MaxClockStep = 365 * 24 * time.Hour
