package sim

// The oracles that judge the kernel itself (the trace hash, determinism,
// the seed) must be able to fail: each test here perturbs one thing a run
// does and requires the oracle to see it, or varies the seed and requires
// the runs themselves (what was picked, when messages arrived) to differ.
// The mutants of scripts/mutants.d (seed-ignored, tracehash-is-seed,
// scheduler-picks-first) are killed here.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// perturbation changes one thing in a run of oracleWorld.
type perturbation struct {
	extraCommand bool          // one more GET at the end of one client's work
	swapPick     int           // > 0: the swapPick-th pick among several runs another task
	bumpLatency  uint64        // > 0: message bumpLatency arrives 1ns later
	pauseAt      time.Duration // when the server node is paused for 30ms
}

// oracleRun is what a run of oracleWorld did.
type oracleRun struct {
	hash    string
	stats   Stats
	swapped bool // the swapped pick happened
	bumped  bool // the latency was bumped
}

// oracleWorld runs 3 clients doing 25 lock operations each on one server
// node (kv_test.go) and a fourth fanning out GETs, with the default (jittered) latency
// and the node paused once.
func oracleWorld(seed uint64, p perturbation) oracleRun {
	w := NewWorld(seed)
	defer w.Close()
	var res oracleRun
	if p.swapPick > 0 {
		choices := 0
		w.pickHook = func(runnable []*task, i int) int {
			if len(runnable) < 2 {
				return i
			}
			if choices++; choices == p.swapPick {
				res.swapped = true
				return (i + 1) % len(runnable)
			}
			return i
		}
	}
	if p.bumpLatency > 0 {
		w.latencyHook = func(id uint64, d time.Duration) time.Duration {
			if id == p.bumpLatency {
				res.bumped = true
				return d + time.Nanosecond
			}
			return d
		}
	}
	srv, _ := addKV(w, "server")
	for i := range 3 {
		c := w.AddNode(fmt.Sprintf("client%d", i))
		w.Spawn(c, "worker", func(rt *Runtime) {
			kvLockWorker(rt, w.Connect(c, srv), 25)
			if i == 0 {
				// after everything else: the extra command changes nothing
				// but itself
				_ = rt.Sleep(context.Background(), 30*time.Second)
				if p.extraCommand {
					_, _ = kvDo(w.Connect(c, srv), "GET", "lock")
				}
			}
		})
	}
	// a fan-out: two GETs at once, every 10ms, so that picks among several
	// runnable tasks happen all along the run
	f := w.AddNode("fanout")
	w.Spawn(f, "fanout", func(rt *Runtime) {
		conn := w.Connect(f, srv)
		for range 20 {
			g := rt.Group()
			for range 2 {
				g.Go(func() { _, _ = kvDo(conn, "GET", "lock") })
			}
			g.Wait()
			_ = rt.Sleep(context.Background(), 10*time.Millisecond)
		}
	})
	pauseAt := p.pauseAt
	if pauseAt == 0 {
		pauseAt = 200 * time.Millisecond
	}
	w.At(pauseAt, func() { w.Pause(srv, 30*time.Millisecond) })
	w.Run(time.Minute)
	res.hash, res.stats = w.TraceHash(), w.Stats()
	return res
}

// TestTraceHashSeesEveryPerturbation: the same seed twice gives the same
// hash; one extra request, one swapped scheduling pick, one latency
// drawn 1ns longer, and one fault moved by 1µs each give another.
func TestTraceHashSeesEveryPerturbation(t *testing.T) {
	for seed := range uint64(3) {
		base := oracleWorld(seed, perturbation{})
		require.Greater(t, base.stats.Requests, uint64(100), "the workload did little")
		again := oracleWorld(seed, perturbation{})
		require.Equal(t, base.hash, again.hash, "seed %d: the same run hashes differently", seed)
		for _, tc := range []struct {
			name  string
			p     perturbation
			check func(t *testing.T, r oracleRun)
		}{
			{"extra-request", perturbation{extraCommand: true}, func(t *testing.T, r oracleRun) {
				assert.Equal(t, base.stats.Requests+1, r.stats.Requests)
			}},
			{"swapped-pick", perturbation{swapPick: 15}, func(t *testing.T, r oracleRun) {
				assert.True(t, r.swapped, "no 15th pick among several tasks")
			}},
			{"latency-1ns", perturbation{bumpLatency: 20}, func(t *testing.T, r oracleRun) {
				assert.True(t, r.bumped, "message 20 was never sent")
			}},
			{"fault-moved-1us", perturbation{pauseAt: 200*time.Millisecond + time.Microsecond}, nil},
		} {
			t.Run(fmt.Sprintf("seed%d/%s", seed, tc.name), func(t *testing.T) {
				r := oracleWorld(seed, tc.p)
				if tc.check != nil {
					tc.check(t, r)
				}
				assert.NotEqual(t, base.hash, r.hash, "the trace hash did not see the perturbation")
			})
		}
	}
}

// yieldOrder runs 4 tasks on one node that each yield 10 times, with no
// network, so that only the scheduler's draws order them, and returns the
// order in which they ran (task numbers) and the picks logged.
func yieldOrder(seed uint64) (ran []int, picks []uint64) {
	w := NewWorld(seed)
	defer w.Close()
	w.pickHook = func(runnable []*task, i int) int {
		picks = append(picks, runnable[i].id)
		return i
	}
	n := w.AddNode("n")
	for k := range 4 {
		w.Spawn(n, fmt.Sprintf("t%d", k), func(rt *Runtime) {
			for range 10 {
				ran = append(ran, k)
				rt.Yield()
			}
		})
	}
	w.Run(time.Second)
	return ran, picks
}

// TestSeedChangesSchedule: different seeds order the same runnable tasks
// differently, measured on what ran; the same seed orders them alike.
func TestSeedChangesSchedule(t *testing.T) {
	seen := map[string]uint64{}
	for seed := range uint64(10) {
		ran, picks := yieldOrder(seed)
		require.Len(t, ran, 40)
		require.GreaterOrEqual(t, len(picks), 40)
		again, _ := yieldOrder(seed)
		require.Equal(t, ran, again, "seed %d ran in another order the second time", seed)
		key := fmt.Sprint(ran)
		other, dup := seen[key]
		require.False(t, dup, "seeds %d and %d ran the tasks in the same order %v", other, seed, ran)
		seen[key] = seed
	}
}

// deliveryTimes runs one client sending 30 GETs to a server node over
// links with the default jitter and returns when each request was served
// and, on the client, when each reply came back.
func deliveryTimes(seed uint64) (executed, replied []time.Duration) {
	w := NewWorld(seed)
	defer w.Close()
	srv, s := addKV(w, "server")
	c := w.AddNode("client")
	w.Spawn(c, "client", func(rt *Runtime) {
		for range 30 {
			_, _ = kvDo(w.Connect(c, srv), "GET", "k")
			replied = append(replied, rt.Mono())
		}
	})
	w.Run(time.Minute)
	return s.served, replied
}

// TestSeedChangesDeliveries: different seeds draw different latencies,
// measured on when the commands executed and their replies arrived.
func TestSeedChangesDeliveries(t *testing.T) {
	seen := map[string]uint64{}
	for seed := range uint64(10) {
		executed, replied := deliveryTimes(seed)
		require.Len(t, executed, 30)
		require.Len(t, replied, 30)
		key := fmt.Sprint(executed, replied)
		other, dup := seen[key]
		require.False(t, dup, "seeds %d and %d delivered every message at the same times", other, seed)
		seen[key] = seed
	}
}

// TestSeedChangesTaskRand: different seeds give the tasks different random
// sources.
func TestSeedChangesTaskRand(t *testing.T) {
	draws := func(seed uint64) []uint64 {
		w := NewWorld(seed)
		defer w.Close()
		n := w.AddNode("n")
		var out []uint64
		for range 3 {
			w.Spawn(n, "t", func(rt *Runtime) { out = append(out, rt.Rand().Uint64()) })
		}
		w.Run(time.Second)
		return out
	}
	a, b := draws(1), draws(2)
	require.Len(t, a, 3)
	assert.Equal(t, a, draws(1))
	assert.NotEqual(t, a, b)
}

// streamRun is what a run of streamWorld did, subsystem by subsystem.
type streamRun struct {
	picks      []uint64        // task IDs, in the order picked
	taskDraws  []uint64        // each task's first draw, in spawn order
	deliveries []time.Duration // arrival times of the background messages
	next       map[string]uint64
}

// streamWorld runs tasks that only yield and sleep (the scheduler and the
// task stream), background messages between two task-less nodes (the
// network stream) and a server node restarted once (its node stream), and
// calls extra at 5ms, which may draw from one stream. It returns what each
// subsystem did and the next draw of each stream.
func streamWorld(seed uint64, extra func(w *World)) streamRun {
	w := NewWorld(seed)
	defer w.Close()
	var res streamRun
	w.pickHook = func(runnable []*task, i int) int {
		res.picks = append(res.picks, runnable[i].id)
		return i
	}
	n := w.AddNode("n")
	a, b := w.AddNode("a"), w.AddNode("b")
	srv, _ := addKV(w, "server")
	for range 2 {
		w.Spawn(n, "t", func(rt *Runtime) {
			res.taskDraws = append(res.taskDraws, rt.Rand().Uint64())
			for range 20 {
				g := rt.Group()
				for range 3 {
					g.Go(func() { rt.Yield() })
				}
				g.Wait()
				_ = rt.Sleep(context.Background(), time.Millisecond)
			}
		})
	}
	for k := range 20 {
		w.At(time.Duration(k)*time.Millisecond, func() {
			w.send(a, b, funcReceiver(func() { res.deliveries = append(res.deliveries, w.now) }))
		})
	}
	w.At(10*time.Millisecond, func() { w.Crash(srv) })
	w.At(20*time.Millisecond, func() { w.Restart(srv) })
	w.At(5*time.Millisecond, func() { extra(w) })
	w.Run(time.Second)
	res.next = map[string]uint64{
		"scheduler": w.sched.Uint64(),
		"network":   w.net.Uint64(),
		"tasks":     w.taskRand.Uint64(),
		"faults":    w.Rand().Uint64(),
		"server":    srv.Rand().Uint64(),
	}
	return res
}

// TestStreamsAreIndependent: one extra draw from one subsystem's stream
// changes that subsystem's later draws and no other's: the scheduler picks
// the same tasks, the tasks get the same seeds, the server node the same
// draws at its starts, and messages arrive at the same times.
func TestStreamsAreIndependent(t *testing.T) {
	base := streamWorld(7, func(*World) {})
	require.Len(t, base.deliveries, 20)
	require.Len(t, base.taskDraws, 2)
	require.Greater(t, len(base.picks), 80)
	for _, tc := range []struct {
		stream string
		draw   func(w *World)
	}{
		{"network", func(w *World) { w.net.Uint64() }},
		{"scheduler", func(w *World) { w.sched.Uint64() }},
		{"tasks", func(w *World) { w.taskRand.Uint64() }},
		{"faults", func(w *World) { w.Rand().Uint64() }},
		{"server", func(w *World) { w.nodes[3].Rand().Uint64() }}, // nodes n, a, b, server
	} {
		t.Run(tc.stream, func(t *testing.T) {
			got := streamWorld(7, tc.draw)
			for name, v := range base.next {
				switch {
				case name != tc.stream:
					assert.Equal(t, v, got.next[name], "a draw from %s moved the %s stream", tc.stream, name)
				case name != "scheduler": // the picks show that one moved
					assert.NotEqual(t, v, got.next[name], "the extra draw did not move the %s stream", name)
				}
			}
			switch tc.stream {
			case "network":
				assert.NotEqual(t, base.deliveries, got.deliveries, "the extra network draw changed no delivery")
				assert.Equal(t, base.picks, got.picks)
			case "scheduler":
				assert.NotEqual(t, base.picks, got.picks, "the extra scheduler draw changed no pick")
				assert.Equal(t, base.deliveries, got.deliveries)
			default:
				assert.Equal(t, base.picks, got.picks)
				assert.Equal(t, base.deliveries, got.deliveries)
			}
			assert.Equal(t, base.taskDraws, got.taskDraws, "the tasks were seeded differently")
		})
	}
}

// TestStreamsDiffer: the streams of one seed are not copies of each other,
// and World.Stream(name) is NewStream(seed, name).
func TestStreamsDiffer(t *testing.T) {
	names := []string{streamScheduler, streamNetwork, streamTasks, streamFaults, streamNodePfx + "server", "other"}
	seen := map[uint64]string{}
	for _, name := range names {
		v := NewStream(42, name).Uint64()
		other, dup := seen[v]
		require.False(t, dup, "streams %q and %q start alike", other, name)
		seen[v] = name
		assert.NotEqual(t, v, NewStream(43, name).Uint64(), "stream %q ignores the seed", name)
	}
	w := NewWorld(42)
	defer w.Close()
	assert.Equal(t, NewStream(42, "faults").Uint64(), w.Stream("faults").Uint64())
	assert.Same(t, w.Rand(), w.Rand())
}
