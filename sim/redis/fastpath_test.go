package redis

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"github.com/locksim/locksim/sim"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fast paths of this package's tests, for the scripts of its tests:
// sim knows no lock, so the locks' own scripts and their fast paths are
// package simlock's (and so are the differential tests that compare them
// with the interpreter).

// testRelease is releaseScript's Go implementation.
func testRelease(c *ScriptCall) bool {
	if len(c.Keys) != 1 || len(c.Args) < 1 {
		return false
	}
	r := c.Get(c.Keys[0])
	switch {
	case r.Kind != '$':
		return false
	case r.Nil || r.Str != c.Args[0]:
		c.ReturnInt(0)
		return true
	}
	return c.Return(c.Del(c.Keys[0]))
}

// acquireScript sets the key with a TTL if it does not exist.
const acquireScript = `if redis.call("EXISTS", KEYS[1]) == 0 then return redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) end return nil`

// testAcquire is acquireScript's Go implementation.
func testAcquire(c *ScriptCall) bool {
	if len(c.Keys) != 1 || len(c.Args) < 2 {
		return false
	}
	if r := c.Exists(c.Keys[0]); r.Kind != ':' {
		return false
	} else if r.Int != 0 {
		c.ReturnNil()
		return true
	}
	return c.Return(c.SetPX(c.Keys[0], c.Args[0], c.Args[1]))
}

var testFastPaths = []*FastPath{
	NewFastPath("test-release", releaseScript, testRelease),
	NewFastPath("test-acquire", acquireScript, testAcquire),
}

// replyRecorder sends commands from a task and keeps each reply, or its
// error's text, in order.
type replyRecorder struct {
	conn    *Conn
	replies []any
}

func (r *replyRecorder) do(args ...any) {
	v, err := r.conn.Do(context.Background(), args...)
	if err != nil {
		v = err.Error()
	}
	r.replies = append(r.replies, v)
}

// TestFastPathByExactBody: an EVAL of a registered body, or an EVALSHA of
// its SHA-1, runs the registered Go code; a body one byte off (a space
// more), or in other words (lower-case commands), runs in the interpreter,
// and so do all of them without the registration or with the interpreter
// forced. Replies are the same in every case.
func TestFastPathByExactBody(t *testing.T) {
	spaced := releaseScript + " "
	lower := `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`
	run := func(opts ...sim.Option) ([]any, [][2]uint64, string) {
		w := sim.NewWorld(1, opts...)
		defer w.Close()
		rn := AddNode(w, "r", PersistNone)
		c := w.AddNode("c")
		rec := &replyRecorder{conn: rn.Conn(c)}
		var stats [][2]uint64
		w.Spawn(c, "client", func(rt *sim.Runtime) {
			for _, cmd := range [][]any{
				{"EVAL", releaseScript, 1, "k", "v"},
				{"EVAL", spaced, 1, "k", "v"},
				{"EVAL", lower, 1, "k", "v"},
				{"EVAL", acquireScript, 1, "k", "v", 60000},
				{"EVAL", spaced, 1, "k", "v"},
				{"EVAL", acquireScript, 1, "k", "v", 60000},
				{"EVALSHA", testFastPaths[0].SHA1(), 1, "k", "v"},
				{"EVALSHA", testFastPaths[0].SHA1(), 1, "k", "v"},
			} {
				rec.do(cmd...)
				f, i := rn.ScriptStats()
				stats = append(stats, [2]uint64{f, i})
			}
		})
		w.Run(time.Minute)
		return rec.replies, stats, w.TraceHash()
	}
	wantReplies := []any{int64(0), int64(0), int64(0), "OK", int64(1), "OK", int64(1), int64(0)}
	replies, stats, fastTrace := run(WithFastPaths(testFastPaths...))
	assert.Equal(t, wantReplies, replies)
	assert.Equal(t, [][2]uint64{{1, 0}, {1, 1}, {1, 2}, {2, 2}, {2, 3}, {3, 3}, {4, 3}, {5, 3}}, stats,
		"(fast, interpreted) after each command: only the exact bodies and their SHA-1 run fast")

	replies, stats, interpTrace := run(WithFastPaths(testFastPaths...), WithInterpretedScripts())
	assert.Equal(t, wantReplies, replies)
	assert.Equal(t, [2]uint64{0, 8}, stats[len(stats)-1])
	assert.Equal(t, interpTrace, fastTrace, "the fast path and the interpreter trace alike")

	replies, stats, _ = run()
	assert.Equal(t, wantReplies, replies)
	assert.Equal(t, [2]uint64{0, 8}, stats[len(stats)-1], "no fast path registered")
}

// A fast path is registered once per sim.World; two for one body are refused.
func TestRegisterFastPath(t *testing.T) {
	w := sim.NewWorld(1, WithFastPaths(testFastPaths...))
	defer w.Close()
	RegisterFastPath(w, testFastPaths[0])
	assert.Equal(t, testFastPaths, FastPaths(w))
	assert.PanicsWithValue(t,
		fmt.Sprintf("redis: fast paths test-release and other for the same script body (SHA-1 %s)", testFastPaths[0].SHA1()),
		func() { RegisterFastPath(w, NewFastPath("other", releaseScript, testRelease)) })
	sum := sha1.Sum([]byte(releaseScript))
	assert.Equal(t, hex.EncodeToString(sum[:]), testFastPaths[0].SHA1())
	assert.Equal(t, releaseScript, testFastPaths[0].Body())
	assert.Equal(t, "test-release", testFastPaths[0].Name())
}

// A fast path that breaks ScriptFunc's contract (it declines after a write,
// which would run the script twice, or returns without a reply) stops the
// sim.World with a panic naming it.
func TestFastPathContract(t *testing.T) {
	for _, bc := range []struct {
		name string
		run  ScriptFunc
		want string
	}{
		{"declines-after-write", func(c *ScriptCall) bool {
			c.SetPX(c.Keys[0], "x", "1000")
			return false
		}, "fast path bad declined after it wrote"},
		{"no-reply", func(c *ScriptCall) bool { return true }, "fast path bad returned without a reply"},
		{"two-replies", func(c *ScriptCall) bool {
			c.ReturnNil()
			c.ReturnInt(1)
			return true
		}, "fast path bad replied twice"},
		{"error-after-write", func(c *ScriptCall) bool {
			c.Del(c.Keys[0])
			return c.Return(c.Call("INCR", "list"))
		}, "fast path bad: a command after a write replied"},
	} {
		t.Run(bc.name, func(t *testing.T) {
			w := sim.NewWorld(1, WithFastPaths(NewFastPath("bad", releaseScript, bc.run)))
			defer w.Close()
			rn := AddNode(w, "r", PersistNone)
			c := w.AddNode("c")
			rec := &replyRecorder{conn: rn.Conn(c)}
			w.Spawn(c, "client", func(rt *sim.Runtime) {
				rec.do("LPUSH", "list", "x")
				rec.do("EVAL", releaseScript, 1, "k", "v")
			})
			defer func() {
				r := recover()
				require.NotNil(t, r, "the sim.World ran on")
				assert.Contains(t, fmt.Sprint(r), bc.want)
			}()
			w.Run(time.Minute)
		})
	}
}
