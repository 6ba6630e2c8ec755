package simlock

// The differential test of the fast path against the interpreter at TTL
// deadlines (issue 10). The jittered latency of the other differential
// tests almost never lands a command on a key's deadline to the
// nanosecond, which is exactly where the unaged fast path (aging.go) must
// decide whether a key is still there. Here the latency has no jitter,
// every client sends on whole milliseconds, TTLs are whole milliseconds,
// and the links of the six clients take 3ms-1ns, 3ms and 3ms+1ns (two
// clients each): commands arrive exactly on deadlines set by a client of
// the same latency, and 1ns before and after those of the others. The test
// asserts that they did, so the mode cannot silently degrade.

import (
	"context"
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/locksim/locksim/sim"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zeroJitterLatency is the base one-way latency of the zero-jitter mode:
// longer than the shortest TTLs, so that a key can be set after a command
// was sent and expire exactly when the command arrives (before the
// key's own deadline timer, which was scheduled after the command's
// message).
const zeroJitterLatency = 3 * time.Millisecond

// landings counts the commands of a run that named a key at, or 1ns
// before or after, the deadline its last TTL gave it; raced counts those
// at the deadline that arrived while the key was still there (sent before
// the TTL was set, so they run before the key's deadline timer).
type landings struct{ at, before, after, raced int }

// commandKeysOf returns the keys a command of a differential sequence
// names.
func commandKeysOf(args []string) []string {
	switch strings.ToUpper(args[0]) {
	case "EVAL", "EVALSHA":
		n, err := strconv.Atoi(args[2])
		if err != nil || 3+n > len(args) {
			return nil
		}
		return args[3 : 3+n]
	case "GET", "DEL", "PTTL", "PEXPIRE", "SET", "INCR":
		return args[1:2]
	}
	return nil
}

// runZeroJitter runs one sequence per client at once on one Redis node in
// the zero-jitter mode, then reads the keyspace (final), and returns what
// the legs are compared on and where the commands landed.
func runZeroJitter(t *testing.T, leg string, seed uint64, perClient [][]diffOp, final []diffOp, opts ...sim.Option) (diffResult, landings) {
	t.Helper()
	w := sim.NewWorld(seed, append([]sim.Option{sim.WithLatency(sim.Latency{Base: zeroJitterLatency}), WithFastPaths()}, opts...)...)
	defer w.Close()
	rn := redis.AddNode(w, "redis", redis.PersistAlways)
	type deadline struct{ mono, setAt time.Duration }
	deadlines := map[string]deadline{}
	lastExpire := map[string]time.Duration{}
	lastSent := map[*sim.Node]time.Duration{}
	var land landings
	var expiries []string
	w.OnEvent(func(e sim.Event) {
		if e.Kind == redis.EvExpire || e.Kind == redis.EvKeyLost {
			expiries = append(expiries, fmt.Sprintf("%v %s %s=%s", e.At, e.Kind, e.Key, e.Value))
			lastExpire[e.Key] = e.At
		}
	})
	redis.OnCommand(w, func(rc redis.Command) {
		now := rn.Node().MonoNow()
		require.Equal(t, rc.At, now, "the Redis node's clock left true time")
		for _, k := range commandKeysOf(rc.Args) {
			d, ok := deadlines[k]
			if !ok {
				continue
			}
			switch now - d.mono {
			case 0:
				land.at++
				if sent, ok := lastSent[rc.From]; ok && sent < d.setAt && lastExpire[k] == now {
					land.raced++
				}
			case -1:
				land.before++
			case 1:
				land.after++
			}
		}
		rn.ExpiryDeadlines(func(key string, mono time.Duration) {
			if d, ok := deadlines[key]; !ok || d.mono != mono {
				deadlines[key] = deadline{mono: mono, setAt: now}
			}
		})
	})
	bg := context.Background()
	replies := make([][]string, len(perClient))
	errs := make([]error, len(perClient))
	for c, ops := range perClient {
		n := w.AddNode(fmt.Sprintf("client%d", c))
		l := sim.Latency{Base: zeroJitterLatency + time.Duration(c%3-1)} // -1ns, 0, +1ns
		w.SetLatency(n, rn.Node(), l)
		w.SetLatency(rn.Node(), n, l)
		conn := rn.Conn(n)
		w.Spawn(n, "driver", func(rt *sim.Runtime) {
			for i, op := range ops {
				// send on a whole millisecond, 0 to 3 of them after the
				// next: the clients' phases vary, so that any TTL can
				// separate two of their commands
				_ = rt.Sleep(bg, time.Duration(1+rt.Rand().IntN(4))*time.Millisecond-rt.Mono()%time.Millisecond)
				lastSent[n] = w.Elapsed()
				s, err := normReply(conn.Do(bg, op.args...))
				if err != nil {
					errs[c] = fmt.Errorf("client %d command %d (%s): %w", c, i, op.what, err)
					return
				}
				replies[c] = append(replies[c], s)
			}
		})
	}
	w.Run(24 * time.Hour)
	for _, err := range errs {
		require.NoError(t, err, leg)
	}
	res := diffResult{leg: leg}
	for c, r := range replies {
		require.Len(t, r, len(perClient[c]), "%s: client %d did not finish", leg, c)
		res.replies = append(res.replies, r...)
	}
	reader := w.AddNode("reader")
	w.Spawn(reader, "final", func(rt *sim.Runtime) {
		r, err := runDiffLeg(bg, rn.Conn(reader), nil, final)
		require.NoError(t, err, leg)
		res.replies = append(res.replies, r...)
	})
	w.Run(48 * time.Hour)
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
	return res, land
}

// TestDifferentialZeroJitterDeadlines compares the fast path with the
// interpreter when commands land exactly on TTL deadlines, and 1ns before
// and after them: replies, keyspace, expiry events and traces identical.
// The interpreter (a tick per command) is the reference.
func TestDifferentialZeroJitterDeadlines(t *testing.T) {
	seeds := 3
	if testing.Short() {
		seeds = 1
	}
	for s := range uint64(seeds) {
		t.Run(fmt.Sprintf("seed%d", s), func(t *testing.T) {
			sp := newDiffSpace("dl:")
			var perClient [][]diffOp
			var all []diffOp
			for c := range uint64(6) {
				ops := genDiffOpsTTL(t, 100+10*s+c, 400, sp, 1, 6)
				perClient = append(perClient, ops)
				all = append(all, ops...)
			}
			final := finalOps(sp)
			fast, fastLand := runZeroJitter(t, "sim-fast", s, perClient, final)
			interp, land := runZeroJitter(t, "sim-interpreted", s, perClient, final, redis.WithInterpretedScripts())
			t.Logf("landings at a deadline %d (raced with its timer %d), 1ns before %d, 1ns after %d", land.at, land.raced, land.before, land.after)
			require.NoError(t, compareDiff(all, final, fast, interp, 0))
			require.Equal(t, interp.trace, fast.trace, "fast path and interpreter traces differ")
			require.Equal(t, interp.expiries, fast.expiries, "expiry events or the values they report differ")
			assert.Equal(t, land, fastLand)
			assert.Positive(t, land.at, "no command landed exactly on a deadline")
			assert.Positive(t, land.raced, "no command landed on a deadline with the key still there")
			assert.Positive(t, land.before, "no command landed 1ns before a deadline")
			assert.Positive(t, land.after, "no command landed 1ns after a deadline")
			assert.Zero(t, fast.interpreted, "the fast leg interpreted a script")
			assert.Greater(t, fast.fast, uint64(300), "the fast leg ran few scripts on the fast path")
			assertVaried(t, fast.replies)
		})
	}
}
