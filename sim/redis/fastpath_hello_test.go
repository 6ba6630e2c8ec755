package redis

import (
	"github.com/locksim/locksim/sim"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// go-redis opens every connection with HELLO 2 (or 3). A bare HELLO 2
// changes nothing a fast path depends on, so its connection keeps the fast
// path; HELLO 3 turns to RESP3 (checked on the peer) and a HELLO with
// SETNAME or AUTH changes the connection's state, so theirs run
// interpreted, as after MULTI or SELECT.
func TestHelloKeepsTheFastPathOnlyWhenPlain(t *testing.T) {
	cases := []struct {
		hello []any
		fast  bool
	}{
		{[]any{"HELLO", "2"}, true},
		{[]any{"hello"}, true},
		{[]any{"HELLO", "3"}, false},
		{[]any{"HELLO", "2", "SETNAME", "me"}, false},
		{[]any{"SELECT", "0"}, false},
	}
	for _, tc := range cases {
		w := sim.NewWorld(1, WithFastPaths(testFastPaths...))
		rn := AddNode(w, "r", PersistNone)
		c := w.AddNode("c")
		rec := &replyRecorder{conn: rn.Conn(c)}
		w.Spawn(c, "client", func(rt *sim.Runtime) {
			rec.do(tc.hello...)
			rec.do("EVAL", acquireScript, 1, "k", "v", 60000)
		})
		w.Run(time.Minute)
		fast, interpreted := rn.ScriptStats()
		assert.Equal(t, tc.fast, fast == 1 && interpreted == 0, "%v: fast %d, interpreted %d", tc.hello, fast, interpreted)
		w.Close()
	}
}
