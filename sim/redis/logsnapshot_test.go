package redis

import (
	"context"
	"fmt"
	"github.com/locksim/locksim/sim"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// snapScript is a script the generated logs load (by EVAL and SCRIPT LOAD)
// and call by EVALSHA after a restart.
const snapScript = "return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])"

// logOp is one step of a generated Redis workload.
type logOp struct {
	args  []any
	sleep time.Duration // before the command
	step  time.Duration // a step of the node's wall clock before it (0: none)
}

// drawLogOps draws a workload of the commands the locks send, plus hashes,
// counters and scripts, with sleeps around a second (so that entries fall on
// both sides of the everysec window) and occasional clock steps either way.
func drawLogOps(t *rapid.T) []logOp {
	keys := []string{"a", "b", "lock"}
	return rapid.SliceOfN(rapid.Custom(func(t *rapid.T) logOp {
		k := rapid.SampledFrom(keys).Draw(t, "key")
		v := strconv.Itoa(rapid.IntRange(0, 9).Draw(t, "value"))
		ttl := rapid.IntRange(1, 3000).Draw(t, "ttl ms")
		op := logOp{sleep: time.Duration(rapid.IntRange(0, 1500).Draw(t, "sleep ms")) * time.Millisecond}
		if rapid.IntRange(0, 15).Draw(t, "step?") == 0 {
			op.step = time.Duration(rapid.IntRange(-3000, 3000).Draw(t, "step ms")) * time.Millisecond
		}
		switch rapid.IntRange(0, 9).Draw(t, "command") {
		case 0:
			op.args = []any{"SET", k, v, "NX", "PX", ttl}
		case 1:
			op.args = []any{"SET", k, v}
		case 2:
			op.args = []any{"DEL", k}
		case 3:
			op.args = []any{"INCR", "counter"}
		case 4:
			op.args = []any{"PEXPIRE", k, ttl}
		case 5:
			op.args = []any{"HSET", "h", k, v}
		case 6:
			op.args = []any{"EVAL", snapScript, 1, k, v, ttl}
		case 7:
			op.args = []any{"SCRIPT", "LOAD", snapScript}
		case 8:
			op.args = []any{"GET", k}
		default:
			op.args = []any{"PERSIST", k}
		}
		return op
	}), 1, 120).Draw(t, "ops")
}

// runLogOps runs ops against a Redis node of a new world and returns it
// (to be closed); compaction is off unless compact.
func runLogOps(seed uint64, ops []logOp, compact bool) (*sim.World, *Node) {
	w := sim.NewWorld(seed)
	rn := AddNode(w, "r", PersistAlways)
	rn.log.noCompact = !compact
	c := w.AddNode("c")
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		ctx := context.Background()
		for _, op := range ops {
			_ = rt.Sleep(ctx, op.sleep)
			if op.step != 0 {
				rn.Node().StepWall(op.step)
			}
			_, _ = rn.Conn(c).Do(ctx, op.args...)
		}
	})
	w.Run(time.Hour)
	return w, rn
}

// replayPlain replays a whole write log (snapshot, then tail) into a fresh
// miniredis through plain Dispatch, as a restart does.
func replayPlain(l *writeLog) *miniredis.Miniredis {
	var m *miniredis.Miniredis
	first := sim.Epoch
	if l.snap != nil {
		m = l.snap.restore(0)
		first = l.snap.wall
	} else {
		if l.Len() > 0 {
			first = l.entry(0).wall
		}
		m = newMiniredis(first, 0)
	}
	plainDispatch(m, func(dispatch func(args []string)) {
		replayEntries(m, l, l.base(), l.Len(), first, dispatch)
	})
	return m
}

// keyspace describes every key of m at wall (after a tick there): type,
// value and TTL to the nanosecond, and whether the script is cached.
func keyspace(m *miniredis.Miniredis, wall time.Time) []string {
	m.SetTime(wall)
	var out []string
	for i := range snapDBs {
		db := m.DB(i)
		for _, k := range db.Keys() {
			d := fmt.Sprintf("db%d %s %s ttl=%d", i, k, db.Type(k), db.TTL(k))
			switch db.Type(k) {
			case "string":
				v, _ := db.Get(k)
				d += " " + v
			case "hash":
				fs, _ := db.HKeys(k)
				for _, f := range fs {
					d += " " + f + "=" + db.HGet(k, f)
				}
			}
			out = append(out, d)
		}
	}
	return append(out, fmt.Sprintf("script cached: %v", scriptCached(m, snapScript)))
}

// TestSnapshotReplaysLikeTheLog: for a write log made by a real node
// (clock steps and their ticks included), a snapshot of its first k
// entries followed by the entries k..c replays to the same keyspace (keys,
// values, TTLs to the nanosecond, script cache) as the first c entries, for
// every k and every cutoff c >= k.
func TestSnapshotReplaysLikeTheLog(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ops := drawLogOps(rt)
		w, rn := runLogOps(rapid.Uint64().Draw(rt, "seed"), ops, false)
		defer w.Close()
		l := &rn.log
		require.Nil(rt, l.snap)
		n := l.Len()
		k := rapid.IntRange(1, max(n, 1)).Draw(rt, "k")
		if n == 0 {
			return
		}
		snap, ok := l.snapshotOf(k, 0, plainDispatch)
		require.True(rt, ok, "strings and hashes without field TTLs always snapshot")
		for c := k; c <= n; c++ {
			full := l.prefix(c)
			compacted := l.prefix(c)
			compacted.dropBefore(k, snap)
			require.Equal(rt, c, compacted.Len())
			end := full.entry(c - 1).wall
			require.Equal(rt, keyspace(replayPlain(&full), end), keyspace(replayPlain(&compacted), end), "k=%d cutoff=%d of %d", k, c, n)
		}
	})
}

// TestCompactionKeepsRunsIdentical: the same workload, crashed and
// restarted with each persistence mode, gives the same trace hash and
// keyspace with compaction (every few entries) as without.
func TestCompactionKeepsRunsIdentical(t *testing.T) {
	defer func(n int) { compactEvery = n }(compactEvery)
	compactEvery = 8
	rapid.Check(t, func(rt *rapid.T) {
		ops := drawLogOps(rt)
		seed := rapid.Uint64().Draw(rt, "seed")
		mode := rapid.SampledFrom([]Persistence{PersistAlways, PersistEverysec, PersistNone}).Draw(rt, "persistence")
		crashes := rapid.SliceOfN(rapid.IntRange(1, 120_000), 0, 4).Draw(rt, "crash at ms")
		run := func(compact bool) (string, []string, int) {
			w2 := sim.NewWorld(seed)
			defer w2.Close()
			rn2 := AddNode(w2, "r", mode)
			rn2.log.noCompact = !compact
			c := w2.AddNode("c")
			w2.Spawn(c, "main", func(rt *sim.Runtime) {
				ctx := context.Background()
				for _, op := range ops {
					_ = rt.Sleep(ctx, op.sleep)
					if op.step != 0 {
						rn2.Node().StepWall(op.step)
					}
					_, _ = rn2.Conn(c).Do(ctx, op.args...)
				}
			})
			for _, at := range crashes {
				w2.At(time.Duration(at)*time.Millisecond, func() {
					if !rn2.Node().Crashed() {
						w2.Crash(rn2.Node())
						w2.Restart(rn2.Node())
					}
				})
			}
			w2.Run(time.Hour)
			rn2.Sync()
			return w2.TraceHash(), keyspace(rn2.m, rn2.Node().WallNow()), rn2.log.base()
		}
		h1, k1, _ := run(false)
		h2, k2, _ := run(true)
		require.Equal(rt, k1, k2)
		require.Equal(rt, h1, h2)
	})
}

// TestCompactionBoundsTheLog: a long workload keeps its log's tail and
// bytes bounded with compaction, and they grow without it.
func TestCompactionBoundsTheLog(t *testing.T) {
	ops := make([]logOp, 60_000)
	for i := range ops {
		ops[i] = logOp{sleep: 50 * time.Millisecond, args: []any{"SET", "lock", strconv.Itoa(i), "PX", 500}}
		if i%1000 == 0 {
			ops[i].args = []any{"EVAL", snapScript, 1, "lock", strconv.Itoa(i), 500}
		}
	}
	w, rn := runLogOps(1, ops, true)
	defer w.Close()
	require.Equal(t, len(ops), rn.log.Len())
	require.Less(t, rn.log.Len()-rn.log.base(), compactEvery+20, "the tail is at most a compaction's worth")
	compacted := rn.LogBytes()
	w2, rn2 := runLogOps(1, ops, false)
	defer w2.Close()
	require.Less(t, 10*compacted, rn2.LogBytes(), "compaction keeps a fraction of the log")
	require.Equal(t, w2.TraceHash(), w.TraceHash())
}
