package redis

import (
	"crypto/sha1"
	"encoding/hex"
	"github.com/locksim/locksim/sim"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// digestOf is the SHA-1 of body as EVALSHA takes it.
func digestOf(body string) string {
	sum := sha1.Sum([]byte(body))
	return hex.EncodeToString(sum[:])
}

// A fast path registered by the SHA-1 of its body alone serves EVALSHA of
// that digest (once miniredis has the script) and EVAL of the body, which
// it recognises by hashing; a body one byte off runs interpreted; and the
// trace is the one of the same fast path registered with its body in full,
// and of the interpreter, whether or not the body was learnt.
func TestFastPathBySHA1(t *testing.T) {
	spaced := releaseScript + " "
	byDigest := NewFastPathSHA1("digest-release", digestOf(releaseScript), testRelease)
	assert.Equal(t, "", byDigest.Body())
	assert.Equal(t, digestOf(releaseScript), byDigest.SHA1())
	run := func(opts ...sim.Option) ([]any, [][2]uint64, string) {
		w := sim.NewWorld(1, opts...)
		defer w.Close()
		rn := AddNode(w, "r", PersistNone)
		c := w.AddNode("c")
		rec := &replyRecorder{conn: rn.Conn(c)}
		var stats [][2]uint64
		w.Spawn(c, "client", func(rt *sim.Runtime) {
			for _, cmd := range [][]any{
				{"EVALSHA", digestOf(releaseScript), 1, "k", "v"}, // NOSCRIPT
				{"SET", "k", "v"},
				{"EVAL", spaced, 1, "k", "v"},
				{"SET", "k", "v"},
				{"EVAL", releaseScript, 1, "k", "v"},
				{"SET", "k", "v"},
				{"EVALSHA", digestOf(releaseScript), 1, "k", "v"},
				{"EVAL", strings.Clone(releaseScript), 1, "k", "v"},
				{"EVALSHA", digestOf(spaced), 1, "k", "w"},
			} {
				rec.do(cmd...)
				f, i := rn.ScriptStats()
				stats = append(stats, [2]uint64{f, i})
			}
		})
		w.Run(time.Minute)
		return rec.replies, stats, w.TraceHash()
	}
	wantReplies := []any{"NOSCRIPT No matching script. Please use EVAL.", "OK", int64(1), "OK", int64(1), "OK", int64(1), int64(0), int64(0)}

	replies, stats, digestTrace := run(WithFastPaths(byDigest))
	assert.Equal(t, wantReplies, replies)
	assert.Equal(t, [][2]uint64{{0, 1}, {0, 1}, {0, 2}, {0, 2}, {1, 2}, {1, 2}, {2, 2}, {3, 2}, {3, 3}}, stats,
		"(fast, interpreted) after each command: NOSCRIPT and the changed body interpreted, the exact body and its SHA-1 fast")

	replies, stats, fullTrace := run(WithFastPaths(NewFastPath("full-release", releaseScript, testRelease)))
	assert.Equal(t, wantReplies, replies)
	assert.Equal(t, [2]uint64{3, 3}, stats[len(stats)-1])
	assert.Equal(t, fullTrace, digestTrace, "registered by body or by digest, the trace names the script alike")

	replies, stats, interpTrace := run(WithFastPaths(byDigest), WithInterpretedScripts())
	assert.Equal(t, wantReplies, replies)
	assert.Equal(t, [2]uint64{0, 6}, stats[len(stats)-1])
	assert.Equal(t, digestTrace, interpTrace, "the interpreter, which never learns the body, traces alike")

	_, _, bare := run()
	assert.NotEqual(t, digestTrace, bare, "an unregistered body is traced as its bytes, a registered one as its ID")
}

// Two fast paths for one body are refused, whichever way they were made,
// and a digest that is not one is refused when the fast path is made.
func TestFastPathBySHA1Registration(t *testing.T) {
	w := sim.NewWorld(1, WithFastPaths(testFastPaths...))
	defer w.Close()
	assert.Panics(t, func() { RegisterFastPath(w, NewFastPathSHA1("again", testFastPaths[0].SHA1(), testRelease)) })
	for _, bad := range []string{"", "abc", strings.ToUpper(digestOf(releaseScript)), digestOf(releaseScript) + "00", strings.Repeat("g", 40)} {
		assert.Panics(t, func() { NewFastPathSHA1("bad", bad, testRelease) }, "digest %q", bad)
	}
	assert.Panics(t, func() { NewFastPathSHA1("nil", digestOf(releaseScript), nil) })
	require.NotPanics(t, func() { RegisterFastPath(w, NewFastPathSHA1("other", digestOf(acquireScript+" "), testAcquire)) })
}
