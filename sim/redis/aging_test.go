package redis

import (
	"context"
	"github.com/locksim/locksim/sim"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnagedCommandsSeeExpiredHashFields covers the one way a key can vanish
// without a TTL of its own: its last hash field expires. A SET NX PX (fast
// path, unaged) on that key after the field's TTL has passed must find it
// gone, as the interpreter, which ticks, does; and Get and PTTL, which read
// unaged too, must agree.
func TestUnagedCommandsSeeExpiredHashFields(t *testing.T) {
	run := func(opts ...sim.Option) ([]any, string, time.Duration) {
		w := sim.NewWorld(3, opts...)
		defer w.Close()
		rn := AddNode(w, "r", PersistNone)
		c := w.AddNode("c")
		rec := &replyRecorder{conn: rn.Conn(c)}
		var got string
		var pttl time.Duration
		w.Spawn(c, "client", func(rt *sim.Runtime) {
			rec.do("HSET", "h", "f", "v")
			rec.do("HEXPIRE", "h", 1, "FIELDS", 1, "f")    // miniredis has no HPEXPIRE
			rec.do("SET", "other", "x", "NX", "PX", 60000) // an unaged command, TTL baseline kept
			_ = rt.Sleep(context.Background(), 1100*time.Millisecond)
			rec.do("SET", "h", "mine", "NX", "PX", 60000)
			_ = rt.Sleep(context.Background(), 10*time.Millisecond)
			got, _ = rn.Get("h")
			pttl = rn.PTTL("other")
		})
		w.Run(5 * time.Second)
		return rec.replies, got, pttl
	}
	fast, fastGot, fastPTTL := run()
	interp, interpGot, interpPTTL := run(WithInterpretedScripts())
	require.Len(t, fast, 4)
	assert.Equal(t, []any{int64(1), []any{int64(1)}, "OK"}, fast[:3])
	assert.Equal(t, "OK", fast[3], "the hash's last field expired: SET NX must succeed")
	assert.Equal(t, interp, fast)
	assert.Equal(t, "mine", fastGot)
	assert.Equal(t, interpGot, fastGot)
	assert.Equal(t, interpPTTL, fastPTTL, "PTTL read unaged")
	assert.Less(t, fastPTTL, 60*time.Second)
}
