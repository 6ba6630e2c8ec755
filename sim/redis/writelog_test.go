package redis

import (
	"github.com/locksim/locksim/sim"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestWriteLogModel checks the write log against a plain slice of entries:
// commands (some larger than a chunk) and ticks decode as they were added,
// across chunk boundaries; a prefix holds exactly the first
// entries; and appending to a prefix and to the log it came from never
// changes the other (a restart appends to the surviving prefix).
func TestWriteLogModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		type model = []logEntry
		arg := rapid.OneOf(
			rapid.StringN(0, 12, -1),
			rapid.Custom(func(rt *rapid.T) string { // longer than a chunk
				return strings.Repeat("x", arenaChunk+rapid.IntRange(-2, 2).Draw(rt, "over"))
			}),
		)
		entry := func(rt *rapid.T, i int) logEntry {
			e := logEntry{wall: sim.Epoch.Add(time.Duration(rapid.Int64Range(-1e12, 1e12).Draw(rt, "wall"))), at: time.Duration(i)}
			if rapid.IntRange(0, 9).Draw(rt, "kind") == 0 {
				e.tick = true
				return e
			}
			e.args = rapid.SliceOfN(rapid.StringN(0, 12, -1), 1, 6).Draw(rt, "args")
			if rapid.IntRange(0, 200).Draw(rt, "big") == 0 {
				e.args = append(e.args, arg.Draw(rt, "big arg"))
			}
			return e
		}
		add := func(l *writeLog, m *model, e logEntry) {
			if e.tick {
				l.addTick(e.wall, e.at)
			} else {
				l.add(e.args, e.wall, e.at)
			}
			*m = append(*m, e)
		}
		check := func(l *writeLog, m model) {
			require.Equal(rt, len(m), l.Len())
			for i, want := range m {
				require.Equal(rt, want, l.entry(i), "entry %d", i)
				require.Equal(rt, want.at, l.at(i))
			}
		}
		var l writeLog
		var m model
		n := rapid.IntRange(0, 2*recChunk+64).Draw(rt, "n")
		for i := range n {
			add(&l, &m, entry(rt, i))
		}
		check(&l, m)
		k := rapid.IntRange(0, n).Draw(rt, "prefix")
		p := l.prefix(k)
		pm := append(model(nil), m[:k]...)
		for i := range rapid.IntRange(0, 50).Draw(rt, "more") {
			add(&p, &pm, entry(rt, 10*n+i))
			add(&l, &m, entry(rt, 20*n+i))
		}
		check(&p, pm)
		check(&l, m)
	})
}
