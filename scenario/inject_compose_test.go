package scenario

import (
	"fmt"
	"testing"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// helperT is what settingsMismatch needs of a *testing.T or *rapid.T.
type helperT interface {
	require.TestingT
	Helper()
}

// composeConfig is a small run (2 clients, 1 Redis node) for fault
// schedules s.
func composeConfig(s faults.Schedule) Config {
	c := Config{Lock: "lua", Clients: 2, Duration: Duration(30 * time.Second)}.WithDefaults()
	c.Faults = s
	return c
}

// settingsMismatch runs cfg and, at each instant of at, compares every
// setting of the world with the fold of the faults the history shows
// active then, written here independently of the injector: drifts compose
// as clock speeds multiply, losses as independent drops (1-Π(1-p)), delays
// add up, a link is cut and a node paused or down while any fault of that
// kind covers it. It returns the mismatches.
func settingsMismatch(t helperT, cfg Config, seed uint64, at []time.Duration) []string {
	t.Helper()
	require.NoError(t, cfg.Validate())
	r := build(cfg, seed)
	defer r.w.Close()
	topo := cfg.Topology()
	names := topo.Nodes()
	expand := func(patterns ...string) []string {
		out, err := topo.Expand(patterns, "")
		require.NoError(t, err)
		return out
	}
	orEvery := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	var bad []string
	check := func(now time.Duration) {
		active := map[int]bool{}
		for _, e := range r.rec.joined() {
			switch e.Op {
			case histories.OpFaultStart:
				active[e.FaultID] = true
			case histories.OpFaultEnd:
				delete(active, e.FaultID)
			}
		}
		speed := map[string]float64{}
		keep := map[[2]string]float64{}
		delay := map[[2]string]time.Duration{}
		cut := map[[2]string]bool{}
		paused, down := map[string]bool{}, map[string]bool{}
		globalKeep := 1.0
		for _, n := range names {
			speed[n] = 1
			for _, m := range names {
				keep[[2]string{n, m}] = 1
			}
		}
		for id := range active {
			f := cfg.Faults.Faults[id-1]
			switch f.Kind {
			case faults.ClockDrift:
				for _, n := range expand(f.Node) {
					speed[n] *= 1 + f.Rate
				}
			case faults.Pause:
				for _, n := range expand(f.Node) {
					paused[n] = true
				}
			case faults.Crash:
				for _, n := range expand(f.Node) {
					down[n] = true
				}
			case faults.Loss, faults.Delay:
				if f.Kind == faults.Loss && f.From == "" && f.To == "" {
					globalKeep *= 1 - f.Rate
					continue
				}
				for _, a := range expand(orEvery(f.From)) {
					for _, b := range expand(orEvery(f.To)) {
						if f.Kind == faults.Loss {
							keep[[2]string{a, b}] *= 1 - f.Rate
						} else {
							delay[[2]string{a, b}] += f.Delay
						}
					}
				}
			case faults.Partition:
				as, bs, err := topo.Sides(f, "")
				require.NoError(t, err)
				for _, a := range as {
					for _, b := range bs {
						cut[[2]string{a, b}] = true
						if !f.OneWay {
							cut[[2]string{b, a}] = true
						}
					}
				}
			}
		}
		differ := func(what string, want, got any) {
			bad = append(bad, fmt.Sprintf("at %s: %s: want %v, got %v (active faults %v)", now, what, want, got, active))
		}
		near := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
		if got := r.w.GlobalLoss(); !near(got, 1-globalKeep) {
			differ("global loss", 1-globalKeep, got)
		}
		for _, n := range names {
			node := r.nodes[n]
			if got := node.Drift(); !near(got, speed[n]-1) {
				differ(n+" drift", speed[n]-1, got)
			}
			if got := node.Paused(); got != paused[n] {
				differ(n+" paused", paused[n], got)
			}
			if got := node.Crashed(); got != down[n] {
				differ(n+" crashed", down[n], got)
			}
			for _, m := range names {
				if n == m {
					continue
				}
				l := [2]string{n, m}
				to := r.nodes[m]
				if got := r.w.Loss(node, to); !near(got, 1-keep[l]) {
					differ(n+" -> "+m+" loss", 1-keep[l], got)
				}
				if got := r.w.ExtraDelay(node, to); got != delay[l] {
					differ(n+" -> "+m+" delay", delay[l], got)
				}
				if got := !r.w.Reachable(node, to); got != cut[l] {
					differ(n+" -> "+m+" cut", cut[l], got)
				}
			}
		}
	}
	for _, t := range at {
		r.w.At(t, func() { check(t) })
	}
	r.w.Run(cfg.Duration.D())
	return bad
}

// TestTwoDriftsCompose: two drifts on redis-1, over 0-10s and 2-22s. When
// the first ends, the second is still active: the clock keeps its drift,
// instead of going back to true speed.
func TestTwoDriftsCompose(t *testing.T) {
	cfg := composeConfig(faults.Schedule{Faults: []faults.Fault{
		{Kind: faults.ClockDrift, At: 0, Node: "redis-1", Rate: 0.05, For: 10 * time.Second},
		{Kind: faults.ClockDrift, At: 2 * time.Second, Node: "redis-1", Rate: 0.02, For: 20 * time.Second},
	}})
	require.Empty(t, settingsMismatch(t, cfg, 1, []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 25 * time.Second}))

	r := build(cfg, 1)
	defer r.w.Close()
	var at15, at5 float64
	r.w.At(15*time.Second, func() { at15 = r.nodes["redis-1"].Drift() })
	r.w.At(5*time.Second, func() { at5 = r.nodes["redis-1"].Drift() })
	r.w.Run(30 * time.Second)
	require.Equal(t, 0.02, at15, "at 15s only the second drift is active")
	require.InDelta(t, 1.05*1.02-1, at5, 1e-12, "at 5s both are")
}

// genFault draws a timed fault on the nodes of composeConfig, at whole
// milliseconds; pauses hit clients and crashes the Redis node, so that no
// node is paused and crashed at once.
func genFault(t *rapid.T, i int) faults.Fault {
	nodes := []string{"client-1", "client-2", "redis-1", faults.Storage}
	pick := func(label string, from []string) string { return rapid.SampledFrom(from).Draw(t, label) }
	ms := func(label string, lo, hi int) time.Duration {
		return time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Millisecond
	}
	l := fmt.Sprintf("f%d.", i)
	f := faults.Fault{At: ms(l+"at", 0, 20000), For: ms(l+"for", 1, 12000)}
	switch rapid.IntRange(0, 6).Draw(t, l+"kind") {
	case 0:
		f.Kind, f.Node = faults.ClockDrift, pick(l+"node", append(nodes, "redis-*", "*"))
		f.Rate = float64(rapid.SampledFrom([]int{-50, -20, -5, 1, 5, 30, 60}).Draw(t, l+"pct")) / 100
	case 1:
		f.Kind, f.Rate = faults.Loss, float64(rapid.IntRange(1, 100).Draw(t, l+"pct"))/100
		if rapid.Bool().Draw(t, l+"links") {
			f.From, f.To = pick(l+"from", append(nodes, "client-*")), pick(l+"to", append(nodes, "*"))
		}
	case 2:
		f.Kind, f.Delay = faults.Delay, ms(l+"delay", 1, 500)
		f.From, f.To = pick(l+"from", append(nodes, "client-*")), pick(l+"to", append(nodes, "redis-*"))
	case 3:
		f.Kind, f.Node = faults.Pause, pick(l+"node", []string{"client-1", "client-2", "client-*"})
	case 4:
		f.Kind, f.Node = faults.Crash, "redis-1"
	case 5:
		a := pick(l+"a", nodes)
		f.Kind, f.A, f.B, f.OneWay = faults.Partition, []string{a}, []string{pick(l+"b", append(nodes, "*"))}, rapid.Bool().Draw(t, l+"oneway")
		if f.B[0] == a {
			f.B = []string{"*"}
		}
	default:
		f.Kind, f.For = faults.Heal, 0
	}
	return f
}

// TestFaultsComposeProperty: under random overlapping faults, at random
// instants (never at a fault's start or end), each setting of the world is
// the combination of the faults active on its target.
func TestFaultsComposeProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s faults.Schedule
		for i := range rapid.IntRange(1, 8).Draw(t, "faults") {
			s.Faults = append(s.Faults, genFault(t, i))
		}
		cfg := composeConfig(s)
		var at []time.Duration
		for i := range 12 {
			at = append(at, time.Duration(rapid.IntRange(0, 29999).Draw(t, fmt.Sprintf("t%d", i)))*time.Millisecond+time.Millisecond/2)
		}
		if bad := settingsMismatch(t, cfg, rapid.Uint64Range(1, 1000).Draw(t, "seed"), at); len(bad) > 0 {
			t.Fatalf("%d setting(s) differ from the active faults:\n%s\nschedule:\n%s", len(bad), bad[0], s)
		}
	})
}
