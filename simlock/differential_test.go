package simlock

// The differential test of the simulated Redis node (issues 3 and 6): the
// same random sequences of the commands and scripts the locks use, with
// random keys from a small set, random owner values and TTLs of minutes,
// run on a simulated node with the script fast path, on one that
// interprets every script, and on a real redis-server
// (LOCKSIM_REDIS_ADDR), must give identical replies and identical
// resulting keyspaces. Between the two simulated modes everything is exact
// (replies, values, TTLs to the nanosecond, traces); against the real
// server a PTTL may differ by the real time the run took.

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	simredis "github.com/locksim/locksim/sim/redis"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/internal/redistest"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// diffOpsPerRun is the length of one random sequence.
const diffOpsPerRun = 2500

// diffOp is one command of a differential sequence.
type diffOp struct {
	args []any
	what string // for messages: the command, with script bodies named
	pttl bool   // a PTTL: compared with a tolerance against a real server
}

// diffSpace is the keys a sequence touches: lock keys (SET NX PX and the
// scripts' KEYS[1]) and counter keys (INCR and the fenced script's
// KEYS[2]), kept apart so that no command fails on a value of the wrong
// kind (error texts are miniredis's own, not Redis's). GET, DEL, PTTL and
// PEXPIRE take any key.
type diffSpace struct {
	prefix   string
	locks    []string
	counters []string
}

func newDiffSpace(prefix string) diffSpace {
	sp := diffSpace{prefix: prefix}
	for i := range 4 {
		sp.locks = append(sp.locks, fmt.Sprintf("%slock%d", prefix, i))
	}
	for i := range 2 {
		sp.counters = append(sp.counters, fmt.Sprintf("%stoken%d", prefix, i))
	}
	return sp
}

func (sp diffSpace) all() []string { return append(slices.Clone(sp.locks), sp.counters...) }

// diffScripts returns the bodies of the locks' scripts by name, as the
// locks send them today (not the fast paths' copies: a stale fast path
// must show as interpreted scripts).
func diffScripts(t testing.TB) map[string]string {
	m := map[string]string{}
	for _, s := range locks.Scripts() {
		m[s.Name] = s.Body
	}
	for _, n := range []string{locks.ScriptLuaAcquire, locks.ScriptFencedAcquire, locks.ScriptRelease, locks.ScriptExtend} {
		require.NotEmpty(t, m[n], "locks.Scripts has no %s", n)
	}
	return m
}

// genDiffOps draws a sequence of n commands (after a SCRIPT LOAD of every
// script, so that EVALSHA finds them on every server), with TTLs of 1 to 10
// minutes.
func genDiffOps(t testing.TB, seed uint64, n int, sp diffSpace) []diffOp {
	return genDiffOpsTTL(t, seed, n, sp, 60_000, 540_000)
}

// genDiffOpsTTL is genDiffOps with TTLs of lo to lo+span milliseconds.
func genDiffOpsTTL(t testing.TB, seed uint64, n int, sp diffSpace, lo, span int) []diffOp {
	scripts := diffScripts(t)
	names := []string{locks.ScriptExtend, locks.ScriptFencedAcquire, locks.ScriptLuaAcquire, locks.ScriptRelease}
	shas := map[string]string{}
	for name, body := range scripts {
		shas[name] = sha1Hex(body)
	}
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	values := []string{"owner-a", "owner-b", "owner-c", "12345"}
	val := func() string {
		if r.IntN(8) == 0 {
			return fmt.Sprintf("%016x", r.Uint64())
		}
		return values[r.IntN(len(values))]
	}
	ttl := func() string { return strconv.Itoa(lo + r.IntN(span)) }
	anyKey := func() string {
		all := sp.all()
		return all[r.IntN(len(all))]
	}
	lockKey := func() string { return sp.locks[r.IntN(len(sp.locks))] }
	counter := func() string { return sp.counters[r.IntN(len(sp.counters))] }
	var ops []diffOp
	add := func(what string, pttl bool, args ...any) {
		ops = append(ops, diffOp{args: args, what: what, pttl: pttl})
	}
	for _, name := range names {
		add("SCRIPT LOAD "+name, false, "SCRIPT", "LOAD", scripts[name])
	}
	script := func(name string, keys []string, argv ...string) {
		cmd, body := "EVAL", scripts[name]
		if r.IntN(5) == 0 {
			cmd, body = "EVALSHA", shas[name]
		}
		args := []any{cmd, body, strconv.Itoa(len(keys))}
		for _, k := range keys {
			args = append(args, k)
		}
		for _, a := range argv {
			args = append(args, a)
		}
		add(fmt.Sprintf("%s %s %q %q", cmd, name, keys, argv), false, args...)
	}
	for len(ops) < n {
		switch r.IntN(13) {
		case 0, 1:
			k, v, px := lockKey(), val(), ttl()
			add("SET NX PX "+k, false, "SET", k, v, "NX", "PX", px)
		case 2:
			k := anyKey()
			add("GET "+k, false, "GET", k)
		case 3:
			k := anyKey()
			add("DEL "+k, false, "DEL", k)
		case 4:
			k := counter()
			add("INCR "+k, false, "INCR", k)
		case 5:
			k := anyKey()
			add("PTTL "+k, true, "PTTL", k)
		case 6:
			k := anyKey()
			add("PEXPIRE "+k, false, "PEXPIRE", k, ttl())
		case 7, 8:
			script(locks.ScriptLuaAcquire, []string{lockKey()}, val(), ttl())
		case 9:
			script(locks.ScriptFencedAcquire, []string{lockKey(), counter()}, val(), ttl())
		case 10, 11:
			script(locks.ScriptRelease, []string{lockKey()}, val())
		case 12:
			script(locks.ScriptExtend, []string{lockKey()}, val(), ttl())
		}
	}
	return ops
}

// sha1Hex is the digest EVALSHA takes for body.
func sha1Hex(body string) string {
	sum := sha1.Sum([]byte(body))
	return hex.EncodeToString(sum[:])
}

// finalOps reads the resulting keyspace: GET and PTTL of every key, then
// the keys of the space that exist.
func finalOps(sp diffSpace) []diffOp {
	var ops []diffOp
	for _, k := range sp.all() {
		ops = append(ops, diffOp{args: []any{"GET", k}, what: "final GET " + k})
		ops = append(ops, diffOp{args: []any{"PTTL", k}, what: "final PTTL " + k, pttl: true})
	}
	return append(ops, diffOp{args: []any{"KEYS", sp.prefix + "*"}, what: "final KEYS"})
}

// diffResult is what one leg saw: the normalised reply of every command of
// the sequence followed by the final reads.
type diffResult struct {
	leg     string
	replies []string
	// sim legs only: the miniredis dump with every key's TTL, and the
	// node's script counters.
	dump              string
	trace             string
	expiries          []string // every simredis.EvExpire and simredis.EvKeyLost, with the key's value
	fast, interpreted uint64
	// real leg only: how long it took, which bounds how far its PTTLs may
	// have aged.
	elapsed time.Duration
}

// normReply renders a reply for comparison; a transport error (neither a
// nil reply nor a Redis error reply) is returned as an error.
func normReply(v any, err error) (string, error) {
	var re interface{ RedisError() }
	switch {
	case err == nil:
	case locks.IsNil(err):
		return "nil", nil
	case errors.As(err, &re):
		return "error:" + err.Error(), nil
	default:
		return "", err
	}
	switch v := v.(type) {
	case string:
		return "str:" + v, nil
	case int64:
		return "int:" + strconv.FormatInt(v, 10), nil
	case []any:
		var parts []string
		for _, x := range v {
			s, err := normReply(x, nil)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		slices.Sort(parts) // only KEYS returns an array here
		return "arr:[" + strings.Join(parts, " ") + "]", nil
	}
	return fmt.Sprintf("%T:%v", v, v), nil
}

// runDiffLeg sends ops then final to conn, in order, and normalises the
// replies.
func runDiffLeg(ctx context.Context, conn locks.Conn, ops, final []diffOp) ([]string, error) {
	var out []string
	for i, op := range append(slices.Clone(ops), final...) {
		s, err := normReply(conn.Do(ctx, op.args...))
		if err != nil {
			return nil, fmt.Errorf("command %d (%s): %w", i, op.what, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// runSimDiff runs the sequence on a simulated Redis node, from a task of a
// client node through the node's Conn, with no network latency unless
// opts say otherwise (so that, as on a real server on loopback, no TTL ages
// noticeably).
func runSimDiff(t testing.TB, leg string, seed uint64, ops, final []diffOp, opts ...sim.Option) diffResult {
	t.Helper()
	return runSimDiffWith(t, leg, seed, ops, final, nil, nil, opts...)
}

// runSimDiffWith is runSimDiff with setup called before the run and after
// called once the driver has finished, before the keyspace is dumped.
func runSimDiffWith(t testing.TB, leg string, seed uint64, ops, final []diffOp, setup, after func(*sim.World, *simredis.Node), opts ...sim.Option) diffResult {
	t.Helper()
	return runSimLeg(t, leg, seed, ops, final, fastPaths, setup, after, opts...)
}

// runSimLeg is runSimDiffWith on a World with the fast paths fps.
func runSimLeg(t testing.TB, leg string, seed uint64, ops, final []diffOp, fps []*simredis.FastPath, setup, after func(*sim.World, *simredis.Node), opts ...sim.Option) diffResult {
	t.Helper()
	w := sim.NewWorld(seed, append([]sim.Option{sim.WithLatency(sim.Latency{}), simredis.WithFastPaths(fps...)}, opts...)...)
	defer w.Close()
	rn := simredis.AddNode(w, "redis", simredis.PersistAlways)
	if setup != nil {
		setup(w, rn)
	}
	var expiries []string
	w.OnEvent(func(e sim.Event) {
		if e.Kind == simredis.EvExpire || e.Kind == simredis.EvKeyLost {
			expiries = append(expiries, fmt.Sprintf("%v %s %s=%s", e.At, e.Kind, e.Key, e.Value))
		}
	})
	c := w.AddNode("client")
	conn := rn.Conn(c)
	res := diffResult{leg: leg}
	var err error
	done := false
	w.Spawn(c, "driver", func(rt *sim.Runtime) {
		res.replies, err = runDiffLeg(context.Background(), conn, ops, final)
		done = true
	})
	w.Run(24 * time.Hour)
	require.NoError(t, err, leg)
	require.True(t, done, "%s: the driver did not finish", leg)
	if after != nil {
		after(w, rn)
	}
	rn.Sync()
	m := rn.Miniredis()
	var b strings.Builder
	b.WriteString(m.Dump())
	for _, k := range m.Keys() {
		fmt.Fprintf(&b, "ttl %s %v\n", k, m.TTL(k))
	}
	res.dump = b.String()
	res.trace = w.TraceHash()
	res.expiries = expiries
	res.fast, res.interpreted = rn.ScriptStats()
	return res
}

// compareDiff compares two legs of the same sequence: every reply equal,
// except that a PTTL of b may be below a's by up to tol (0: exact); and, if
// both have one, the same dump. It reports the number of differences and
// the first few.
func compareDiff(ops, final []diffOp, a, b diffResult, tol time.Duration) error {
	all := append(slices.Clone(ops), final...)
	if len(a.replies) != len(all) || len(b.replies) != len(all) {
		return fmt.Errorf("%s has %d replies and %s %d, for %d commands", a.leg, len(a.replies), b.leg, len(b.replies), len(all))
	}
	var diffs []string
	for i, op := range all {
		ra, rb := a.replies[i], b.replies[i]
		if ra == rb || op.pttl && tol > 0 && pttlClose(ra, rb, tol) {
			continue
		}
		diffs = append(diffs, fmt.Sprintf("command %d %s: %s replied %s, %s replied %s", i, op.what, a.leg, ra, b.leg, rb))
	}
	if a.dump != "" && b.dump != "" && a.dump != b.dump {
		diffs = append(diffs, fmt.Sprintf("keyspaces differ:\n%s:\n%s\n%s:\n%s", a.leg, a.dump, b.leg, b.dump))
	}
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%d differences between %s and %s, first: %s", len(diffs), a.leg, b.leg, strings.Join(diffs[:min(5, len(diffs))], "; "))
}

// pttlClose reports whether two PTTL replies agree within tol: the same
// negative code (-1 no TTL, -2 no key), or TTLs with b at most tol below a
// (and not above it by more than the 1ms of rounding).
func pttlClose(a, b string, tol time.Duration) bool {
	na, errA := strconv.ParseInt(strings.TrimPrefix(a, "int:"), 10, 64)
	nb, errB := strconv.ParseInt(strings.TrimPrefix(b, "int:"), 10, 64)
	if errA != nil || errB != nil || !strings.HasPrefix(a, "int:") || !strings.HasPrefix(b, "int:") || na < 0 || nb < 0 {
		return false
	}
	d := time.Duration(na-nb) * time.Millisecond
	return d >= -time.Millisecond && d <= tol
}

// runRealDiff runs the sequence on the real server at addr through the
// production Conn (go-redis v9), then deletes the keys of sp.
func runRealDiff(t *testing.T, addr string, ops, final []diffOp, sp diffSpace) diffResult {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, client.Ping(ctx).Err(), "redis-server at %s", addr)
	keys := sp.all()
	require.NoError(t, client.Del(ctx, keys...).Err())
	t.Cleanup(func() { _ = client.Del(context.Background(), keys...).Err() })
	start := time.Now()
	replies, err := runDiffLeg(ctx, locks.NewRedisConn(client), ops, final)
	require.NoError(t, err, "real redis-server")
	return diffResult{leg: "real", replies: replies, elapsed: time.Since(start)}
}

// TestDifferentialSimModes compares the fast path with the interpreter on
// random sequences, with no latency (as the real-server leg runs) and with
// the default latency (TTLs age between commands): replies, values and
// TTLs are identical.
func TestDifferentialSimModes(t *testing.T) {
	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	for s := range uint64(seeds) {
		sp := newDiffSpace("diff:")
		ops := genDiffOps(t, s, diffOpsPerRun, sp)
		final := finalOps(sp)
		for _, lat := range []struct {
			name string
			opts []sim.Option
		}{{"no-latency", nil}, {"default-latency", []sim.Option{sim.WithLatency(sim.DefaultLatency)}}} {
			t.Run(fmt.Sprintf("seed%d/%s", s, lat.name), func(t *testing.T) {
				fast := runSimDiff(t, "sim-fast", s, ops, final, lat.opts...)
				interp := runSimDiff(t, "sim-interpreted", s, ops, final, append(lat.opts, simredis.WithInterpretedScripts())...)
				require.NoError(t, compareDiff(ops, final, fast, interp, 0))
				assert.Zero(t, fast.interpreted, "the fast leg interpreted a script")
				assert.Greater(t, fast.fast, uint64(diffOpsPerRun/4), "the fast leg ran few scripts on the fast path")
				assert.Zero(t, interp.fast, "the interpreted leg used the fast path")
				assertVaried(t, fast.replies)
			})
		}
	}
}

// TestDifferentialSimModesExpiring compares the fast path with the
// interpreter where keys expire all the time: TTLs of 2 to 60ms against the
// default latency, the Redis node's wall clock stepped forward and back
// and drifting, then a crash and a restart replaying the write log. The
// fast path leaves TTLs unaged between ticks (aging.go); replies, the
// keyspace after the replay, and the traces (every expiry included) must
// be those of the interpreter, which ticks for every command.
func TestDifferentialSimModesExpiring(t *testing.T) {
	seeds := 4
	if testing.Short() {
		seeds = 1
	}
	setup := func(w *sim.World, rn *simredis.Node) {
		n := rn.Node()
		w.At(2*time.Second, func() { n.StepWall(30 * time.Millisecond) })
		w.At(4*time.Second, func() { n.StepWall(-25 * time.Millisecond) })
		w.At(5*time.Second, func() { n.SetDrift(0.01) })
		w.At(7*time.Second, func() { n.StepWall(-3 * time.Millisecond) })
	}
	after := func(w *sim.World, rn *simredis.Node) {
		w.Crash(rn.Node())
		w.Restart(rn.Node())
	}
	for s := range uint64(seeds) {
		t.Run(fmt.Sprintf("seed%d", s), func(t *testing.T) {
			sp := newDiffSpace("exp:")
			ops := genDiffOpsTTL(t, 50+s, diffOpsPerRun, sp, 2, 58)
			final := finalOps(sp)
			lat := sim.WithLatency(sim.DefaultLatency)
			fast := runSimDiffWith(t, "sim-fast", s, ops, final, setup, after, lat)
			interp := runSimDiffWith(t, "sim-interpreted", s, ops, final, setup, after, lat, simredis.WithInterpretedScripts())
			require.NoError(t, compareDiff(ops, final, fast, interp, 0))
			require.Equal(t, interp.trace, fast.trace, "fast path and interpreter traces differ")
			require.Equal(t, interp.expiries, fast.expiries, "expiry events or the values they report differ")
			require.Greater(t, len(fast.expiries), diffOpsPerRun/20, "few keys expired")
			withValue := 0
			for _, e := range fast.expiries {
				if !strings.HasSuffix(e, "=") {
					withValue++
				}
			}
			require.Greater(t, withValue, len(fast.expiries)/2, "expiry events without the key's value")
			assert.Zero(t, fast.interpreted, "the fast leg interpreted a script")
			assertVaried(t, fast.replies)
		})
	}
}

// assertVaried checks that a sequence exercised both outcomes of every
// script (a differential test of a constant reply proves little).
func assertVaried(t *testing.T, replies []string) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range replies {
		seen[r]++
	}
	for _, r := range []string{"str:OK", "nil", "int:0", "int:1"} {
		assert.Positive(t, seen[r], "no reply %s in the sequence", r)
	}
}

// TestDifferentialRealRedis runs random sequences of at least 2,000
// commands on the real server and on both simulated modes: identical
// replies and keyspaces, PTTLs of the real server within the real time the
// run took (+20ms) of the simulated ones (whose clocks do not move).
func TestDifferentialRealRedis(t *testing.T) {
	addr := redistest.Addr(t)
	seeds := 3
	if testing.Short() {
		seeds = 1
	}
	for s := range uint64(seeds) {
		t.Run(fmt.Sprintf("seed%d", s), func(t *testing.T) {
			sp := newDiffSpace(fmt.Sprintf("locksim-diff:%d:%d:", os.Getpid(), s))
			ops := genDiffOps(t, 100+s, diffOpsPerRun, sp)
			require.GreaterOrEqual(t, len(ops), 2000)
			final := finalOps(sp)
			real := runRealDiff(t, addr, ops, final, sp)
			tol := real.elapsed + 20*time.Millisecond
			t.Logf("%d commands on the real server in %v; PTTL tolerance %v", len(ops)+len(final), real.elapsed.Round(time.Millisecond), tol.Round(time.Millisecond))
			fast := runSimDiff(t, "sim-fast", s, ops, final)
			interp := runSimDiff(t, "sim-interpreted", s, ops, final, simredis.WithInterpretedScripts())
			require.NoError(t, compareDiff(ops, final, fast, real, tol))
			require.NoError(t, compareDiff(ops, final, interp, real, tol))
			require.NoError(t, compareDiff(ops, final, fast, interp, 0))
			assertVaried(t, real.replies)
			t.Logf("largest PTTL difference sim - real: %v", maxPTTLGap(append(slices.Clone(ops), final...), fast, real))
		})
	}
}

// TestDifferentialDetectsWrongFastPath plants a bug in the fast path (a
// release that does not check the owner) and requires the comparison with
// the interpreter to report it, and the same for the acquire script (a
// TTL off by one millisecond, visible only in the keyspace and PTTLs).
func TestDifferentialDetectsWrongFastPath(t *testing.T) {
	sp := newDiffSpace("plant:")
	ops := genDiffOps(t, 7, diffOpsPerRun, sp)
	final := finalOps(sp)
	interp := runSimDiff(t, "sim-interpreted", 7, ops, final, simredis.WithInterpretedScripts())
	for _, bug := range []struct {
		script string
		run    simredis.ScriptFunc
	}{
		{locks.ScriptRelease, func(c *simredis.ScriptCall) bool { // no owner check
			return c.Return(c.Del(c.Keys[0]))
		}},
		{locks.ScriptLuaAcquire, func(c *simredis.ScriptCall) bool { // PX one ms short
			if r := c.Exists(c.Keys[0]); r.Int != 0 {
				c.ReturnNil()
				return true
			}
			px, _ := strconv.Atoi(c.Args[1])
			return c.Return(c.SetPX(c.Keys[0], c.Args[0], strconv.Itoa(px-1)))
		}},
	} {
		t.Run(bug.script, func(t *testing.T) {
			fast := runSimLeg(t, "sim-fast-planted", 7, ops, final, planted(t, bug.script, bug.run), nil, nil)
			err := compareDiff(ops, final, fast, interp, 0)
			require.Error(t, err, "the planted bug in %s went unnoticed", bug.script)
			t.Logf("planted bug reported: %.300s", err)
		})
	}
	// without the plant, the same sequence agrees
	fast := runSimDiff(t, "sim-fast", 7, ops, final)
	require.NoError(t, compareDiff(ops, final, fast, interp, 0))
}

// planted returns the fast paths with the one of script name replaced by
// run, under the same body.
func planted(t *testing.T, name string, run simredis.ScriptFunc) []*simredis.FastPath {
	t.Helper()
	out := FastPaths()
	for i, fp := range out {
		if fp.Name() == name {
			out[i] = simredis.NewFastPath(name, fp.Body(), run)
			return out
		}
	}
	t.Fatalf("no fast path for script %s", name)
	return nil
}

// TestDifferentialDetectsPerturbedReply checks the comparison itself: one
// reply changed, a PTTL beyond the tolerance, or a reply missing, is
// reported.
func TestDifferentialDetectsPerturbedReply(t *testing.T) {
	sp := newDiffSpace("perturb:")
	ops := genDiffOps(t, 3, 2000, sp)
	final := finalOps(sp)
	a := runSimDiff(t, "sim-fast", 3, ops, final)
	require.NoError(t, compareDiff(ops, final, a, a, 0))

	b := a
	b.leg, b.dump = "perturbed", ""
	b.replies = slices.Clone(a.replies)
	i := slices.IndexFunc(ops, func(op diffOp) bool { return strings.HasPrefix(op.what, "EVAL release") })
	require.GreaterOrEqual(t, i, 0)
	b.replies[i] = map[bool]string{true: "int:0", false: "int:1"}[b.replies[i] == "int:1"]
	err := compareDiff(ops, final, a, b, time.Second)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("command %d EVAL release", i))

	c := a
	c.leg, c.dump = "aged", ""
	c.replies = slices.Clone(a.replies)
	all := append(slices.Clone(ops), final...)
	j := -1
	for k, op := range all {
		if op.pttl && strings.HasPrefix(c.replies[k], "int:") && len(c.replies[k]) > len("int:1000") {
			j = k
			break
		}
	}
	require.GreaterOrEqual(t, j, 0, "no PTTL of a key with a TTL in the sequence")
	n, err := strconv.ParseInt(strings.TrimPrefix(c.replies[j], "int:"), 10, 64)
	require.NoError(t, err)
	c.replies[j] = "int:" + strconv.FormatInt(n-500, 10)
	assert.NoError(t, compareDiff(ops, final, a, c, time.Second), "500ms of aging is within 1s")
	assert.Error(t, compareDiff(ops, final, a, c, 100*time.Millisecond), "500ms of aging is beyond 100ms")
	assert.Error(t, compareDiff(ops, final, a, c, 0), "exact comparison")

	d := a
	d.replies = a.replies[:len(a.replies)-1]
	assert.Error(t, compareDiff(ops, final, a, d, 0))
}

// maxPTTLGap returns the largest difference between the positive PTTL
// replies of a and b.
func maxPTTLGap(all []diffOp, a, b diffResult) time.Duration {
	var gap time.Duration
	for i, op := range all {
		na, errA := strconv.ParseInt(strings.TrimPrefix(a.replies[i], "int:"), 10, 64)
		nb, errB := strconv.ParseInt(strings.TrimPrefix(b.replies[i], "int:"), 10, 64)
		if op.pttl && errA == nil && errB == nil && na >= 0 && nb >= 0 {
			gap = max(gap, time.Duration(na-nb)*time.Millisecond)
		}
	}
	return gap
}
