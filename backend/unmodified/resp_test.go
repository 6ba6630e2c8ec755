package unmodified

import (
	"errors"
	simredis "github.com/locksim/locksim/sim/redis"
	"os"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/sim"
)

func TestParseRequest(t *testing.T) {
	full := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n"
	for _, c := range []struct {
		name, in string
		args     []string
		ok       bool
		err      bool
		rest     string
	}{
		{"whole", full, []string{"SET", "k", "v1"}, true, false, ""},
		{"two", full + "*1\r\n$4\r\nPING\r\n", []string{"SET", "k", "v1"}, true, false, "*1\r\n$4\r\nPING\r\n"},
		{"partial header", "*3\r", nil, false, false, "*3\r"},
		{"partial bulk", full[:len(full)-3], nil, false, false, full[:len(full)-3]},
		{"empty bulk", "*2\r\n$3\r\nGET\r\n$0\r\n\r\n", []string{"GET", ""}, true, false, ""},
		{"inline", "PING\r\n", nil, false, true, ""},
		{"bad length", "*x\r\n", nil, false, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			args, rest, ok, err := parseRequest([]byte(c.in))
			if c.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.args, args)
			assert.Equal(t, c.rest, string(rest))
		})
	}
}

func TestAppendReply(t *testing.T) {
	for _, c := range []struct {
		v    any
		err  error
		want string
	}{
		{"OK", nil, "$2\r\nOK\r\n"},
		{int64(-7), nil, ":-7\r\n"},
		{nil, redis.Nil, "$-1\r\n"},
		{nil, simredis.Error("ERR boom"), "-ERR boom\r\n"},
		{[]any{int64(1), "a", nil, simredis.Error("ERR x")}, nil, "*4\r\n:1\r\n$1\r\na\r\n$-1\r\n-ERR x\r\n"},
	} {
		assert.Equal(t, c.want, string(appendReply(nil, c.v, c.err)))
	}
}

// A connection's writes become inbox items, one per whole command, keyed
// by connection and sequence; its reads time out at the read deadline, in
// the bubble's fake time.
func TestConnWritesCommandsAndTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := sim.NewWorld(1)
		defer w.Close()
		rn := simredis.AddNode(w, "redis", simredis.PersistNone)
		from := w.AddNode("client")
		h := newHub()
		c, err := h.dial(from, rn)
		require.NoError(t, err)
		_, err = c.Write([]byte("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET"))
		require.NoError(t, err)
		_, err = c.Write([]byte("\r\n$1\r\nk\r\n"))
		require.NoError(t, err)
		require.Len(t, h.inbox, 2)
		assert.Equal(t, []string{"PING"}, h.inbox[0].args)
		assert.Equal(t, []string{"GET", "k"}, h.inbox[1].args)
		assert.Equal(t, 1, h.inbox[0].key.seq)
		assert.Equal(t, 2, h.inbox[1].key.seq)

		start := time.Now()
		require.NoError(t, c.SetReadDeadline(start.Add(3*time.Second)))
		_, err = c.Read(make([]byte, 16))
		assert.True(t, errors.Is(err, os.ErrDeadlineExceeded), "%v", err)
		assert.Equal(t, 3*time.Second, time.Since(start))

		c.reply("PONG", nil)
		buf := make([]byte, 16)
		n, err := c.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, "$4\r\nPONG\r\n", string(buf[:n]))
		// A refused command resets the connection, as a killed server's
		// socket does: go-redis then sees a network error, not a reply.
		c.reply(nil, sim.ErrConnRefused)
		_, err = c.Read(buf)
		assert.True(t, errors.Is(err, syscall.ECONNRESET), "%v", err)
		require.NoError(t, c.Close())
		_, err = c.Write([]byte("*1\r\n$4\r\nPING\r\n"))
		assert.Error(t, err)
		h.close()
	})
}

// The hub hands the World each quiescent point's items in key order,
// whatever order the foreign goroutines put them in; a paused client's
// commands wait.
func TestDeliverSortsByKey(t *testing.T) {
	w := sim.NewWorld(1)
	defer w.Close()
	a, b := w.AddNode("client-a"), w.AddNode("client-b")
	h := newHub()
	var got []itemKey
	for _, k := range []itemKey{{b.ID(), 0, 0, 2}, {a.ID(), 0, 0, 3}, {b.ID(), 0, 0, 1}, {a.ID(), 0, 0, 1}} {
		k := k
		from := a
		if k.client == b.ID() {
			from = b
		}
		h.put(item{key: k, from: from, resume: func() { got = append(got, k) }})
	}
	require.True(t, h.ready())
	h.deliver()
	assert.Equal(t, []itemKey{{a.ID(), 0, 0, 1}, {a.ID(), 0, 0, 3}, {b.ID(), 0, 0, 1}, {b.ID(), 0, 0, 2}}, got)
	assert.False(t, h.ready())
}
