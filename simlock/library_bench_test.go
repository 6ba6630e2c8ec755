package simlock

import (
	"context"
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/locksim/locksim/internal/cputime"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// libScript is a library script as a client sends it: EVALSHA of its
// digest, then EVAL of its body if the server answers NOSCRIPT (what
// go-redis's Script.Run and redsync's goredis pool do).
type libScript struct{ body, sha string }

func (s libScript) run(ctx context.Context, conn locks.Conn, key string, argv ...any) (any, error) {
	v, err := conn.Do(ctx, append([]any{"EVALSHA", s.sha, 1, key}, argv...)...)
	if err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		v, err = conn.Do(ctx, append([]any{"EVAL", s.body, 1, key}, argv...)...)
	}
	return v, err
}

// libScriptsOf returns the library scripts by name, with the bodies read
// from the module cache.
func libScriptsOf(b testing.TB) map[string]libScript {
	out := map[string]libScript{}
	for name, body := range libraryBodies(b) {
		out[name] = libScript{body: body, sha: sha1Hex(body)}
	}
	return out
}

// redsyncWorker loops go-redsync's Mutex as it talks to Redis, with its
// defaults (expiry 8s, retry delay 50-250ms, drift factor 0.01; go-redis's
// SetNX of a whole number of seconds is SET key value EX 8 NX): acquire on
// every node; with a majority, a critical section of 0-20ms, an extend
// (every other cycle with SETNX, as WithSetNXOnExtend) and a release on
// every node; without one, a release on every node and a retry delay.
func redsyncWorker(rt *sim.Runtime, conns []locks.Conn, sc map[string]libScript) {
	bg := context.Background()
	rng := rt.Rand()
	del, touch, touchNX := sc["redsync.deleteScript"], sc["redsync.touchScript"], sc["redsync.touchWithSetNXScript"]
	for cycle := 0; ; cycle++ {
		value := strconv.FormatUint(rng.Uint64(), 36)
		n := 0
		for _, c := range conns {
			if v, err := c.Do(bg, "set", "redsync-lock", value, "ex", 8, "nx"); err == nil && v == "OK" {
				n++
			}
		}
		if n > len(conns)/2 {
			_ = rt.Sleep(bg, time.Duration(rng.IntN(20))*time.Millisecond)
			ext := touch
			if cycle%2 == 1 {
				ext = touchNX
			}
			for _, c := range conns {
				_, _ = ext.run(bg, c, "redsync-lock", value, 8000)
			}
		}
		for _, c := range conns {
			_, _ = del.run(bg, c, "redsync-lock", value)
		}
		if n <= len(conns)/2 {
			_ = rt.Sleep(bg, time.Duration(50+rng.IntN(200))*time.Millisecond)
			continue
		}
		_ = rt.Sleep(bg, time.Duration(rng.IntN(10))*time.Millisecond)
	}
}

// redislockWorker loops bsm/redislock's Client as it talks to Redis, with a
// linear backoff of 10ms: obtain (a token of 22 characters and metadata);
// once obtained, a critical section of 0-20ms, a refresh, a TTL and a
// release.
func redislockWorker(rt *sim.Runtime, conns []locks.Conn, sc map[string]libScript) {
	bg := context.Background()
	rng := rt.Rand()
	obtain, refresh, pttl, release := sc["redislock.luaObtain"], sc["redislock.luaRefresh"], sc["redislock.luaPTTL"], sc["redislock.luaRelease"]
	c := conns[0]
	for {
		token := fmt.Sprintf("%022d", rng.Uint64())
		value := token + "meta"
		for {
			if v, err := obtain.run(bg, c, "redislock-lock", value, len(token), 8000); err == nil && v == "OK" {
				break
			}
			_ = rt.Sleep(bg, 10*time.Millisecond)
		}
		_ = rt.Sleep(bg, time.Duration(rng.IntN(20))*time.Millisecond)
		_, _ = refresh.run(bg, c, "redislock-lock", value, 8000)
		_, _ = pttl.run(bg, c, "redislock-lock", value)
		_, _ = release.run(bg, c, "redislock-lock", value)
		_ = rt.Sleep(bg, time.Duration(rng.IntN(10))*time.Millisecond)
	}
}

// libWorld runs 5 clients of worker against nodes Redis nodes for 10
// virtual seconds and returns the commands the nodes executed, the CPU
// time it took and the trace hash.
func libWorld(seed uint64, nodes int, worker func(*sim.Runtime, []locks.Conn, map[string]libScript), sc map[string]libScript, opts ...sim.Option) (uint64, time.Duration, string) {
	w := sim.NewWorld(seed, opts...)
	defer w.Close()
	spawnWorkers(w, nodes, func(rt *sim.Runtime, conns []locks.Conn) { worker(rt, conns, sc) })
	c0 := cputime.Used()
	w.Run(10 * time.Second)
	return w.Stats().Requests, cputime.Used() - c0, w.TraceHash()
}

// fastRepeats is how many times each fast World runs, the same seed each
// time, against one interpreted run: a fast World takes a few tens of
// milliseconds, too short to time alone on a shared machine.
const fastRepeats = 10

// BenchmarkLibraryScripts runs the command mix of go-redsync (5 nodes) and
// of bsm/redislock (1 node), 5 clients each, through a sim World with the
// fast paths and with every script interpreted, the same seeds in both
// (the runs are identical: same commands, same trace hash, which it
// checks). It reports each mode's virtual seconds and commands per CPU
// second, and speedup-x: the interpreted CPU time per World over the fast
// one (the mean of fastRepeats runs, after one untimed run to warm up).
func BenchmarkLibraryScripts(b *testing.B) {
	sc := libScriptsOf(b)
	for _, wl := range []struct {
		name   string
		nodes  int
		worker func(*sim.Runtime, []locks.Conn, map[string]libScript)
	}{{"redsync", 5, redsyncWorker}, {"redislock", 1, redislockWorker}} {
		b.Run(wl.name, func(b *testing.B) {
			var cpuFast, cpuInterp time.Duration
			var cmds uint64
			libWorld(0, wl.nodes, wl.worker, sc, WithFastPaths())
			for i := 0; i < b.N; i++ {
				var nf uint64
				var hf string
				for range fastRepeats {
					n, c, h := libWorld(uint64(i), wl.nodes, wl.worker, sc, WithFastPaths())
					nf, hf = n, h
					cpuFast += c / fastRepeats
				}
				ni, ci, hi := libWorld(uint64(i), wl.nodes, wl.worker, sc, WithFastPaths(), redis.WithInterpretedScripts())
				if nf != ni || hf != hi {
					b.Fatalf("seed %d: the fast run executed %d commands (trace %s), the interpreted one %d (trace %s)", i, nf, hf, ni, hi)
				}
				cpuInterp += ci
				cmds += nf
			}
			virt := 10 * float64(b.N)
			b.ReportMetric(virt/cpuFast.Seconds(), "fast-virt-s/cpu-s")
			b.ReportMetric(virt/cpuInterp.Seconds(), "interp-virt-s/cpu-s")
			b.ReportMetric(float64(cmds)/cpuFast.Seconds(), "fast-cmds/cpu-s")
			b.ReportMetric(float64(cmds)/cpuInterp.Seconds(), "interp-cmds/cpu-s")
			b.ReportMetric(cpuInterp.Seconds()/cpuFast.Seconds(), "speedup-x")
		})
	}
}
