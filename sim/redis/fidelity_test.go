package redis

import (
	"context"
	"errors"
	"github.com/locksim/locksim/sim"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests that the simulated Redis answers as Redis 7 does where miniredis
// alone would not (the differential tests in internal/realredis run the
// same steps against a real redis-server).

// step is one command of a fidelityRun, sent at At (true time) or, if At
// is 0, right after the previous reply.
type step struct {
	At   time.Duration
	Args []any
}

// result is the reply of a step.
type result struct {
	Reply any
	Err   error
	At    time.Duration // true time the reply arrived
}

// fidelityRun sends steps from a client to a Redis node with a fixed 1ms
// latency, with fault run at their times, and returns the replies.
func fidelityRun(t *testing.T, p Persistence, steps []step, faults map[time.Duration]func(w *sim.World, rn *Node)) []result {
	t.Helper()
	w := sim.NewWorld(11, sim.WithLatency(sim.Latency{Base: time.Millisecond}))
	defer w.Close()
	rn := AddNode(w, "r", p)
	c := w.AddNode("c")
	for at, f := range faults {
		w.At(at, func() { f(w, rn) })
	}
	out := make([]result, len(steps))
	w.Spawn(c, "main", func(rt *sim.Runtime) {
		conn := rn.Conn(c)
		for i, s := range steps {
			if d := s.At - w.Elapsed(); s.At > 0 && d > 0 {
				_ = rt.Sleep(context.Background(), d)
			}
			ctx, cancel := rt.WithTimeout(context.Background(), 500*time.Millisecond)
			v, err := conn.Do(ctx, s.Args...)
			cancel()
			out[i] = result{v, err, w.Elapsed()}
		}
	})
	w.Run(time.Minute)
	return out
}

func TestBackwardStepExtendsTTL(t *testing.T) {
	steps := []step{
		{0, []any{"SET", "k", "v", "PX", 3000}},
		{2 * time.Second, []any{"PTTL", "k"}}, // after a 10s step back at 1s
		{5 * time.Second, []any{"EXISTS", "k"}},
	}
	r := fidelityRun(t, PersistNone, steps, map[time.Duration]func(*sim.World, *Node){
		time.Second: func(w *sim.World, rn *Node) { rn.Node().StepWall(-10 * time.Second) },
	})
	require.NoError(t, r[1].Err)
	// set at 1ms (deadline 3.001s), read at 2.001s: 1s left, plus the 10s step
	assert.Equal(t, int64(11000), r[1].Reply)
	assert.Equal(t, int64(1), r[2].Reply, "the key outlives its 3s TTL by the step")
}

func TestForwardStepExpiresEarly(t *testing.T) {
	steps := []step{
		{0, []any{"SET", "k", "v", "PX", 30000}},
		{2 * time.Second, []any{"EXISTS", "k"}},
	}
	r := fidelityRun(t, PersistNone, steps, map[time.Duration]func(*sim.World, *Node){
		time.Second: func(w *sim.World, rn *Node) { rn.Node().StepWall(40 * time.Second) },
	})
	assert.Equal(t, int64(0), r[1].Reply)
}

// A restart replays the extended deadline, as Redis's AOF (SET … PXAT).
func TestBackwardStepSurvivesRestart(t *testing.T) {
	steps := []step{
		{0, []any{"SET", "k", "v", "PX", 3000}},
		{4 * time.Second, []any{"PTTL", "k"}},
	}
	r := fidelityRun(t, PersistAlways, steps, map[time.Duration]func(*sim.World, *Node){
		time.Second:             func(w *sim.World, rn *Node) { rn.Node().StepWall(-10 * time.Second) },
		2 * time.Second:         func(w *sim.World, rn *Node) { w.Crash(rn.Node()) },
		2500 * time.Millisecond: func(w *sim.World, rn *Node) { w.Restart(rn.Node()) },
	})
	// set at 1ms (deadline 3.001s), read at 4.001s, 10s later by the step
	assert.Equal(t, int64(9000), r[1].Reply)
}

// Redis expires a key once its clock is past the deadline: at the deadline
// itself the key is there, with PTTL 0.
func TestKeyAliveAtDeadline(t *testing.T) {
	// SET runs at 1ms: deadline 101ms on the Redis clock; the PTTL sent at
	// 100ms runs at 101ms, the EXISTS sent at 101ms runs at 102ms.
	steps := []step{
		{0, []any{"SET", "k", "v", "PX", 100}},
		{100 * time.Millisecond, []any{"PTTL", "k"}},
		{101 * time.Millisecond, []any{"EXISTS", "k"}},
	}
	r := fidelityRun(t, PersistNone, steps, nil)
	assert.Equal(t, int64(0), r[1].Reply, "at its deadline the key is still there")
	assert.Equal(t, int64(0), r[2].Reply, "a millisecond later it is gone")
}

func TestTTLRoundsToNearestSecond(t *testing.T) {
	steps := []step{
		{0, []any{"SET", "a", "v", "PX", 1600}},
		{0, []any{"TTL", "a"}},
		{0, []any{"SET", "b", "v", "PX", 1400}},
		{0, []any{"TTL", "b"}},
		{0, []any{"EVAL", "return redis.call('TTL', KEYS[1])", 1, "a"}},
		{0, []any{"TTL", "missing"}},
		{0, []any{"SET", "c", "v"}},
		{0, []any{"TTL", "c"}},
	}
	r := fidelityRun(t, PersistNone, steps, nil)
	assert.Equal(t, int64(2), r[1].Reply, "1.6s rounds up")
	assert.Equal(t, int64(1), r[3].Reply)
	assert.Equal(t, int64(2), r[4].Reply, "in a script too")
	assert.Equal(t, int64(-2), r[5].Reply)
	assert.Equal(t, int64(-1), r[7].Reply)
}

func TestExpireTimeRange(t *testing.T) {
	maxInt := "9223372036854775807"
	steps := []step{
		{0, []any{"SET", "k", "v", "PX", maxInt}},
		{0, []any{"SET", "k", "v", "PX", 0}},
		{0, []any{"SET", "k", "v", "EX", "9223372036854775"}},
		{0, []any{"SET", "k", "v", "PX", "10000000000000"}}, // 1e13 ms: Redis takes it
		{0, []any{"PTTL", "k"}},
		{0, []any{"PEXPIRE", "k", maxInt}},
		{0, []any{"EXPIRE", "k", "9223372036854775"}},
		{0, []any{"EVAL", "return redis.call('SET','a','b','PX','9223372036854775807')", 0}},
		{0, []any{"SET", "k", "v", "PX", "abc"}},
	}
	r := fidelityRun(t, PersistNone, steps, nil)
	set := "ERR invalid expire time in 'set' command"
	for _, i := range []int{0, 1, 2} {
		assert.EqualError(t, r[i].Err, set, "step %d", i)
	}
	require.NoError(t, r[3].Err)
	assert.Equal(t, "OK", r[3].Reply)
	assert.InDelta(t, maxRedisTTL.Milliseconds(), r[4].Reply, 2, "stored, capped at maxRedisTTL")
	assert.EqualError(t, r[5].Err, "ERR invalid expire time in 'pexpire' command")
	assert.EqualError(t, r[6].Err, "ERR invalid expire time in 'expire' command")
	assert.EqualError(t, r[7].Err, set+" script: 983213edc11c94d3cf5790b8c7627107ebb5bd35, on @user_script:1.")
	assert.EqualError(t, r[8].Err, "ERR value is not an integer or out of range")
}

// The texts are those of redis-server 7.0.15.
func TestScriptErrorsInRedisForm(t *testing.T) {
	steps := []step{
		{0, []any{"SET", "k", "x"}},
		{0, []any{"HSET", "h", "f", "v"}},
		{0, []any{"EVAL", "return redis.call('INCR','k')", 0}},
		{0, []any{"EVAL", "return redis.call('GET','h')", 0}},
		{0, []any{"EVAL", "error('boom')", 0}},
		{0, []any{"EVAL", "return redis.call('NOPE')", 0}},
		{0, []any{"EVAL", "return redis.call('SET','k')", 0}},
		{0, []any{"EVALSHA", "6ed3c49411ba98b7c7dbdbb3377b8a5a5bb6df28", 0}},
		{0, []any{"EVAL", "return redis.pcall('INCR','k')", 0}},
	}
	r := fidelityRun(t, PersistNone, steps, nil)
	want := []string{
		"ERR value is not an integer or out of range script: 6ed3c49411ba98b7c7dbdbb3377b8a5a5bb6df28, on @user_script:1.",
		"WRONGTYPE Operation against a key holding the wrong kind of value script: aa77f552b24e0b017e3df463ec8364838f1e957b, on @user_script:1.",
		"ERR user_script:1: boom script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
		"ERR Unknown Redis command called from script script: 19965f96bed2e953a3424cfa591695dc2a3e81db, on @user_script:1.",
		"ERR Wrong number of args calling Redis command from script script: a6999cdfd0d02734a16da1498f9d68bdd938fd62, on @user_script:1.",
		"ERR value is not an integer or out of range script: 6ed3c49411ba98b7c7dbdbb3377b8a5a5bb6df28, on @user_script:1.",
		"ERR value is not an integer or out of range",
	}
	for i, w := range want {
		assert.EqualError(t, r[2+i].Err, w, "step %d", 2+i)
	}
	var re Error
	require.ErrorAs(t, r[3].Err, &re)
}

// A request to a crashed node is refused one network latency after it was
// sent; a paused node says nothing until the client gives up.
func TestCrashedNodeRefusesPausedIsSilent(t *testing.T) {
	steps := []step{
		{time.Second, []any{"GET", "k"}},
		{3 * time.Second, []any{"GET", "k"}},
	}
	r := fidelityRun(t, PersistNone, steps, map[time.Duration]func(*sim.World, *Node){
		500 * time.Millisecond:  func(w *sim.World, rn *Node) { w.Crash(rn.Node()) },
		2000 * time.Millisecond: func(w *sim.World, rn *Node) { w.Restart(rn.Node()) },
		2500 * time.Millisecond: func(w *sim.World, rn *Node) { w.Pause(rn.Node(), 2*time.Second) },
	})
	require.ErrorIs(t, r[0].Err, syscall.ECONNREFUSED)
	assert.Equal(t, "dial tcp: connect: connection refused", r[0].Err.Error())
	assert.Equal(t, time.Second+time.Millisecond, r[0].At, "refused after one latency")
	assert.True(t, errors.Is(r[1].Err, context.DeadlineExceeded), "paused: %v", r[1].Err)
}

// A process crash keeps every write everysec acknowledged; a host crash
// keeps those up to the last fsync, at a phase drawn from the node's
// stream: the same for a seed, not the same for every seed.
func TestEverysecProcessVersusHostCrash(t *testing.T) {
	survivors := func(seed uint64, host bool) int {
		w := sim.NewWorld(seed, sim.WithLatency(sim.Latency{Base: time.Millisecond}))
		defer w.Close()
		rn := AddNode(w, "r", PersistEverysec)
		c := w.AddNode("c")
		w.Spawn(c, "main", func(rt *sim.Runtime) {
			conn := rn.Conn(c)
			for i := range 30 {
				_, err := conn.Do(context.Background(), "SET", "k"+strconv.Itoa(i), "v")
				assert.NoError(t, err)
				_ = rt.Sleep(context.Background(), 100*time.Millisecond)
			}
		})
		w.At(3100*time.Millisecond, func() {
			if host {
				w.CrashHost(rn.Node())
			} else {
				w.Crash(rn.Node())
			}
		})
		w.At(4*time.Second, func() { w.Restart(rn.Node()) })
		w.Run(5 * time.Second)
		keys := rn.Keys()
		for i := range len(keys) { // a prefix of the writes
			assert.Contains(t, keys, "k"+strconv.Itoa(i))
		}
		return len(keys)
	}
	cuts := map[int]bool{}
	for seed := range uint64(12) {
		assert.Equal(t, 30, survivors(seed, false), "a process crash loses nothing acknowledged")
		n := survivors(seed, true)
		assert.Equal(t, n, survivors(seed, true), "the fsync phase is the seed's")
		// writes about 102ms apart; the last fsync is within the second before 3.1s
		assert.GreaterOrEqual(t, n, 20)
		assert.LessOrEqual(t, n, 30)
		cuts[n] = true
	}
	assert.Greater(t, len(cuts), 2, "the phase varies with the seed")
}

func TestLastFsync(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct{ crash, phase, want time.Duration }{
		{2500 * ms, 300 * ms, 2300 * ms},
		{2300 * ms, 300 * ms, 2300 * ms}, // an fsync at the crash's instant counts
		{2299 * ms, 300 * ms, 1300 * ms},
		{200 * ms, 300 * ms, -1}, // before the first fsync
		{5 * time.Second, 0, 5 * time.Second},
	} {
		assert.Equal(t, c.want, lastFsync(c.crash, c.phase), "crash %s phase %s", c.crash, c.phase)
	}
}
