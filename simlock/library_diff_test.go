package simlock

// The differential test of the library scripts' fast paths against the
// interpreter: random command sequences (rapid) of the commands the
// libraries send (SET NX PX and SET NX EX, go-redis's SetNX; every script of
// LibraryScripts by EVAL and EVALSHA, with the exact published bodies read
// from the module cache) mixed with GET, DEL, PTTL, PEXPIRE, a key of
// another type, SCRIPT FLUSH, owner values sharing prefixes (redislock's
// re-obtain by token), odd offsets and bad TTLs. The fast path and the
// interpreter must give identical replies, keyspaces with TTLs to the
// nanosecond, expiry events and traces, with long TTLs and no latency, and
// with TTLs of milliseconds against jittered latency, clock steps, drift
// and a crash and restart replaying the write log; and, in the zero-jitter
// mode of deadline_test.go, with commands landing on TTL deadlines and 1ns
// either side.

import (
	"flag"
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/locksim/locksim/internal/rapidtest"
	"github.com/locksim/locksim/sim"
)

// libSpace is the keys of a library sequence: three lock keys and a list
// (the wrong type for every script).
func libSpace(prefix string) diffSpace {
	return diffSpace{prefix: prefix, locks: []string{prefix + "lock0", prefix + "lock1", prefix + "lock2"}, counters: []string{prefix + "list"}}
}

// libOpsGen draws sequences of minN to maxN commands (after SCRIPT LOADs,
// or not) on sp's keys, with TTLs of lo to hi milliseconds.
func libOpsGen(bodies map[string]string, sp diffSpace, minN, maxN, lo, hi int) *rapid.Generator[[]diffOp] {
	names := make([]string, 0, len(bodies))
	for name := range bodies {
		names = append(names, name)
	}
	slices.Sort(names)
	return rapid.Custom(func(t *rapid.T) []diffOp {
		var ops []diffOp
		add := func(what string, args ...any) {
			ops = append(ops, diffOp{args: args, what: what, pttl: strings.HasPrefix(what, "PTTL")})
		}
		token := func() string { return rapid.SampledFrom([]string{"tokA", "tokB", "tokAA"}).Draw(t, "token") }
		value := func(tok string) string {
			return tok + rapid.SampledFrom([]string{"", "", ":m1", ":m2"}).Draw(t, "meta")
		}
		ttl := func() string {
			if rapid.IntRange(0, 30).Draw(t, "badTTL?") == 0 {
				return rapid.SampledFrom([]string{"0", "-5", "abc", "1.5", "+100", "99999999999999"}).Draw(t, "badTTL")
			}
			return strconv.Itoa(rapid.IntRange(lo, hi).Draw(t, "ttl"))
		}
		lockKey := func() string { return rapid.SampledFrom(sp.locks).Draw(t, "lock") }
		scriptKey := func() string {
			if rapid.IntRange(0, 12).Draw(t, "wrongType?") == 0 {
				return sp.counters[0]
			}
			return lockKey()
		}
		anyKey := func() string { return rapid.SampledFrom(sp.all()).Draw(t, "key") }
		if rapid.Bool().Draw(t, "load") {
			for _, name := range names {
				add("SCRIPT LOAD "+name, "SCRIPT", "LOAD", bodies[name])
			}
		}
		for range rapid.IntRange(minN, maxN).Draw(t, "n") {
			switch k := rapid.IntRange(0, 15).Draw(t, "cmd"); k {
			case 0, 1:
				key, v, px := lockKey(), value(token()), ttl()
				add("SET NX PX "+key, "SET", key, v, "PX", px, "NX")
			case 2:
				key, v := lockKey(), value(token())
				add("SET EX NX "+key, "SET", key, v, "EX", "1", "NX")
			case 3:
				key := anyKey()
				add("GET "+key, "GET", key)
			case 4:
				key := anyKey()
				add("DEL "+key, "DEL", key)
			case 5:
				key := anyKey()
				add("PTTL "+key, "PTTL", key)
			case 6:
				key := lockKey()
				add("PEXPIRE "+key, "PEXPIRE", key, ttl())
			case 7:
				add("LPUSH", "LPUSH", sp.counters[0], "x")
			case 8:
				if rapid.IntRange(0, 5).Draw(t, "flush?") == 0 {
					add("SCRIPT FLUSH", "SCRIPT", "FLUSH")
				}
			default:
				name := rapid.SampledFrom(names).Draw(t, "script")
				tok := token()
				var argv []any
				switch name {
				case "redislock.luaObtain":
					off := strconv.Itoa(len(tok))
					if rapid.IntRange(0, 6).Draw(t, "oddOffset?") == 0 {
						off = rapid.SampledFrom([]string{"0", "-1", "abc", "2.5", "100", "1", " 3", "03", "0x4"}).Draw(t, "offset")
					}
					argv = []any{value(tok), off, ttl()}
				case "redsync.deleteScript", "redislock.luaPTTL", "redislock.luaRelease":
					argv = []any{value(tok)}
				default:
					argv = []any{value(tok), ttl()}
				}
				if rapid.IntRange(0, 40).Draw(t, "arity?") == 0 {
					argv = argv[:len(argv)-1] // a call the fast path declines
				}
				cmd, first := "EVAL", bodies[name]
				if rapid.IntRange(0, 2).Draw(t, "sha?") == 0 {
					cmd, first = "EVALSHA", sha1Hex(first)
				}
				key := scriptKey()
				add(fmt.Sprintf("%s %s %s %q", cmd, name, key, argv), append([]any{cmd, first, "1", key}, argv...)...)
			}
		}
		return ops
	})
}

// allFastPaths is what WithFastPaths registers.
func allFastPaths() []*redis.FastPath { return append(FastPaths(), libraryFastPaths...) }

// libModes are the two settings of the random sequences: long TTLs with
// no latency, and TTLs of milliseconds against jittered latency with the
// node's clock stepped and drifting and a crash and restart at the end.
var libModes = []struct {
	name          string
	lo, hi        int
	setup, after  func(*sim.World, *redis.Node)
	opts          []sim.Option
	expectExpired bool
}{
	{name: "long-ttl", lo: 60_000, hi: 600_000, opts: []sim.Option{sim.WithLatency(sim.Latency{})}},
	{name: "expiring", lo: 1, hi: 40, expectExpired: true,
		setup: func(w *sim.World, rn *redis.Node) {
			n := rn.Node()
			w.At(100*time.Millisecond, func() { n.StepWall(20 * time.Millisecond) })
			w.At(200*time.Millisecond, func() { n.StepWall(-15 * time.Millisecond) })
			w.At(300*time.Millisecond, func() { n.SetDrift(0.01) })
		},
		after: func(w *sim.World, rn *redis.Node) {
			w.Crash(rn.Node())
			w.Restart(rn.Node())
		},
		opts: []sim.Option{sim.WithLatency(sim.DefaultLatency)}},
}

// libDiffTally is what the random sequences exercised, over all checks.
type libDiffTally struct {
	fast, declined, expiries int
	outcomes                 map[string]map[string]bool // script name -> replies seen
}

// libDiffProperty runs a drawn sequence on a node with the fast paths fps
// and on one interpreting every script, and fails the check on any
// difference in replies, keyspace, expiry events or trace.
func libDiffProperty(t *testing.T, bodies map[string]string, fps []*redis.FastPath, tally *libDiffTally) func(*rapid.T) {
	return func(rt *rapid.T) {
		mode := libModes[rapid.IntRange(0, len(libModes)-1).Draw(rt, "mode")]
		sp := libSpace("lib:")
		ops := libOpsGen(bodies, sp, 30, 150, mode.lo, mode.hi).Draw(rt, "ops")
		final := finalOps(sp)
		seed := rapid.Uint64().Draw(rt, "seed")
		fast := runSimLeg(t, "sim-fast", seed, ops, final, fps, mode.setup, mode.after, mode.opts...)
		interp := runSimLeg(t, "sim-interpreted", seed, ops, final, fps, mode.setup, mode.after, append(slices.Clone(mode.opts), redis.WithInterpretedScripts())...)
		if err := compareDiff(ops, final, fast, interp, 0); err != nil {
			rt.Fatalf("%s: %v", mode.name, err)
		}
		if !slices.Equal(fast.expiries, interp.expiries) {
			rt.Fatalf("%s: expiry events differ:\nfast %q\ninterpreted %q", mode.name, fast.expiries, interp.expiries)
		}
		if fast.trace != interp.trace {
			rt.Fatalf("%s: traces differ", mode.name)
		}
		if tally == nil {
			return
		}
		tally.fast += int(fast.fast)
		tally.declined += declined(fast)
		tally.expiries += len(fast.expiries)
		for i, op := range ops {
			parts := strings.Fields(op.what)
			if len(parts) > 1 && strings.HasPrefix(parts[0], "EVAL") {
				if tally.outcomes[parts[1]] == nil {
					tally.outcomes[parts[1]] = map[string]bool{}
				}
				tally.outcomes[parts[1]][outcomeClass(fast.replies[i])] = true
			}
		}
	}
}

// declined is how many scripts a fast leg handed to the interpreter other
// than those miniredis answered NOSCRIPT (an EVALSHA after no load, or
// after SCRIPT FLUSH), which no fast path could run.
func declined(res diffResult) int {
	n := int(res.interpreted)
	for _, r := range res.replies {
		if strings.HasPrefix(r, "error:NOSCRIPT") {
			n--
		}
	}
	return n
}

// outcomeClass groups replies: a positive PTTL is "int:+", an error
// "error", anything else itself.
func outcomeClass(r string) string {
	switch {
	case strings.HasPrefix(r, "error:"):
		return "error"
	case strings.HasPrefix(r, "int:") && r != "int:0" && !strings.HasPrefix(r, "int:-") && r != "int:1":
		return "int:+"
	}
	return r
}

// TestLibraryDifferentialRapid compares the library fast paths with the
// interpreter on rapid's random sequences, and checks that the sequences
// reached every outcome of every script, ran mostly on the fast path and
// expired keys.
func TestLibraryDifferentialRapid(t *testing.T) {
	bodies := libraryBodies(t)
	tally := &libDiffTally{outcomes: map[string]map[string]bool{}}
	rapid.Check(t, libDiffProperty(t, bodies, allFastPaths(), tally))
	t.Logf("fast %d, declined to the interpreter %d, expiries %d; outcomes %v", tally.fast, tally.declined, tally.expiries, tally.outcomes)
	assert.Greater(t, tally.fast, 2*tally.declined, "the fast leg mostly interpreted")
	assert.Positive(t, tally.expiries, "no key expired")
	want := map[string][]string{
		"redsync.deleteScript":         {"int:-1", "int:0", "int:1", "error"},
		"redsync.touchScript":          {"int:0", "int:1", "error"},
		"redsync.touchWithSetNXScript": {"int:0", "int:1", "error"},
		"redislock.luaObtain":          {"str:OK", "nil", "error"},
		"redislock.luaPTTL":            {"int:-3", "int:+", "error"},
		"redislock.luaRefresh":         {"int:0", "int:1", "error"},
		"redislock.luaRelease":         {"int:0", "int:1", "error"},
	}
	for name, outs := range want {
		for _, o := range outs {
			assert.True(t, tally.outcomes[name][o], "no %s reply %s in any sequence", name, o)
		}
	}
}

// The property finds a planted bug: redislock's obtain re-obtaining a lock
// of any owner (no token check), and redsync's delete answering 0 instead
// of -1 for a missing key. rapid's seed is fixed (the outcome must not
// depend on luck), and it writes no fail file and shrinks for 2s at most.
func TestLibraryDifferentialDetectsWrongFastPath(t *testing.T) {
	bodies := libraryBodies(t)
	for name, v := range map[string]string{"rapid.nofailfile": "true", "rapid.seed": "1", "rapid.shrinktime": "2s"} {
		fl := flag.Lookup(name)
		require.NotNil(t, fl, "rapid flag %s is not registered", name)
		old := fl.Value.String()
		require.NoError(t, fl.Value.Set(v))
		t.Cleanup(func() { _ = fl.Value.Set(old) })
	}
	for _, bug := range []struct {
		fp  *redis.FastPath
		run redis.ScriptFunc
	}{
		{redislockObtain, func(c *redis.ScriptCall) bool {
			if r := c.SetNXPX(c.Keys[0], c.Args[0], c.Args[2]); r.OK() {
				return c.Return(r)
			}
			return c.Return(c.SetPX(c.Keys[0], c.Args[0], c.Args[2]))
		}},
		{redsyncDelete, func(c *redis.ScriptCall) bool {
			if r := c.Get(c.Keys[0]); r.Kind == '$' && !r.Nil && r.Str == c.Args[0] {
				return c.Return(c.Del(c.Keys[0]))
			}
			c.ReturnInt(0)
			return true
		}},
	} {
		t.Run(bug.fp.Name(), func(t *testing.T) {
			fps := allFastPaths()
			i := slices.Index(fps, bug.fp)
			require.GreaterOrEqual(t, i, 0)
			fps[i] = redis.NewFastPathSHA1(bug.fp.Name(), bug.fp.SHA1(), bug.run)
			rec := &rapidtest.RecordingTB{}
			done := make(chan struct{})
			go func() { // rapid ends a failed check with runtime.Goexit
				defer close(done)
				rapid.Check(rec, libDiffProperty(t, bodies, fps, nil))
			}()
			<-done
			require.True(t, rec.Failed(), "the planted bug in %s went unnoticed", bug.fp.Name())
			logs := strings.Join(rec.Logs(), "\n")
			assert.Contains(t, logs, bug.fp.Name())
			t.Logf("reported: %.400s", logs)
		})
	}
}

// TestLibraryDifferentialZeroJitterDeadlines is deadline_test.go's mode for
// the library scripts: six clients whose commands land exactly on TTL
// deadlines and 1ns either side; fast path and interpreter agree on
// replies, keyspace, expiry events and traces.
func TestLibraryDifferentialZeroJitterDeadlines(t *testing.T) {
	bodies := libraryBodies(t)
	seeds := 3
	if testing.Short() {
		seeds = 1
	}
	for s := range seeds {
		t.Run(fmt.Sprintf("seed%d", s), func(t *testing.T) {
			sp := libSpace("libdl:")
			var perClient [][]diffOp
			var all []diffOp
			for c := range 6 {
				ops := libOpsGen(bodies, sp, 400, 400, 1, 6).Example(100 + 10*s + c)
				perClient = append(perClient, ops)
				all = append(all, ops...)
			}
			final := finalOps(sp)
			fast, fastLand := runZeroJitter(t, "sim-fast", uint64(s), perClient, final)
			interp, land := runZeroJitter(t, "sim-interpreted", uint64(s), perClient, final, redis.WithInterpretedScripts())
			t.Logf("%d commands; landings at a deadline %d (raced with its timer %d), 1ns before %d, 1ns after %d; fast %d, declined %d",
				len(all), land.at, land.raced, land.before, land.after, fast.fast, declined(fast))
			require.NoError(t, compareDiff(all, final, fast, interp, 0))
			require.Equal(t, interp.trace, fast.trace, "fast path and interpreter traces differ")
			require.Equal(t, interp.expiries, fast.expiries, "expiry events or the values they report differ")
			assert.Equal(t, land, fastLand)
			assert.Positive(t, land.at, "no command landed exactly on a deadline")
			assert.Positive(t, land.raced, "no command landed on a deadline with the key still there")
			assert.Positive(t, land.before, "no command landed 1ns before a deadline")
			assert.Positive(t, land.after, "no command landed 1ns after a deadline")
			assert.Greater(t, int(fast.fast), 2*declined(fast), "the fast leg mostly interpreted")
		})
	}
}
