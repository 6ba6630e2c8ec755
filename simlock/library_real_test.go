package simlock

// The library fast paths against a real redis-server (LOCKSIM_REDIS_ADDR;
// scripts/with-redis starts one): every script of LibraryScripts, with the
// exact body read from the module cache, by EVAL and by EVALSHA after a
// SCRIPT LOAD, from each precondition of its key (absent, the caller's
// value, the caller's token with other metadata, another owner's value, the
// caller's value without a TTL, expired, a list), on the real server, on a
// simulated node with the fast paths and on one interpreting every script.
// The script's reply and the key's resulting value and TTL must agree: the
// same value or error class (WRONGTYPE or other; miniredis's error texts
// are not Redis's), and every PTTL of the real server at most the case's
// own measured wall time (from its first setup command to its last read,
// less the expired case's wait) plus 2ms below the simulated one (whose
// clock does not move between the commands of a case) and at most 1ms
// above it.

import (
	"context"
	"fmt"
	simredis "github.com/locksim/locksim/sim/redis"
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

// libCase is one script call from one precondition.
type libCase struct {
	name    string
	setup   [][]any       // commands that make the precondition
	wait    time.Duration // then a pause, for the key to expire
	call    []any         // EVAL or EVALSHA with the script's KEYS and ARGV
	pttlRep bool          // the script's reply is a PTTL
}

// The caller of every case: key, owner value (token tokA), and the TTL it
// asks for.
const (
	libKey   = "locksim-libreal:k"
	libOwner = "tokA:m1"
	libTTL   = "30000"
)

// libCases are the cases of every library script, each by EVAL and by
// EVALSHA, in a fixed order.
func libCases(bodies map[string]string) []libCase {
	pre := []struct {
		name  string
		setup [][]any
		wait  time.Duration
	}{
		{"absent", nil, 0},
		{"own", [][]any{{"SET", libKey, libOwner, "PX", "60000"}}, 0},
		{"same-token", [][]any{{"SET", libKey, "tokA:m0", "PX", "60000"}}, 0},
		{"other", [][]any{{"SET", libKey, "tokB:m1", "PX", "60000"}}, 0},
		{"own-no-ttl", [][]any{{"SET", libKey, libOwner}}, 0},
		{"expired", [][]any{{"SET", libKey, libOwner, "PX", "5"}}, 40 * time.Millisecond},
		{"wrong-type", [][]any{{"LPUSH", libKey, "x"}}, 0},
	}
	var cases []libCase
	for _, ls := range LibraryScripts() {
		name := libName(ls)
		var argv []any
		switch name {
		case "redislock.luaObtain":
			argv = []any{libOwner, "4", libTTL}
		case "redsync.deleteScript", "redislock.luaPTTL", "redislock.luaRelease":
			argv = []any{libOwner}
		default:
			argv = []any{libOwner, libTTL}
		}
		for _, p := range pre {
			for _, cmd := range []string{"EVAL", "EVALSHA"} {
				body := bodies[name]
				setup := append([][]any{{"DEL", libKey}}, p.setup...)
				first := body
				if cmd == "EVALSHA" {
					setup = append(setup, []any{"SCRIPT", "LOAD", body})
					first = sha1Hex(body)
				}
				cases = append(cases, libCase{
					name:    fmt.Sprintf("%s/%s/%s", name, p.name, cmd),
					setup:   setup,
					wait:    p.wait,
					call:    append([]any{cmd, first, "1", libKey}, argv...),
					pttlRep: name == "redislock.luaPTTL",
				})
			}
		}
	}
	return cases
}

// libOutcome is what a leg saw of one case: the script's reply, then GET
// and PTTL of the key, normalised, and the wall time from the first setup
// command to the last read, less the wait for expiry.
type libOutcome struct {
	replies [3]string
	elapsed time.Duration
}

// runLibCases runs the cases on conn, pausing with sleep, and reads the
// clock with now (the real one, or the simulated node's).
func runLibCases(ctx context.Context, conn locks.Conn, cases []libCase, sleep func(time.Duration), now func() time.Time) ([]libOutcome, error) {
	out := make([]libOutcome, len(cases))
	for i, c := range cases {
		start := now()
		for _, s := range c.setup {
			if _, err := conn.Do(ctx, s...); err != nil {
				return nil, fmt.Errorf("case %s: setup %v: %w", c.name, s, err)
			}
		}
		if c.wait > 0 {
			sleep(c.wait)
		}
		for j, cmd := range [][]any{c.call, {"GET", libKey}, {"PTTL", libKey}} {
			s, err := libNorm(conn.Do(ctx, cmd...))
			if err != nil {
				return nil, fmt.Errorf("case %s: %v: %w", c.name, cmd[0], err)
			}
			out[i].replies[j] = s
		}
		// every TTL the reads see was set after start, or after the wait
		// (the expired case's key is gone by then)
		out[i].elapsed = now().Sub(start) - c.wait
	}
	return out, nil
}

// libNorm is normReply with errors reduced to their class, WRONGTYPE or
// other: miniredis words script errors unlike Redis.
func libNorm(v any, err error) (string, error) {
	s, err := normReply(v, err)
	switch {
	case err != nil || !strings.HasPrefix(s, "error:"):
		return s, err
	case strings.Contains(s, "WRONGTYPE"):
		return "error:WRONGTYPE", nil
	}
	return "error:other", nil
}

// runLibCasesSim runs the cases on a simulated node with the fast paths
// (interpreted, if opts say so), without latency.
func runLibCasesSim(t *testing.T, cases []libCase, opts ...sim.Option) ([]libOutcome, uint64, uint64) {
	t.Helper()
	w := sim.NewWorld(1, append([]sim.Option{sim.WithLatency(sim.Latency{}), WithFastPaths()}, opts...)...)
	defer w.Close()
	rn := simredis.AddNode(w, "redis", simredis.PersistNone)
	c := w.AddNode("client")
	var out []libOutcome
	var err error
	w.Spawn(c, "driver", func(rt *sim.Runtime) {
		bg := context.Background()
		out, err = runLibCases(bg, rn.Conn(c), cases, func(d time.Duration) { _ = rt.Sleep(bg, d) }, rt.Now)
	})
	w.Run(time.Hour)
	require.NoError(t, err)
	require.Len(t, out, len(cases), "the driver did not finish")
	fast, interp := rn.ScriptStats()
	return out, fast, interp
}

// compareLibOutcome reports how the outcome real differs from sim's: a
// PTTL (the last read, and the PTTL script's reply) may be below by up to
// real's elapsed time plus 2ms, and above by 1ms.
func compareLibOutcome(c libCase, sim, real libOutcome) error {
	tol := real.elapsed + 2*time.Millisecond
	for j := range sim.replies {
		a, b := sim.replies[j], real.replies[j]
		pttl := j == 2 || j == 0 && c.pttlRep
		if a == b || pttl && pttlClose(a, b, tol) {
			continue
		}
		return fmt.Errorf("case %s, %s: simulated %s, real %s (PTTL tolerance %v)", c.name, [...]string{"script reply", "GET", "PTTL"}[j], a, b, tol)
	}
	return nil
}

// TestLibraryScriptsRealRedis runs every case on the real server and on
// both simulated modes.
func TestLibraryScriptsRealRedis(t *testing.T) {
	addr := redistest.Addr(t)
	cases := libCases(libraryBodies(t))
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, client.Ping(ctx).Err(), "redis-server at %s", addr)
	t.Cleanup(func() { _ = client.Del(context.Background(), libKey).Err() })
	real, err := runLibCases(ctx, locks.NewRedisConn(client), cases, time.Sleep, time.Now)
	require.NoError(t, err, "real redis-server")

	fast, nFast, nInterp := runLibCasesSim(t, cases)
	interp, _, _ := runLibCasesSim(t, cases, simredis.WithInterpretedScripts())
	var worst time.Duration
	wrongType := 0
	for i, c := range cases {
		assert.NoError(t, compareLibOutcome(c, fast[i], real[i]), "fast path")
		assert.NoError(t, compareLibOutcome(c, interp[i], real[i]), "interpreter")
		assert.Equal(t, interp[i].replies, fast[i].replies, "case %s: fast path and interpreter", c.name)
		worst = max(worst, real[i].elapsed)
		if strings.Contains(c.name, "/wrong-type/") {
			wrongType++
		}
	}
	t.Logf("%d cases; longest real case %v; fast %d, interpreted %d", len(cases), worst, nFast, nInterp)
	assert.Equal(t, uint64(len(cases)-wrongType), nFast, "every case but the wrong-type ones ran on the fast path")
	assert.Equal(t, uint64(wrongType), nInterp, "the fast path declines only on a key of another type")
	for _, i := range []int{0, 3, 6, 10} {
		t.Logf("%s: real %v, fast %v", cases[i].name, real[i].replies, fast[i].replies)
	}
}

// The comparison fails: a reply of another value, a PTTL beyond the
// tolerance, and another error class are reported.
func TestCompareLibOutcomeDetects(t *testing.T) {
	c := libCase{name: "x", pttlRep: true}
	base := libOutcome{replies: [3]string{"int:29990", "str:v", "int:29990"}, elapsed: time.Millisecond}
	require.NoError(t, compareLibOutcome(c, base, base))
	aged := base
	aged.replies = [3]string{"int:29988", "str:v", "int:29988"}
	assert.NoError(t, compareLibOutcome(c, base, aged), "2ms of aging within 1ms+2ms")
	for _, bad := range [][3]string{
		{"int:29980", "str:v", "int:29990"},
		{"int:29990", "str:w", "int:29990"},
		{"int:29990", "str:v", "int:29995"},
		{"error:other", "str:v", "int:29990"},
	} {
		o := base
		o.replies = bad
		assert.Error(t, compareLibOutcome(c, base, o), "%v", bad)
	}
	wt := libOutcome{replies: [3]string{"error:WRONGTYPE", "error:WRONGTYPE", "int:-1"}}
	other := wt
	other.replies[0] = "error:other"
	assert.Error(t, compareLibOutcome(libCase{name: "y"}, wt, other))
}
