package faults

import (
	"math/rand/v2"
	"slices"
	"time"
)

// QuietPhase is the healed tail of a horizon that Random leaves free of
// faults so that liveness can be judged: 30% of the horizon, and at least
// three TTLs.
func QuietPhase(horizon, ttl time.Duration) time.Duration {
	return max(horizon*3/10, 3*ttl)
}

// Random draws a schedule for a run of length horizon with lock TTL ttl,
// swarm style: from r it first chooses which kinds of fault are on for this
// run and how hard each hits (how many faults, mild or severe), then the
// faults. Every fault, triggered ones included, has ended by horizon -
// QuietPhase(horizon, ttl), so LastHeal of the result is at most that; if
// the horizon is too short for any fault the schedule is empty. The result
// depends only on the state of r and the arguments, and passes Validate
// for topo.
func Random(r *rand.Rand, topo Topology, horizon, ttl time.Duration) Schedule {
	active := horizon - QuietPhase(horizon, ttl)
	if active < 10*time.Millisecond || ttl <= 0 {
		return Schedule{}
	}
	g := &randGen{r: r, topo: topo, active: active.Truncate(time.Millisecond), ttl: ttl}
	kinds := []Kind{Pause, Crash, Partition, Loss, Delay, ClockDrift, ClockStep}
	var on []Kind
	for _, k := range kinds {
		if r.IntN(2) == 0 {
			on = append(on, k)
		}
	}
	if len(on) == 0 {
		on = append(on, kinds[r.IntN(len(kinds))])
	}
	var out []Fault
	for _, k := range on {
		n := 1 + r.IntN(4)
		severe := r.IntN(2) == 0
		for range n {
			if f, ok := g.fault(k, severe); ok {
				out = append(out, f)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Fault) int {
		switch {
		case (a.When != nil) != (b.When != nil):
			if a.When == nil {
				return -1
			}
			return 1
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	return Schedule{Faults: out}
}

type randGen struct {
	r      *rand.Rand
	topo   Topology
	active time.Duration
	ttl    time.Duration
}

// dur is a duration in [lo, hi], in whole milliseconds, at least 1ms.
func (g *randGen) dur(lo, hi time.Duration) time.Duration {
	lo, hi = max(lo, time.Millisecond), max(hi, time.Millisecond)
	if hi < lo {
		hi = lo
	}
	lms, hms := int64(lo/time.Millisecond), int64(hi/time.Millisecond)
	return time.Duration(lms+g.r.Int64N(hms-lms+1)) * time.Millisecond
}

// span places a fault lasting about [lo, hi] inside the active phase.
func (g *randGen) span(lo, hi time.Duration) (at, d time.Duration) {
	d = min(g.dur(lo, hi), g.active)
	at = g.dur(0, g.active-d)
	if at+d > g.active { // dur rounds 0 up to 1ms
		at = g.active - d
	}
	return at, d
}

func (g *randGen) client() string { return ClientNode(1 + g.r.IntN(g.topo.Clients)) }
func (g *randGen) redis() string  { return g.topo.Server(1 + g.r.IntN(g.topo.Redis)) }

// node picks a client or a Redis node, Redis nodes twice as likely.
func (g *randGen) node() (string, bool) {
	switch {
	case g.topo.Clients == 0 && g.topo.Redis == 0:
		return "", false
	case g.topo.Redis == 0:
		return g.client(), true
	case g.topo.Clients == 0 || g.r.IntN(3) > 0:
		return g.redis(), true
	}
	return g.client(), true
}

// anyNode picks any node, storage included.
func (g *randGen) anyNode() string {
	all := g.topo.Nodes()
	return all[g.r.IntN(len(all))]
}

func (g *randGen) fault(k Kind, severe bool) (Fault, bool) {
	ttl := g.ttl
	lo, hi := ttl/4, ttl
	if severe {
		lo, hi = ttl/2, 4*ttl
	}
	switch k {
	case Pause:
		if g.topo.Clients > 0 && g.r.IntN(3) == 0 {
			if g.r.IntN(2) == 0 {
				return g.seamFault(Pause, severe)
			}
			return g.aimedPause(severe)
		}
		n, ok := g.node()
		if !ok {
			return Fault{}, false
		}
		at, d := g.span(lo, hi)
		return Fault{Kind: Pause, At: at, Node: n, For: d}, true
	case Crash:
		if g.topo.Clients > 0 && g.r.IntN(4) == 0 {
			return g.seamFault(Crash, severe)
		}
		n, ok := g.node()
		if !ok {
			return Fault{}, false
		}
		at, d := g.span(lo, hi)
		f := Fault{Kind: Crash, At: at, Node: n, For: d}
		if mayBeRedis(n) {
			f.Persistence = Persistences[g.r.IntN(len(Persistences))]
			// a host crash matters only under everysec
			f.Host = f.Persistence == PersistEverysec && g.r.IntN(2) == 0
		}
		return f, true
	case Partition:
		if len(g.topo.Nodes()) < 2 {
			return Fault{}, false
		}
		at, d := g.span(lo, hi)
		f := Fault{Kind: Partition, At: at, For: d, B: []string{"*"}}
		switch shape := g.r.IntN(4); {
		case shape == 0 && g.topo.Redis >= 3:
			minority := g.r.Perm(g.topo.Redis)[:1+g.r.IntN((g.topo.Redis-1)/2)]
			slices.Sort(minority)
			for _, i := range minority {
				f.A = append(f.A, g.topo.Server(i+1))
			}
		case shape == 1:
			all := g.topo.Nodes()
			p := g.r.Perm(len(all))
			f.A, f.B = nil, nil
			for i, n := range all {
				if i == p[0] || (i != p[1] && g.r.IntN(2) == 0) {
					f.A = append(f.A, n)
				} else {
					f.B = append(f.B, n)
				}
			}
		default:
			f.A = []string{g.anyNode()}
			f.OneWay = shape == 2
		}
		return f, true
	case Loss:
		at, d := g.span(lo, hi)
		rate := 0.01 + 0.09*g.r.Float64()
		if severe {
			rate = 0.2 + 0.7*g.r.Float64()
		}
		f := Fault{Kind: Loss, At: at, For: d, Rate: float64(int(rate*1000)) / 1000}
		if g.r.IntN(2) == 0 {
			f.From, f.To = g.link()
		}
		return f, true
	case Delay:
		at, d := g.span(lo, hi)
		extra := g.dur(time.Millisecond, 50*time.Millisecond)
		if severe {
			extra = g.dur(ttl/2, 2*ttl)
		}
		from, to := g.link()
		return Fault{Kind: Delay, At: at, For: d, From: from, To: to, Delay: extra}, true
	case ClockDrift:
		n, ok := g.node()
		if !ok {
			return Fault{}, false
		}
		at, d := g.span(lo, hi)
		ppm := 100 + g.r.IntN(1900)
		if severe {
			ppm = 10000 + g.r.IntN(90000)
		}
		if g.r.IntN(2) == 0 {
			ppm = -ppm
		}
		return Fault{Kind: ClockDrift, At: at, Node: n, For: d, Rate: float64(ppm) / 1e6}, true
	case ClockStep:
		if g.topo.Clients > 0 && g.r.IntN(4) == 0 {
			return g.seamFault(ClockStep, severe)
		}
		n, ok := g.node()
		if !ok {
			return Fault{}, false
		}
		return Fault{Kind: ClockStep, At: g.dur(0, g.active), Node: n, Step: g.step(severe)}, true
	}
	return Fault{}, false
}

// step is a clock step, forward or back.
func (g *randGen) step(severe bool) time.Duration {
	step := g.dur(g.ttl/10, g.ttl/2)
	if severe {
		step = g.dur(g.ttl/2, 3*g.ttl)
	}
	if g.r.IntN(2) == 0 {
		step = -step
	}
	return step
}

// seamWeights weighs the seam calls a random seam trigger counts: reading
// the clock most (it decides validities), then the commands' sends and
// replies, the rest once.
var seamWeights = []struct {
	seam   Seam
	weight int
}{
	{SeamNow, 3}, {SeamDoSent, 2}, {SeamDoReplied, 2},
	{SeamSleep, 1}, {SeamGo, 1}, {SeamWait, 1}, {SeamMutexLock, 1},
}

// seamFault aims a pause, crash or clock step of a client inside its lock
// code: at one of the first few seam calls of a kind after the client sends
// an acquire (three times in four) or a release, so that it lands between
// two steps of Lock or Unlock, where no timed fault can aim. It ends
// within the active phase.
func (g *randGen) seamFault(k Kind, severe bool) (Fault, bool) {
	op := OpAcquire
	if g.r.IntN(4) == 0 {
		op = OpRelease
	}
	total := 0
	for _, w := range seamWeights {
		total += w.weight
	}
	pick := g.r.IntN(total)
	var seam Seam
	for _, w := range seamWeights {
		if pick < w.weight {
			seam = w.seam
			break
		}
		pick -= w.weight
	}
	tr := Trigger{Op: op, Phase: PhaseInvoke, Occurrence: 1 + g.r.IntN(3), Seam: seam, Call: 1 + g.r.IntN(3)}
	var f Fault
	switch k {
	case Pause:
		f = Fault{Kind: Pause, Node: Holder, For: g.dur(g.ttl/2, g.ttl)}
		if severe {
			f.For = g.dur(g.ttl, 3*g.ttl)
		}
	case Crash:
		lo, hi := g.ttl/4, g.ttl
		if severe {
			lo, hi = g.ttl/2, 4*g.ttl
		}
		f = Fault{Kind: Crash, Node: Holder, For: g.dur(lo, hi)}
	case ClockStep:
		f = Fault{Kind: ClockStep, Node: Holder, Step: g.step(severe)}
	default:
		return Fault{}, false
	}
	tr.Until = g.active - f.For
	if tr.Until < time.Millisecond {
		return Fault{}, false
	}
	return f.On(tr), true
}

// link picks two distinct nodes.
func (g *randGen) link() (string, string) {
	all := g.topo.Nodes()
	p := g.r.Perm(len(all))
	if len(all) < 2 {
		return all[0], all[0]
	}
	return all[p[0]], all[p[1]]
}

// aimedPause pauses the client that has just acquired the lock, ending
// within the active phase.
func (g *randGen) aimedPause(severe bool) (Fault, bool) {
	d := g.dur(g.ttl/2, g.ttl)
	if severe {
		d = g.dur(g.ttl, 3*g.ttl)
	}
	after := g.dur(0, g.ttl/10)
	if g.r.IntN(2) == 0 {
		after = 0
	}
	until := g.active - after - d
	if until < time.Millisecond {
		return Fault{}, false
	}
	tr := Trigger{Op: OpAcquire, Phase: PhaseOK, Occurrence: 1 + g.r.IntN(3), After: after, Until: until}
	return Fault{Kind: Pause, Node: Holder, For: d}.On(tr), true
}
