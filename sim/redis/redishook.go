package redis

import (
	"bufio"
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
)

// Redis 7's replies where miniredis's differ, for every command a node's
// miniredis dispatches (from a client, a script, or a replay): miniredis's
// pre-hook sees each of them first.
//
//   - Expiry times: Redis rejects one whose deadline is not a positive
//     unix-ms int64 ("ERR invalid expire time in 'set' command"; for
//     EXPIRE and its kin also a negative time in seconds too large to
//     convert), and accepts any other, such as PX 1e13. miniredis keeps a
//     TTL as a time.Duration, which overflows past about 292 years (it then
//     said OK and stored nothing): a TTL beyond maxRedisTTL is stored as
//     maxRedisTTL (its key still outlives any run; PTTL then reads
//     maxRedisTTL where Redis reads the whole TTL).
//   - TTL rounds the time left to the nearest second ((ms+500)/1000), where
//     miniredis truncates.
//
// On a connection that sent MULTI both stay miniredis's: the hook could not
// read the clock or the key without queueing its command.

// maxRedisTTL is the longest TTL a node stores: a hundred years, so that
// extending it by clock steps cannot overflow a time.Duration either.
const maxRedisTTL = 100 * 365 * 24 * time.Hour

// redisHook is a miniredis pre-hook.
type redisHook struct {
	m     *miniredis.Miniredis
	inner bool                  // the hook's own dispatch: let it through
	multi map[*server.Peer]bool // connections that sent MULTI
	buf   bytes.Buffer
	peer  *server.Peer // the hook's own connection
}

// installHook makes m answer as Redis does where they differ.
func installHook(m *miniredis.Miniredis) {
	h := &redisHook{m: m}
	h.peer = server.NewPeer(bufio.NewWriter(&h.buf))
	m.Server().SetPreHook(h.hook)
}

func (h *redisHook) hook(c *server.Peer, cmd string, args ...string) bool {
	if h.inner {
		return false
	}
	switch cmd {
	case "MULTI":
		if h.multi == nil {
			h.multi = map[*server.Peer]bool{}
		}
		h.multi[c] = true
	case "TTL":
		return h.ttl(c, args)
	case "SET", "GETEX":
		return h.expire(c, cmd, args, optionExpiry(args, cmd == "SET"))
	case "SETEX", "EXPIRE", "EXPIREAT":
		return h.expire(c, cmd, args, expiryArg{i: 1, seconds: true, at: cmd == "EXPIREAT"})
	case "PSETEX", "PEXPIRE", "PEXPIREAT":
		return h.expire(c, cmd, args, expiryArg{i: 1, at: cmd == "PEXPIREAT"})
	}
	return false
}

// call dispatches args on the hook's connection, with ctx (a peer's Ctx:
// its selected database) and returns the reply.
func (h *redisHook) call(ctx any, args ...string) []byte {
	h.buf.Reset()
	h.peer.Ctx = ctx
	h.inner = true
	h.m.Server().Dispatch(h.peer, args)
	h.inner = false
	h.peer.Flush()
	h.peer.Ctx = nil
	return h.buf.Bytes()
}

// nowMS returns the miniredis clock in unix milliseconds (TIME), asked with
// ctx: a script's connection holds miniredis's lock, which only its own
// context may skip.
func (h *redisHook) nowMS(ctx any) int64 {
	r := string(h.call(ctx, "TIME")) // *2 $n secs $n usecs
	f := strings.Split(r, "\r\n")
	if len(f) < 5 {
		return 0
	}
	s, _ := strconv.ParseInt(f[2], 10, 64)
	us, _ := strconv.ParseInt(f[4], 10, 64)
	return s*1000 + us/1000
}

// ttl answers TTL key as Redis does: PTTL rounded to the second.
func (h *redisHook) ttl(c *server.Peer, args []string) bool {
	if len(args) != 1 || h.multi[c] {
		return false
	}
	r := parseSub(h.call(c.Ctx, "PTTL", args[0]))
	if r.kind != ':' {
		return false
	}
	n := r.n
	if n >= 0 {
		n = (n + 500) / 1000
	}
	c.WriteInt(int(n))
	return true
}

// expiryArg locates the expiry time of a command: args[i], in seconds or
// milliseconds, relative or a unix time; i < 0: none.
type expiryArg struct {
	i           int
	seconds, at bool
}

// optionExpiry finds the EX, PX, EXAT or PXAT option of SET (options from
// args[2]) or GETEX (from args[1]).
func optionExpiry(args []string, set bool) expiryArg {
	from := 1
	if set {
		from = 2
	}
	for i := from; i+1 < len(args); i++ {
		switch strings.ToUpper(args[i]) {
		case "EX":
			return expiryArg{i: i + 1, seconds: true}
		case "PX":
			return expiryArg{i: i + 1}
		case "EXAT":
			return expiryArg{i: i + 1, seconds: true, at: true}
		case "PXAT":
			return expiryArg{i: i + 1, at: true}
		}
	}
	return expiryArg{i: -1}
}

// expire checks the expiry time of a command as Redis 7 does: it answers
// Redis's error for one Redis rejects, runs the command with a TTL of
// maxRedisTTL for one beyond it, and leaves any other to miniredis.
func (h *redisHook) expire(c *server.Peer, cmd string, args []string, e expiryArg) bool {
	if e.i < 0 || e.i >= len(args) || h.multi[c] {
		return false
	}
	v, err := strconv.ParseInt(args[e.i], 10, 64)
	if err != nil {
		return false // miniredis's "value is not an integer or out of range", as Redis's
	}
	now := h.nowMS(c.Ctx)
	expireFamily := strings.Contains(cmd, "EXPIRE")
	ms, ok := redisDeadline(v, e, now, expireFamily)
	if !ok {
		c.WriteError("ERR invalid expire time in '" + strings.ToLower(cmd) + "' command")
		return true
	}
	if ms-now <= maxRedisTTL.Milliseconds() {
		return false
	}
	clamped := now + maxRedisTTL.Milliseconds()
	if !e.at {
		clamped -= now
	}
	if e.seconds {
		clamped /= 1000
	}
	a := append([]string{cmd}, args...)
	a[e.i+1] = strconv.FormatInt(clamped, 10)
	h.inner = true
	h.m.Server().Dispatch(c, a)
	h.inner = false
	return true
}

// redisDeadline returns the deadline in unix ms that expiry time v means at
// now (unix ms), and false where Redis 7.0 answers "invalid expire time":
// SET, SETEX, PSETEX and GETEX take only a positive time whose deadline
// fits an int64; EXPIRE and its kin any time whose deadline fits (one in
// the past deletes the key).
func redisDeadline(v int64, e expiryArg, now int64, expireFamily bool) (int64, bool) {
	if !expireFamily && v <= 0 {
		return 0, false
	}
	if e.seconds {
		if v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
			return 0, false
		}
		v *= 1000
	}
	if e.at {
		return v, true
	}
	if v > math.MaxInt64-now {
		return 0, false
	}
	return v + now, true
}
