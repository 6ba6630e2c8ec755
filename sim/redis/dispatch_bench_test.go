package redis

import (
	"bufio"
	"github.com/locksim/locksim/sim"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2/server"

	"github.com/locksim/locksim/internal/cputime"
)

// BenchmarkMiniredisDispatch is the floor under BenchmarkRedisSetNXPX: one
// SET NX PX dispatched to miniredis directly, clock set before each.
func BenchmarkMiniredisDispatch(b *testing.B) {
	m := newMiniredis(sim.Epoch, 1)
	var rn Node
	peer := server.NewPeer(bufio.NewWriter(&rn.buf))
	args := []string{"SET", "lock", "v", "NX", "PX", "5"}
	c0 := cputime.Used()
	for i := 0; i < b.N; i++ {
		m.SetTime(sim.Epoch.Add(time.Duration(i) * time.Millisecond))
		rn.buf.Reset()
		m.Server().Dispatch(peer, args)
		peer.Flush()
	}
	cputime.ReportPerOp(b, c0, uint64(b.N), "op")
}

// BenchmarkMiniredisEval is one EVAL of the release script dispatched to
// miniredis directly: miniredis builds a Lua state per EVAL.
func BenchmarkMiniredisEval(b *testing.B) {
	m := newMiniredis(sim.Epoch, 1)
	var rn Node
	peer := server.NewPeer(bufio.NewWriter(&rn.buf))
	args := []string{"EVAL", releaseScript, "1", "lock", "v"}
	c0 := cputime.Used()
	for i := 0; i < b.N; i++ {
		rn.buf.Reset()
		m.Server().Dispatch(peer, args)
		peer.Flush()
	}
	cputime.ReportPerOp(b, c0, uint64(b.N), "op")
}
