package simlock

import (
	"context"
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// TestFastPathsMatchLockScripts is the oracle of a stale fast path: every
// Go fast path is registered under the exact body of the locks script it
// claims to implement, as that script is today, and every locks script has
// one. A script changed in package locks runs interpreted (correct, but
// slow) and fails here, naming the fast path to rewrite.
func TestFastPathsMatchLockScripts(t *testing.T) {
	require.NoError(t, checkFastPaths(FastPaths(), locks.Scripts()))
}

// checkFastPaths reports the fast paths whose body is not the current body
// of the locks script they are named after, and the scripts without one.
func checkFastPaths(fps []*redis.FastPath, scripts []locks.Script) error {
	bodies := map[string]string{}
	for _, s := range scripts {
		bodies[s.Name] = s.Body
	}
	var problems []string
	covered := map[string]bool{}
	for _, fp := range fps {
		body, ok := bodies[fp.Name()]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("fast path %s implements no script of package locks", fp.Name()))
		case body != fp.Body():
			problems = append(problems, fmt.Sprintf("fast path %s is stale: it implements\n\t%s\nbut the locks script %s is now\n\t%s\n(its EVALs run interpreted; rewrite the Go code in simlock/fastpath.go for the new body, then copy the body)",
				fp.Name(), fp.Body(), fp.Name(), body))
		}
		covered[fp.Name()] = true
	}
	for _, s := range scripts {
		if !covered[s.Name] {
			problems = append(problems, fmt.Sprintf("locks script %s has no fast path: it runs interpreted", s.Name))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return nil
}

// The oracle fails: a body one byte off (even in white space) is named as
// stale, a fast path of no script and a script without one are reported.
func TestCheckFastPathsDetectsStaleBody(t *testing.T) {
	scripts := locks.Scripts()
	for i, s := range scripts {
		if s.Name == locks.ScriptRelease {
			scripts[i].Body = s.Body + " "
		}
	}
	err := checkFastPaths(FastPaths(), scripts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fast path release is stale")
	assert.NotContains(t, err.Error(), "fast path extend")

	err = checkFastPaths(append(FastPaths(), redis.NewFastPath("unlock-all", "return 1", func(*redis.ScriptCall) bool { return false })), locks.Scripts())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fast path unlock-all implements no script")

	err = checkFastPaths(FastPaths()[1:], locks.Scripts())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "locks script "+FastPaths()[0].Name()+" has no fast path")
}

// A body one byte away from a fast path's (the locks' release with a space
// more) runs in the interpreter, with the interpreter's semantics, and so
// does its EVALSHA; the exact body and its EVALSHA run on the fast path.
func TestChangedBodyRunsInterpreted(t *testing.T) {
	rel := release.Body()
	changed := rel + " "
	w := sim.NewWorld(1, WithFastPaths())
	defer w.Close()
	rn := redis.AddNode(w, "r", redis.PersistNone)
	c := w.AddNode("c")
	rec := &replyRecorder{conn: rn.Conn(c)}
	var stats [][2]uint64
	step := func(args ...any) {
		rec.do(args...)
		f, i := rn.ScriptStats()
		stats = append(stats, [2]uint64{f, i})
	}
	w.Spawn(c, "client", func(rt *sim.Runtime) {
		step("SET", "k", "v")
		step("EVAL", changed, 1, "k", "v")
		step("SET", "k", "v")
		step("EVALSHA", sha1Hex(changed), 1, "k", "v")
		step("SET", "k", "v")
		step("EVAL", rel, 1, "k", "v")
		step("SET", "k", "v")
		step("EVALSHA", release.SHA1(), 1, "k", "v")
	})
	w.Run(time.Minute)
	assert.Equal(t, []any{"OK", int64(1), "OK", int64(1), "OK", int64(1), "OK", int64(1)}, rec.replies)
	assert.Equal(t, [][2]uint64{{0, 0}, {0, 1}, {0, 1}, {0, 2}, {0, 2}, {1, 2}, {1, 2}, {2, 2}}, stats,
		"(fast, interpreted) after each command: the changed body twice interpreted, the exact one twice fast")
}

// edgeOp builds a diffOp from a command, naming script bodies.
func edgeOps(cmds ...[]any) []diffOp {
	names := map[string]string{}
	for _, s := range locks.Scripts() {
		names[s.Body] = s.Name
	}
	var ops []diffOp
	for _, c := range cmds {
		parts := make([]string, len(c))
		for i, a := range c {
			parts[i] = fmt.Sprint(a)
			if n, ok := names[parts[i]]; ok {
				parts[i] = "<" + n + ">"
			}
		}
		ops = append(ops, diffOp{args: c, what: strings.Join(parts, " "), pttl: strings.EqualFold(parts[0], "PTTL")})
	}
	return ops
}

// TestFastPathEdgeCases runs sequences that stray from the locks' use
// (wrong arity, bad TTLs, wrong types, counters at Lua's integer limit,
// EVALSHA without a load, SCRIPT FLUSH, MULTI, SELECT, EVAL_RO) in both
// modes: every reply and the resulting keyspace are identical, whether the
// fast path ran or handed the command to the interpreter.
func TestFastPathEdgeCases(t *testing.T) {
	sc := diffScripts(t)
	acq, fen, rel, ext := sc[locks.ScriptLuaAcquire], sc[locks.ScriptFencedAcquire], sc[locks.ScriptRelease], sc[locks.ScriptExtend]
	relSHA := sha1Hex(rel)
	cases := map[string][][]any{
		"arity": {
			{"EVAL", acq, "0", "k", "v"},
			{"EVAL", acq, "2", "k", "k2", "v", "1000"},
			{"EVAL", acq, "1", "k", "v"},
			{"EVAL", acq, "abc", "k", "v", "1000"},
			{"EVAL", acq, "-1", "k", "v", "1000"},
			{"EVAL", acq, "3", "k", "v"},
			{"EVAL", rel, "1", "k"},
			{"EVAL", acq},
			{"EVAL", acq, "1", "k", "v", "60000", "extra"},
			{"EVAL", rel, "1", "k", "v", "extra"},
			{"eval", acq, "1", "k2", "v", "60000"},
			{"EvalSha", relSHA, "1", "k2", "v"},
		},
		"bad-ttl": {
			{"EVAL", acq, "1", "k", "v", "0"},
			{"EVAL", acq, "1", "k", "v", "-5"},
			{"EVAL", acq, "1", "k", "v", "abc"},
			{"EVAL", acq, "1", "k", "v", "1.5"},
			{"EVAL", fen, "2", "k", "c", "v", "abc"},
			{"EVAL", acq, "1", "k", "v", "60000"},
			{"EVAL", ext, "1", "k", "v", "abc"},
			{"EVAL", ext, "1", "k", "v", "0"},
			{"EVAL", acq, "1", "k", "v", "60000"},
			{"EVAL", ext, "1", "k", "v", "-1"},
			{"EVAL", acq, "1", "k", "v", "60000"},
			{"EVAL", ext, "1", "k", "v", "120000"},
			{"PTTL", "k"},
			{"EVAL", ext, "1", "k", "w", "180000"},
			{"PTTL", "k"},
		},
		"wrong-type": {
			{"LPUSH", "k", "x"},
			{"EVAL", rel, "1", "k", "v"},
			{"EVAL", ext, "1", "k", "v", "1000"},
			{"EVAL", acq, "1", "k", "v", "1000"},
			{"LPUSH", "c", "x"},
			{"EVAL", fen, "2", "k2", "c", "v", "60000"},
			{"GET", "k2"},
			{"HSET", "h", "f", "v"},
			{"EVAL", fen, "2", "h", "c", "v", "60000"},
		},
		"counter": {
			{"SET", "c", "abc"},
			{"EVAL", fen, "2", "k", "c", "v", "60000"},
			{"SET", "c", "007"},
			{"EVAL", fen, "2", "k", "c", "v", "60000"},
			{"SET", "c", "-3"},
			{"EVAL", fen, "2", "k2", "c", "v", "60000"},
			{"SET", "c", "9007199254740990"},
			{"EVAL", fen, "2", "k3", "c", "v", "60000"},
			{"EVAL", fen, "2", "k4", "c", "v", "60000"},
			{"SET", "c", "9223372036854775807"},
			{"EVAL", fen, "2", "k5", "c", "v", "60000"},
			{"EVAL", fen, "2", "k6", "k6", "v", "60000"},
			{"EVAL", fen, "2", "k", "c2", "v", "60000"},
			{"EVAL", fen, "2", "k7", "c2", "v", "60000"},
			{"GET", "c2"},
		},
		"script-cache": {
			{"EVALSHA", relSHA, "1", "k", "v"},
			{"SCRIPT", "EXISTS", relSHA},
			{"EVAL", rel, "1", "k", "v"},
			{"SCRIPT", "EXISTS", relSHA},
			{"EVALSHA", relSHA, "1", "k", "v"},
			{"EVALSHA", strings.ToUpper(relSHA), "1", "k", "v"},
			{"SCRIPT", "FLUSH"},
			{"EVALSHA", relSHA, "1", "k", "v"},
			{"SCRIPT", "LOAD", rel},
			{"EVALSHA", relSHA, "1", "k", "v"},
			{"EVAL", acq, "1", "k", "v", "abc"},
			{"SCRIPT", "EXISTS", sha1Hex(acq)},
		},
		"multi": {
			{"MULTI"},
			{"EVAL", acq, "1", "k", "v", "60000"},
			{"EVAL", fen, "2", "k2", "c", "v", "60000"},
			{"EXEC"},
			{"EVAL", rel, "1", "k", "v"},
			{"GET", "k"},
		},
		"select": {
			{"SELECT", "1"},
			{"EVAL", acq, "1", "k", "v", "60000"},
			{"SELECT", "0"},
			{"GET", "k"},
			{"EVAL", acq, "1", "k", "w", "60000"},
		},
		"set-nx-px": {
			{"SET", "k", "v", "NX", "PX", "0"},
			{"SET", "k", "v", "NX", "PX", "-5"},
			{"SET", "k", "v", "NX", "PX", "abc"},
			{"SET", "k", "v", "NX", "PX", "+5000"},
			{"SET", "k", "v", "NX", "PX", "1.5"},
			{"SET", "k", "v", "NX", "PX", "99999999999999"},
			{"PTTL", "k"},
			{"DEL", "k"},
			{"set", "k", "v", "nx", "px", "60000"},
			{"SET", "k", "w", "NX", "PX", "60000"},
			{"PTTL", "k"},
			{"SET", "k2", "v", "PX", "60000", "NX"},
			{"LPUSH", "l", "x"},
			{"SET", "l", "v", "NX", "PX", "1000"},
			{"SET", "c", "v", "NX", "EX", "10"},
			{"SET", "k3", "v", "NX", "PX", "007"},
			{"PTTL", "k3"},
			{"EVAL", rel, "1", "k", "v"},
			{"EVAL", ext, "1", "k", "v", "120000"},
			{"PTTL", "k"},
			{"EVAL", ext, "1", "k", "v", "+120000"},
			{"EVAL", rel, "1", "k", "v"},
		},
		"eval-ro": {
			{"SET", "k", "v"},
			{"EVAL_RO", rel, "1", "k", "v"},
			{"GET", "k"},
		},
	}
	for name, cmds := range cases {
		t.Run(name, func(t *testing.T) {
			ops := edgeOps(cmds...)
			final := edgeOps([]any{"KEYS", "*"}, []any{"GET", "k"}, []any{"PTTL", "k"}, []any{"GET", "c"})
			fast := runSimDiff(t, "sim-fast", 1, ops, final)
			interp := runSimDiff(t, "sim-interpreted", 1, ops, final, redis.WithInterpretedScripts())
			require.NoError(t, compareDiff(ops, final, fast, interp, 0))
			t.Logf("fast %d, interpreted %d; replies %q", fast.fast, fast.interpreted, fast.replies)
		})
	}
}

// replyRecorder sends commands from a task and keeps each reply, or its
// error's text, in order.
type replyRecorder struct {
	conn    locks.Conn
	replies []any
}

func (r *replyRecorder) do(args ...any) {
	v, err := r.conn.Do(context.Background(), args...)
	if err != nil {
		v = err.Error()
	}
	r.replies = append(r.replies, v)
}

// The fast path really serves the locks' scripts; SetInterpretedScripts
// turns it off and on per node.
func TestFastPathStats(t *testing.T) {
	sc := diffScripts(t)
	w := sim.NewWorld(1, WithFastPaths())
	defer w.Close()
	rn := redis.AddNode(w, "r", redis.PersistNone)
	c := w.AddNode("c")
	rec := &replyRecorder{conn: rn.Conn(c)}
	// the locks' release in other words: the same semantics, not the body
	otherRelease := strings.NewReplacer(`"get"`, `"GET"`, `"del"`, `"DEL"`).Replace(sc[locks.ScriptRelease])
	require.NotEqual(t, sc[locks.ScriptRelease], otherRelease)
	w.Spawn(c, "client", func(rt *sim.Runtime) {
		do := rec.do
		do("EVAL", sc[locks.ScriptFencedAcquire], 2, "k", "k:token", "v", 60000)
		do("EVAL", sc[locks.ScriptExtend], 1, "k", "v", 120000)
		do("EVAL", sc[locks.ScriptRelease], 1, "k", "v")
		rn.SetInterpretedScripts(true)
		do("EVAL", sc[locks.ScriptLuaAcquire], 1, "k", "v", 60000)
		rn.SetInterpretedScripts(false)
		do("EVAL", sc[locks.ScriptLuaAcquire], 1, "k", "v", 60000)
		do("EVAL", otherRelease, 1, "k", "v")
	})
	w.Run(time.Minute)
	assert.Equal(t, []any{int64(1), int64(1), int64(1), "OK", "redis: nil", int64(1)}, rec.replies)
	fast, interp := rn.ScriptStats()
	assert.Equal(t, uint64(4), fast)
	assert.Equal(t, uint64(2), interp)
}

// lockWorld runs 5 clients using the lua and fenced locks of package locks
// (Lock, Extend, Unlock) on 3 Redis nodes with persistence none, everysec
// and always, under random crashes, restarts (replays of the write log),
// pauses, clock steps and drift, loss and partitions drawn from the seed.
func lockWorld(seed uint64, horizon time.Duration, opts ...sim.Option) (*sim.World, []*redis.Node) {
	return lockWorldWith(seed, horizon, WithFastPaths(), opts...)
}

// lockWorldWith is lockWorld with the fast paths fps registers.
func lockWorldWith(seed uint64, horizon time.Duration, fps sim.Option, opts ...sim.Option) (*sim.World, []*redis.Node) {
	w := sim.NewWorld(seed, append([]sim.Option{fps}, opts...)...)
	var reds []*redis.Node
	for i, p := range []redis.Persistence{redis.PersistNone, redis.PersistEverysec, redis.PersistAlways} {
		reds = append(reds, redis.AddNode(w, fmt.Sprintf("redis%d", i), p))
	}
	all := []*sim.Node{}
	for i := range 5 {
		c := w.AddNode(fmt.Sprintf("client%d", i))
		all = append(all, c)
		c.OnStart(func(n *sim.Node) {
			w.Spawn(n, "worker", func(rt *sim.Runtime) { scriptLockWorker(rt, reds, i) })
		})
	}
	for _, r := range reds {
		all = append(all, r.Node())
	}
	randomFaults(w, all, horizon, 400*time.Millisecond, 6)
	return w, reds
}

// scriptLockWorker loops: pick a node and a lock kind, Lock, Extend half of
// the time, Unlock.
func scriptLockWorker(rt *sim.Runtime, reds []*redis.Node, id int) {
	bg := context.Background()
	rng := rt.Rand()
	for {
		rn := reds[rng.IntN(len(reds))]
		conn := rn.Conn(rt.Node())
		opts := locks.LuaOptions{Key: "lock", TTL: time.Duration(50+rng.IntN(500)) * time.Millisecond, Tries: 3, AttemptTimeout: 50 * time.Millisecond}
		var l interface {
			locks.Locker
			locks.Extender
		}
		var err error
		if id%2 == 0 {
			l, err = locks.NewLua(Runtime(rt), conn, opts)
		} else {
			l, err = locks.NewFenced(Runtime(rt), conn, locks.FencedOptions{LuaOptions: opts})
		}
		if err != nil {
			panic(err)
		}
		lease, err := l.Lock(bg)
		if err == nil {
			_ = rt.Sleep(bg, time.Duration(rng.IntN(30))*time.Millisecond)
			if rng.IntN(2) == 0 {
				if nl, err := l.Extend(bg, lease); err == nil {
					lease = nl
				}
			}
			_ = l.Unlock(bg, lease)
		}
		_ = rt.Sleep(bg, time.Duration(rng.IntN(20))*time.Millisecond)
	}
}

// TestFastPathTraceEquivalence runs real lock code under random faults
// (crashes and restarts replaying EVALs from the write log, clock steps
// expiring keys, pauses, partitions, loss) with the fast path and with the
// interpreter: the trace hashes — every command, reply, expiry, lost key
// and replay — are identical, and each mode is deterministic.
func TestFastPathTraceEquivalence(t *testing.T) {
	seeds := 8
	if testing.Short() {
		seeds = 2
	}
	const horizon = 3 * time.Second
	var fastTotal uint64
	for s := range uint64(seeds) {
		run := func(opts ...sim.Option) (string, uint64, uint64) {
			w, reds := lockWorld(s, horizon, opts...)
			defer w.Close()
			var replays int
			w.OnEvent(func(e sim.Event) {
				if e.Kind == redis.EvRestored && e.N > 0 {
					replays++
				}
			})
			w.Run(horizon)
			var fast, interp uint64
			for _, rn := range reds {
				f, i := rn.ScriptStats()
				fast, interp = fast+f, interp+i
			}
			return w.TraceHash(), fast, interp
		}
		h1, f1, i1 := run()
		h2, f2, _ := run()
		h3, f3, i3 := run(redis.WithInterpretedScripts())
		require.Equal(t, h1, h2, "seed %d: the fast path is not deterministic", s)
		require.Equal(t, f1, f2)
		require.Equal(t, h1, h3, "seed %d: fast path and interpreter traces differ", s)
		assert.Zero(t, i1, "seed %d: a lock script was interpreted", s)
		assert.Zero(t, f3, "seed %d: the interpreter run used the fast path", s)
		assert.Equal(t, f1, i3, "seed %d: not the same scripts", s)
		fastTotal += f1
	}
	assert.Positive(t, fastTotal)
	t.Logf("%d seeds, %d scripts on the fast path per run on average", seeds, fastTotal/uint64(seeds))
}

// A restart replays the EVALs of the write log (on the fast path too): the
// lock key, its TTL and the fencing counter come back as they were.
func TestFastPathReplay(t *testing.T) {
	sc := diffScripts(t)
	run := func(opts ...sim.Option) ([]any, string, uint64) {
		w := sim.NewWorld(5, append([]sim.Option{WithFastPaths()}, opts...)...)
		defer w.Close()
		rn := redis.AddNode(w, "r", redis.PersistAlways)
		c := w.AddNode("c")
		rec := &replyRecorder{conn: rn.Conn(c)}
		w.Spawn(c, "client", func(rt *sim.Runtime) {
			ctx := context.Background()
			do := rec.do
			do("EVAL", sc[locks.ScriptFencedAcquire], 2, "k", "t", "v", 60000)
			do("EVAL", sc[locks.ScriptRelease], 1, "k", "v")
			do("EVAL", sc[locks.ScriptFencedAcquire], 2, "k", "t", "w", 60000)
			do("EVAL", sc[locks.ScriptExtend], 1, "k", "w", 90000)
			do("EVAL", sc[locks.ScriptLuaAcquire], 1, "k2", "x", 30000)
			_ = rt.Sleep(ctx, 10*time.Second)
			do("GET", "k")
			do("PTTL", "k")
			do("GET", "t")
			do("PTTL", "k2")
			do("EVAL", sc[locks.ScriptFencedAcquire], 2, "k3", "t", "y", 60000)
		})
		w.At(5*time.Second, func() { w.Crash(rn.Node()) })
		w.At(6*time.Second, func() { w.Restart(rn.Node()) })
		w.Run(time.Minute)
		fast, _ := rn.ScriptStats()
		return rec.replies, w.TraceHash(), fast
	}
	r1, h1, f1 := run()
	r2, h2, f2 := run(redis.WithInterpretedScripts())
	assert.Equal(t, r2, r1)
	assert.Equal(t, h2, h1)
	assert.Zero(t, f2)
	assert.Equal(t, uint64(6+5), f1, "6 EVALs, 5 of them replayed")
	require.Len(t, r1, 10)
	assert.Equal(t, []any{int64(1), int64(1), int64(2), int64(1), "OK", "w"}, r1[:6])
	assert.Equal(t, "2", r1[7], "the fencing counter survived the restart")
	assert.Equal(t, int64(3), r1[9], "the fencing counter goes on")
	assert.InDelta(t, int64(90000-10000), r1[6], 20, "PTTL after replay")
	assert.InDelta(t, int64(30000-10000), r1[8], 20, "PTTL after replay")
}
