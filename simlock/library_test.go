package simlock

import (
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/sim"
)

// TestLibraryScriptsMatchFastPaths is the oracle of a stale library fast
// path, TestFastPathsMatchLockScripts's sibling: the body of every script
// of the libraries, as their source in the module cache has it at the
// versions go.mod requires, has the SHA-1 its fast path is registered
// under, and every script they declare has a fast path. An upgrade that
// changes a script fails here, naming the library, the version, the
// variable and the fast path to rewrite; its EVALs meanwhile run
// interpreted (TestChangedLibraryBodyRunsInterpreted).
func TestLibraryScriptsMatchFastPaths(t *testing.T) {
	srcs := map[string]librarySource{}
	for _, ls := range LibraryScripts() {
		srcs[ls.Module] = readLibrarySource(t, ls.Module)
	}
	require.NoError(t, checkLibraryScripts(LibraryScripts(), srcs))
	for module, src := range srcs {
		t.Logf("%s %s: %d scripts in %s", module, src.Version, len(src.Scripts), src.Dir)
	}
	assert.Len(t, srcs[ModuleRedsync].Scripts, 3, "redsync's delete, touch, touch with SETNX")
	assert.Len(t, srcs[ModuleRedislock].Scripts, 4, "redislock's obtain, refresh, release, pttl")
}

// checkLibraryScripts reports every library script whose body no longer
// has its fast path's SHA-1, every script a library declares without a
// fast path, every one that vanished, and every declared digest that is
// not its body's SHA-1 (redsync's EVALSHA would then always miss).
func checkLibraryScripts(table []LibraryScript, srcs map[string]librarySource) error {
	var problems []string
	covered := map[string]bool{}
	for _, ls := range table {
		src := srcs[ls.Module]
		name := libName(ls)
		i := slices.IndexFunc(src.Scripts, func(s sourceScript) bool { return s.Var == ls.Var })
		if ls.SHA1 != ls.FastPath.SHA1() {
			problems = append(problems, fmt.Sprintf("%s: the table says SHA-1 %s but its fast path %s is registered under %s", name, ls.SHA1, ls.FastPath.Name(), ls.FastPath.SHA1()))
		}
		if i < 0 {
			problems = append(problems, fmt.Sprintf("%s %s no longer declares %s (fast path %s, written for %s): remove or rewrite it", ls.Module, src.Version, ls.Var, ls.FastPath.Name(), ls.Version))
			continue
		}
		covered[ls.Module+" "+ls.Var] = true
		s := src.Scripts[i]
		if got := sha1Hex(s.Body); got != ls.SHA1 {
			problems = append(problems, fmt.Sprintf("%s changed in %s %s (%s): its body's SHA-1 is %s, fast path %s implements %s (%s); its EVALs run interpreted: rewrite the fast path for the new body and register it under the new SHA-1. The body is now:\n%s",
				name, ls.Module, src.Version, s.File, got, ls.FastPath.Name(), ls.SHA1, ls.Version, s.Body))
		}
		for _, d := range s.Declared {
			if d != sha1Hex(s.Body) {
				problems = append(problems, fmt.Sprintf("%s %s declares digest %s for %s, but its body's SHA-1 is %s", ls.Module, src.Version, d, ls.Var, sha1Hex(s.Body)))
			}
		}
	}
	modules := make([]string, 0, len(srcs))
	for m := range srcs {
		modules = append(modules, m)
	}
	slices.Sort(modules)
	for _, m := range modules {
		for _, s := range srcs[m].Scripts {
			if !covered[m+" "+s.Var] {
				problems = append(problems, fmt.Sprintf("%s %s declares script %s (%s) without a fast path: it runs interpreted", m, srcs[m].Version, s.Var, s.File))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return nil
}

// The oracle fails: a body one byte off names the script and its fast
// path, and only those; a new script, a vanished one, a wrong declared
// digest and a table entry disagreeing with its fast path are reported.
func TestCheckLibraryScriptsDetects(t *testing.T) {
	fresh := func() map[string]librarySource {
		srcs := map[string]librarySource{}
		for _, ls := range LibraryScripts() {
			src := readLibrarySource(t, ls.Module)
			src.Scripts = slices.Clone(src.Scripts)
			srcs[ls.Module] = src
		}
		return srcs
	}
	edit := func(srcs map[string]librarySource, module, v string, f func(*sourceScript)) {
		src := srcs[module]
		i := slices.IndexFunc(src.Scripts, func(s sourceScript) bool { return s.Var == v })
		require.GreaterOrEqual(t, i, 0, "%s declares no %s", module, v)
		f(&src.Scripts[i])
	}
	require.NoError(t, checkLibraryScripts(LibraryScripts(), fresh()))

	srcs := fresh()
	edit(srcs, ModuleRedsync, "touchWithSetNXScript", func(s *sourceScript) { s.Body = strings.Replace(s.Body, "return 1", "return 2", 1) })
	err := checkLibraryScripts(LibraryScripts(), srcs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redsync.touchWithSetNXScript changed in github.com/go-redsync/redsync/v4")
	assert.Contains(t, err.Error(), "fast path redsync.touchWithSetNXScript implements b6b55c439e02c6f52ffb8be7ec8c0d0ac816ea79")
	assert.Contains(t, err.Error(), "declares digest b6b55c439e02c6f52ffb8be7ec8c0d0ac816ea79 for touchWithSetNXScript")
	assert.NotContains(t, err.Error(), "deleteScript")

	srcs = fresh()
	edit(srcs, ModuleRedislock, "luaRelease", func(s *sourceScript) { s.Body += " " })
	err = checkLibraryScripts(LibraryScripts(), srcs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redislock.luaRelease changed")
	assert.Contains(t, err.Error(), "fast path release implements cf0e94b2e9ffc7e04395cf88f7583fc309985910")

	srcs = fresh()
	src := srcs[ModuleRedislock]
	src.Scripts = append(src.Scripts, sourceScript{Var: "luaTouch", File: "redislock.go", Body: "return 1"})
	srcs[ModuleRedislock] = src
	err = checkLibraryScripts(LibraryScripts(), srcs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "declares script luaTouch (redislock.go) without a fast path")

	srcs = fresh()
	src = srcs[ModuleRedsync]
	src.Scripts = slices.DeleteFunc(src.Scripts, func(s sourceScript) bool { return s.Var == "touchScript" })
	srcs[ModuleRedsync] = src
	err = checkLibraryScripts(LibraryScripts(), srcs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no longer declares touchScript (fast path redsync.touchScript")

	table := LibraryScripts()
	table[0].SHA1 = strings.Repeat("0", 40)
	err = checkLibraryScripts(table, fresh())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the table says SHA-1 0000")
}

// libraryCall is a valid call of each library script, by name: KEYS[1] is
// "k", the owner value "v".
var libraryCall = map[string][]any{
	"redsync.deleteScript":         {1, "k", "v"},
	"redsync.touchScript":          {1, "k", "v", 60000},
	"redsync.touchWithSetNXScript": {1, "k", "v", 60000},
	"redislock.luaObtain":          {1, "k", "v", 1, 60000},
	"redislock.luaPTTL":            {1, "k", "v"},
	"redislock.luaRefresh":         {1, "k", "v", 60000},
	"redislock.luaRelease":         {1, "k", "v"},
}

// A library body one byte away from the published one (a space more), as
// an upgrade would send it, runs in the interpreter, and so does its
// EVALSHA; the exact body and its EVALSHA run on the fast path, with the
// same replies.
func TestChangedLibraryBodyRunsInterpreted(t *testing.T) {
	bodies := libraryBodies(t)
	for _, ls := range LibraryScripts() {
		name := libName(ls)
		t.Run(name, func(t *testing.T) {
			body := bodies[name]
			changed := body + " "
			args := libraryCall[name]
			require.NotNil(t, args)
			// no latency: the PTTL script's replies do not age
			w := sim.NewWorld(1, WithFastPaths(), sim.WithLatency(sim.Latency{}))
			defer w.Close()
			rn := redis.AddNode(w, "r", redis.PersistNone)
			c := w.AddNode("c")
			rec := &replyRecorder{conn: rn.Conn(c)}
			var stats [][2]uint64
			step := func(cmd ...any) {
				rec.do(cmd...)
				f, i := rn.ScriptStats()
				stats = append(stats, [2]uint64{f, i})
			}
			w.Spawn(c, "client", func(rt *sim.Runtime) {
				for _, b := range []string{changed, body} {
					step("SET", "k", "v", "PX", 30000)
					step(append([]any{"EVAL", b}, args...)...)
					step("SET", "k", "v", "PX", 30000)
					step(append([]any{"EVALSHA", sha1Hex(b)}, args...)...)
				}
			})
			w.Run(time.Minute)
			assert.Equal(t, [][2]uint64{{0, 0}, {0, 1}, {0, 1}, {0, 2}, {0, 2}, {1, 2}, {1, 2}, {2, 2}}, stats,
				"(fast, interpreted) after each command: the changed body twice interpreted, the exact one twice fast")
			require.Len(t, rec.replies, 8)
			assert.Equal(t, rec.replies[:4], rec.replies[4:], "a space more changes no reply")
			t.Logf("replies %v", rec.replies)
		})
	}
}

// Registering the library fast paths changes no trace of a run that never
// sends a library script: the locks' own workload under random faults
// hashes alike with the locks' fast paths alone and with WithFastPaths,
// which adds the libraries' (the regression corpus checks the same on the
// scenarios).
func TestLibraryFastPathsLeaveOtherTracesAlone(t *testing.T) {
	const horizon = 2 * time.Second
	for s := range uint64(3) {
		run := func(fps sim.Option) string {
			w, _ := lockWorldWith(s, horizon, fps)
			defer w.Close()
			w.Run(horizon)
			return w.TraceHash()
		}
		locksOnly := run(redis.WithFastPaths(FastPaths()...))
		assert.Equal(t, locksOnly, run(WithFastPaths()), "seed %d", s)
		assert.NotEqual(t, locksOnly, run(redis.WithFastPaths()), "seed %d: with no fast path registered, scripts trace as their bodies", s)
	}
}
