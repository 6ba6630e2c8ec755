package faults

import (
	"slices"
	"time"

	"pgregory.net/rapid"
)

// MaxGenFaults is the most faults a schedule drawn by Gen holds.
const MaxGenFaults = 8

// selfEnding are the kinds Gen draws by default: the ones that end by
// themselves (restart and heal would only be noise there).
var selfEnding = []Kind{Pause, Crash, Partition, Loss, Delay, ClockDrift, ClockStep}

// Gen draws schedules of up to MaxGenFaults faults of every self-ending
// kind (pause, crash, partition, loss, delay, clock-drift, clock-step),
// under the same contract as Random: valid for topo, and every fault over
// by horizon - QuietPhase(horizon, ttl). rapid shrinks a failing schedule
// towards fewer faults, earlier and shorter ones, pauses rather than other
// kinds, timed rather than triggered, and smaller rates and steps.
func Gen(topo Topology, horizon, ttl time.Duration) *rapid.Generator[Schedule] {
	return GenKinds(topo, horizon, ttl, selfEnding...)
}

// GenKinds is Gen restricted to kinds (all of Kinds, restart and heal
// included, if none is given).
func GenKinds(topo Topology, horizon, ttl time.Duration, kinds ...Kind) *rapid.Generator[Schedule] {
	fg := GenFault(topo, horizon, ttl, kinds...)
	n := MaxGenFaults
	if activePhase(horizon, ttl) < 4*time.Millisecond {
		n = 0
	}
	return rapid.Custom(func(t *rapid.T) Schedule {
		fs := rapid.SliceOfN(fg, 0, n).Draw(t, "faults")
		if len(fs) == 0 {
			return Schedule{}
		}
		return Schedule{Faults: fs}
	})
}

func activePhase(horizon, ttl time.Duration) time.Duration {
	return (horizon - QuietPhase(horizon, ttl)).Truncate(time.Millisecond)
}

// GenFault draws one fault of one of kinds (all of Kinds if none given),
// valid for topo and over by horizon - QuietPhase(horizon, ttl), which must
// be at least 4ms. Passing one kind gives a per-kind generator. It panics
// on a kind not in Kinds (a programming error, not bad input).
func GenFault(topo Topology, horizon, ttl time.Duration, kinds ...Kind) *rapid.Generator[Fault] {
	if len(kinds) == 0 {
		kinds = Kinds
	}
	kinds = slices.Clone(kinds)
	for _, k := range kinds {
		if !slices.Contains(Kinds, k) {
			panic("faults.GenFault: unknown kind " + string(k))
		}
	}
	active := activePhase(horizon, ttl)
	ms := func(d time.Duration) int64 { return max(int64(d/time.Millisecond), 1) }
	nodes := topo.Nodes()
	crashable := nodes[:len(nodes)-1] // not storage
	if len(crashable) == 0 {
		crashable = nodes
	}
	return rapid.Custom(func(t *rapid.T) Fault {
		k := rapid.SampledFrom(kinds).Draw(t, "kind")
		if k == Partition && len(nodes) < 2 {
			k = Pause
		}
		f := Fault{Kind: k}
		var trig bool
		var maxFor time.Duration
		if k != Heal && k != Partition && topo.Clients > 0 && active >= 4*time.Millisecond {
			trig = rapid.Bool().Draw(t, "triggered")
		}
		if trig {
			maxFor = active / 2
		} else {
			maxFor = active
		}
		if !f.Instant() {
			f.For = time.Duration(rapid.Int64Range(1, min(ms(maxFor), ms(4*ttl))).Draw(t, "for")) * time.Millisecond
		}
		if trig {
			after := time.Duration(rapid.Int64Range(0, min(ms(ttl/10), ms(active/4))).Draw(t, "after")) * time.Millisecond
			f = f.On(Trigger{
				Op:         rapid.SampledFrom(Ops).Draw(t, "op"),
				Phase:      rapid.SampledFrom(Phases).Draw(t, "phase"),
				Client:     rapid.IntRange(0, topo.Clients).Draw(t, "client"),
				Occurrence: rapid.IntRange(1, 3).Draw(t, "occurrence"),
				After:      after,
				Until:      active - after - f.For,
			})
			if rapid.Bool().Draw(t, "at-seam") {
				// fire inside a seam call after the event instead
				f.When.Until += f.When.After
				f.When.After = 0
				f.When.Seam = rapid.SampledFrom(Seams).Draw(t, "seam")
				f.When.Call = rapid.IntRange(1, 4).Draw(t, "call")
			}
		} else {
			f.At = time.Duration(rapid.Int64Range(0, int64((active-f.For)/time.Millisecond)).Draw(t, "at")) * time.Millisecond
		}
		target := func(from []string) string {
			if trig && rapid.Bool().Draw(t, "holder") {
				return Holder
			}
			return rapid.SampledFrom(from).Draw(t, "node")
		}
		persistence := func() {
			if mayBeRedis(f.Node) {
				f.Persistence = rapid.SampledFrom([]Persistence{PersistAlways, PersistEverysec, PersistNone}).Draw(t, "persistence")
			}
		}
		link := func() {
			i := rapid.IntRange(0, len(nodes)-1).Draw(t, "from")
			j := rapid.IntRange(0, len(nodes)-1).Draw(t, "to")
			if j == i && len(nodes) > 1 {
				j = (i + 1) % len(nodes)
			}
			f.From, f.To = nodes[i], nodes[j]
		}
		signed := func(label string, hi int64) int64 {
			v := rapid.Int64Range(1, max(hi, 1)).Draw(t, label)
			if rapid.Bool().Draw(t, label+"-negative") {
				return -v
			}
			return v
		}
		switch k {
		case Pause:
			f.Node = target(nodes)
		case Crash, Restart:
			f.Node = target(crashable)
			persistence()
			f.Host = k == Crash && rapid.Bool().Draw(t, "host")
		case Partition:
			idx := rapid.SliceOfNDistinct(rapid.IntRange(0, len(nodes)-1), 1, len(nodes)-1, func(i int) int { return i }).Draw(t, "a")
			slices.Sort(idx)
			for _, i := range idx {
				f.A = append(f.A, nodes[i])
			}
			f.B = []string{"*"}
			f.OneWay = rapid.Bool().Draw(t, "one_way")
		case Loss:
			f.Rate = float64(rapid.IntRange(1, 100).Draw(t, "loss-percent")) / 100
			if rapid.Bool().Draw(t, "on-a-link") {
				link()
			}
		case Delay:
			f.Delay = time.Duration(rapid.Int64Range(1, ms(2*ttl)).Draw(t, "delay")) * time.Millisecond
			link()
		case ClockDrift:
			f.Node = target(nodes)
			f.Rate = float64(signed("ppm", 100000)) / 1e6
		case ClockStep:
			f.Node = target(nodes)
			f.Step = time.Duration(signed("step", ms(3*ttl))) * time.Millisecond
		}
		return f
	})
}
