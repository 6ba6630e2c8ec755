package respproxy

import (
	"bufio"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/internal/realredis"
)

func TestReadValue(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		args []string
	}{
		{"command", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n", []string{"SET", "k", "v1"}},
		{"simple", "+OK\r\n", nil},
		{"error", "-ERR x\r\n", nil},
		{"null bulk", "$-1\r\n", nil},
		{"null resp3", "_\r\n", nil},
		{"nested", "*2\r\n:1\r\n*1\r\n$0\r\n\r\n", nil},
		{"map", "%2\r\n+a\r\n:1\r\n+b\r\n#t\r\n", nil},
		{"verbatim", "=8\r\ntxt:abcd\r\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tc.in + "+NEXT\r\n"))
			raw, args, err := readValue(r)
			require.NoError(t, err)
			assert.Equal(t, tc.in, string(raw), "one whole value, unchanged")
			assert.Equal(t, tc.args, args)
			next, _, err := readValue(r)
			require.NoError(t, err)
			assert.Equal(t, "+NEXT\r\n", string(next), "the next value starts where this one ended")
		})
	}
	for _, bad := range []string{"?x\r\n", "$abc\r\n", "+no-crlf\n", "$5\r\nab"} {
		_, _, err := readValue(bufio.NewReader(strings.NewReader(bad)))
		assert.Error(t, err, "%q", bad)
	}
}

// setup starts a real server and a proxy to it, and returns a client of
// the proxy (go-redis, retries off, short timeouts) and one of the server.
func setup(t *testing.T) (*Proxy, *redis.Client, *redis.Client, *realredis.Server) {
	s := realredis.StartT(t, realredis.Config{})
	p, err := New(s.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	via := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, ReadTimeout: 300 * time.Millisecond, DialTimeout: 300 * time.Millisecond})
	direct := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = via.Close(); _ = direct.Close() })
	return p, via, direct, s
}

func dropSet(req, reply bool) func([]string) Action {
	return func(args []string) Action {
		if strings.EqualFold(args[0], "SET") {
			return Action{DropRequest: req, DropReply: reply}
		}
		return Action{}
	}
}

// Per command: a dropped request never runs; a dropped reply's command ran;
// either way the client times out, and the proxy keeps serving afterwards.
func TestPerCommandDrops(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		rule       func([]string) Action
		link       Link
		timeout    bool
		wantExists int64
	}{
		{"forward", nil, Link{}, false, 1},
		{"drop request", dropSet(true, false), Link{}, true, 0},
		{"drop reply", dropSet(false, true), Link{}, true, 1},
		{"cut requests", nil, Link{Requests: Direction{Cut: true}}, true, 0},
		{"cut replies", nil, Link{Replies: Direction{Cut: true}}, true, 1},
		{"lose every request", nil, Link{Requests: Direction{Loss: 1}}, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, via, direct, _ := setup(t)
			require.NoError(t, via.Ping(ctx).Err(), "the connection is up before the fault")
			p.SetRule(tc.rule)
			p.SetLink(tc.link)
			err := via.Set(ctx, "k", "v", 0).Err()
			if tc.timeout {
				var ne interface{ Timeout() bool }
				require.ErrorAs(t, err, &ne)
				assert.True(t, ne.Timeout(), "%v", err)
			} else {
				require.NoError(t, err)
			}
			n, err := direct.Exists(ctx, "k").Result()
			require.NoError(t, err)
			assert.Equal(t, tc.wantExists, n)
			p.SetRule(nil)
			p.SetLink(Link{})
			assert.NoError(t, via.Ping(ctx).Err(), "served again once the fault is gone")
		})
	}
}

func TestDelay(t *testing.T) {
	ctx := context.Background()
	p, via, _, _ := setup(t)
	require.NoError(t, via.Ping(ctx).Err())
	p.SetLink(Link{Requests: Direction{Delay: 100 * time.Millisecond}, Replies: Direction{Delay: 100 * time.Millisecond}})
	start := time.Now()
	require.NoError(t, via.Ping(ctx).Err())
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, "held both ways")
	p.SetRule(func([]string) Action { return Action{ReplyDelay: time.Second} })
	p.SetLink(Link{})
	assert.Error(t, via.Ping(ctx).Err(), "a reply held past the read timeout")
}

// A killed server: the client's dial through the proxy fails at once
// instead of hanging until its timeout.
func TestServerDown(t *testing.T) {
	ctx := context.Background()
	_, via, _, s := setup(t)
	require.NoError(t, s.Kill())
	start := time.Now()
	assert.Error(t, via.Ping(ctx).Err())
	assert.Less(t, time.Since(start), 250*time.Millisecond, "refused, not silent")
	require.NoError(t, s.Restart())
	assert.NoError(t, via.Ping(ctx).Err())
}
