package realredis_test

import (
	"context"
	"errors"
	"fmt"
	simredis "github.com/locksim/locksim/sim/redis"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/internal/realredis"
	"github.com/locksim/locksim/sim"
)

// Fault-level differential tests: the same timed steps run against a real
// redis-server (with real kill -9, SIGSTOP and wall-clock steps through the
// clock shim) and against a simulated Redis node, and must give the same
// replies and leave the same keyspace. Real time is not exact: integer
// replies of PTTL, and the TTLs of the final keyspace, may differ by
// tolerance; every other reply must be identical. A reply is compared by
// its text: the value, "nil", "!" and an error reply's text, "refused" for
// a refused connection, "timeout" for no reply in time.

// tolerance is how far a PTTL may differ between the real server and the
// simulator: the steps of the real run are late by the machine's load.
const tolerance = 150 * time.Millisecond

// cmdTimeout is how long a client waits for a reply: long enough for a
// loaded machine, shorter than the SIGSTOP case's pause.
const cmdTimeout = 2 * time.Second

// step is a command or a fault at At after the start.
type step struct {
	At    time.Duration
	Cmd   []any
	Fault string // step (by D), kill, host-crash, restart, pause, resume, save
	D     time.Duration
	PTTL  bool // the reply is a PTTL: compared within tolerance
}

// scenario is a differential case.
type scenario struct {
	name string
	// real and sim persistence; a host crash is approximated on the real
	// server by kill -9 of one without AOF whose last SAVE stands for the
	// last fsync (see TestDifferential's host-crash case).
	real realredis.Persistence
	sim  simredis.Persistence
	seed uint64
	shim bool
	// keys whose value and TTL are compared at the end
	keys  []string
	steps []step
}

func cmd(at time.Duration, args ...any) step { return step{At: at, Cmd: args} }
func pttl(at time.Duration, key string) step {
	return step{At: at, Cmd: []any{"PTTL", key}, PTTL: true}
}
func fault(at time.Duration, f string) step { return step{At: at, Fault: f} }
func clockStep(at, d time.Duration) step    { return step{At: at, Fault: "step", D: d} }

const maxInt64 = "9223372036854775807"

func scenarios() []scenario {
	ms := time.Millisecond
	var out []scenario
	out = append(out,
		scenario{name: "clock-step-back", real: realredis.None, sim: simredis.PersistNone, shim: true, keys: []string{"k"},
			// Redis keeps absolute deadlines: the TTL grows by the step
			steps: []step{cmd(0, "SET", "k", "v", "PX", 3000), clockStep(300*ms, -10*time.Second),
				pttl(600*ms, "k"), cmd(3300*ms, "EXISTS", "k"), cmd(3400*ms, "TTL", "k")}},
		scenario{name: "clock-step-forward", real: realredis.None, sim: simredis.PersistNone, shim: true, keys: []string{"k", "j"},
			steps: []step{cmd(0, "SET", "k", "v", "PX", 30000), cmd(0, "SET", "j", "v", "PX", 90000),
				clockStep(300*ms, 40*time.Second), cmd(400*ms, "EXISTS", "k"), pttl(450*ms, "j")}},
		scenario{name: "clock-step-back-aof-restart", real: realredis.Always, sim: simredis.PersistAlways, shim: true, keys: []string{"k"},
			// the extension survives an AOF restart (SET … PXAT)
			steps: []step{cmd(0, "SET", "k", "v", "PX", 2000), clockStep(200*ms, -5*time.Second),
				fault(300*ms, "kill"), fault(400*ms, "restart"), pttl(1000*ms, "k"), cmd(2500*ms, "EXISTS", "k")}},
	)
	for _, p := range []struct {
		real realredis.Persistence
		sim  simredis.Persistence
	}{{realredis.None, simredis.PersistNone}, {realredis.Everysec, simredis.PersistEverysec}, {realredis.Always, simredis.PersistAlways}} {
		// a process crash right after the writes: everysec keeps them (they
		// reached the kernel), none keeps nothing
		out = append(out, scenario{name: "kill-9-" + string(p.real), real: p.real, sim: p.sim, keys: []string{"a", "b"},
			steps: []step{cmd(0, "SET", "a", "1"), cmd(0, "SET", "b", "2", "PX", 60000),
				fault(100*ms, "kill"), fault(200*ms, "restart"), cmd(600*ms, "GET", "a"), pttl(600*ms, "b")}})
	}
	out = append(out,
		scenario{name: "host-crash", real: realredis.None, sim: simredis.PersistEverysec, seed: 1, keys: []string{"old", "new"},
			// the real server's SAVE at 100ms stands for the last fsync;
			// the simulator's seeded fsync (once a second) falls before
			// the write of "new" at 1.5s, so "new" is lost, "old" kept
			steps: []step{cmd(0, "SET", "old", "1"), fault(100*ms, "save"), cmd(1500*ms, "SET", "new", "2"),
				fault(1510*ms, "host-crash"), fault(1600*ms, "restart"), cmd(2000*ms, "GET", "old"), cmd(2000*ms, "GET", "new")}},
		scenario{name: "sigstop", real: realredis.None, sim: simredis.PersistNone, keys: []string{"k"},
			// a paused server is silent; its TTLs keep running
			steps: []step{cmd(0, "SET", "k", "v", "PX", 1000), fault(100*ms, "pause"), cmd(200*ms, "GET", "k"),
				fault(2600*ms, "resume"), cmd(2700*ms, "EXISTS", "k")}},
		scenario{name: "crashed-node-refuses", real: realredis.None, sim: simredis.PersistNone,
			steps: []step{cmd(0, "SET", "k", "v"), fault(100*ms, "kill"), cmd(200*ms, "GET", "k"), cmd(250*ms, "SET", "k", "w")}},
		scenario{name: "script-errors", real: realredis.None, sim: simredis.PersistNone, keys: []string{"k", "h"},
			steps: []step{cmd(0, "SET", "k", "x"), cmd(0, "HSET", "h", "f", "v"),
				cmd(0, "EVAL", "return redis.call('INCR','k')", 0), cmd(0, "EVAL", "return redis.call('GET','h')", 0),
				cmd(0, "EVAL", "error('boom')", 0), cmd(0, "EVAL", "return redis.call('NOPE')", 0),
				cmd(0, "EVAL", "return redis.call('SET','k')", 0), cmd(0, "EVAL", "return redis.pcall('INCR','k')", 0),
				cmd(0, "EVALSHA", "6ed3c49411ba98b7c7dbdbb3377b8a5a5bb6df28", 0),
				cmd(0, "EVAL", "return redis.call('SET','a','b','PX','"+maxInt64+"')", 0)}},
		scenario{name: "ttl-rounding", real: realredis.None, sim: simredis.PersistNone,
			steps: []step{cmd(0, "SET", "a", "v", "PX", 1800), cmd(0, "TTL", "a"), cmd(0, "SET", "b", "v", "PX", 1200),
				cmd(0, "TTL", "b"), cmd(0, "EVAL", "return redis.call('TTL', KEYS[1])", 1, "a"), cmd(0, "TTL", "none"),
				cmd(0, "SET", "c", "v"), cmd(0, "TTL", "c"), cmd(0, "SET", "d", "v", "EX", 100), cmd(0, "TTL", "d")}},
		scenario{name: "expire-range", real: realredis.None, sim: simredis.PersistNone,
			// PTTL of the 1e13 key is not compared: the simulator caps a TTL
			// at a hundred years (sim/redishook.go)
			steps: []step{cmd(0, "SET", "k", "v", "PX", maxInt64), cmd(0, "SET", "k", "v", "PX", 0),
				cmd(0, "SET", "k", "v", "PX", -5), cmd(0, "SET", "k", "v", "EX", "9223372036854775"),
				cmd(0, "SET", "k", "v", "PX", "10000000000000"), cmd(0, "EXISTS", "k"),
				cmd(0, "PEXPIRE", "k", maxInt64), cmd(0, "EXPIRE", "k", "9223372036854775"),
				cmd(0, "SET", "k", "v", "PX", "abc"), cmd(0, "PSETEX", "k", 0, "v"), cmd(0, "SETEX", "k", -1, "v"),
				cmd(0, "PEXPIRE", "k", -1), cmd(0, "EXISTS", "k")}},
	)
	return out
}

// reply is the text a reply is compared by.
func reply(v any, err error) string {
	var re redis.Error
	var ne net.Error
	switch {
	case err == nil:
		return fmt.Sprint(v)
	case errors.Is(err, redis.Nil):
		return "nil"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &re):
		return "!" + err.Error()
	}
	return "error " + err.Error()
}

// outcome is what a run gives: each step's reply (empty for a fault) and
// each key's value and PTTL at the end.
type outcome struct {
	replies []string
	values  []string
	pttls   []int64
}

func runReal(t *testing.T, sc scenario, shim string) outcome {
	cfg := realredis.Config{Persistence: sc.real}
	if sc.shim {
		cfg.Shim = shim
	}
	s := realredis.StartT(t, cfg)
	// no retries, and one dial per command: go-redis would otherwise dial
	// five times, 100ms apart, and turn the server's refusal into a timeout
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: cmdTimeout,
		ReadTimeout: cmdTimeout, WriteTimeout: cmdTimeout, PoolSize: 1, DialerRetries: 1})
	defer c.Close()
	do := func(args ...any) (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
		defer cancel()
		return c.Do(ctx, args...).Result()
	}
	out := outcome{replies: make([]string, len(sc.steps))}
	start := time.Now()
	for i, st := range sc.steps {
		time.Sleep(time.Until(start.Add(st.At)))
		switch st.Fault {
		case "":
			out.replies[i] = reply(do(st.Cmd...))
		case "step":
			s.Clock().Step(st.D)
		case "kill", "host-crash":
			require.NoError(t, s.Kill())
		case "restart":
			require.NoError(t, s.Restart())
		case "pause":
			require.NoError(t, s.Pause())
		case "resume":
			require.NoError(t, s.Resume())
		case "save":
			_, err := do("SAVE")
			require.NoError(t, err)
		}
	}
	for _, k := range sc.keys {
		v, err := do("GET", k)
		out.values = append(out.values, reply(v, err))
		n, err := do("PTTL", k)
		require.NoError(t, err)
		out.pttls = append(out.pttls, n.(int64))
	}
	return out
}

func runSim(t *testing.T, sc scenario) outcome {
	// loopback: a tenth of a millisecond each way
	w := sim.NewWorld(sc.seed, sim.WithLatency(sim.Latency{Base: 100 * time.Microsecond}))
	defer w.Close()
	rn := simredis.AddNode(w, "redis", sc.sim)
	c := w.AddNode("client")
	out := outcome{replies: make([]string, len(sc.steps))}
	for _, st := range sc.steps {
		n := rn.Node()
		switch st.Fault {
		case "step":
			w.At(st.At, func() { n.StepWall(st.D) })
		case "kill":
			w.At(st.At, func() { w.Crash(n) })
		case "host-crash":
			w.At(st.At, func() { w.CrashHost(n) })
		case "restart":
			w.At(st.At, func() { w.Restart(n) })
		case "pause":
			w.At(st.At, func() { w.Pause(n, 0) })
		case "resume":
			w.At(st.At, func() { w.Resume(n) })
		}
	}
	var end time.Duration
	w.Spawn(c, "client", func(rt *sim.Runtime) {
		conn := rn.Conn(c)
		do := func(args ...any) (any, error) {
			ctx, cancel := rt.WithTimeout(context.Background(), cmdTimeout)
			defer cancel()
			return conn.Do(ctx, args...)
		}
		for i, st := range sc.steps {
			if d := st.At - w.Elapsed(); d > 0 {
				_ = rt.Sleep(context.Background(), d)
			}
			if st.Fault == "" {
				out.replies[i] = reply(do(st.Cmd...))
			}
		}
		for _, k := range sc.keys {
			v, err := do("GET", k)
			out.values = append(out.values, reply(v, err))
			n, err := do("PTTL", k)
			require.NoError(t, err)
			out.pttls = append(out.pttls, n.(int64))
		}
		end = w.Elapsed()
	})
	w.Run(time.Minute)
	require.NotZero(t, end, "the simulated client did not finish")
	return out
}

func TestDifferential(t *testing.T) {
	realredis.Require(t, true)
	shim := realredis.ShimT(t)
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			real := runReal(t, sc, shim)
			simulated := runSim(t, sc)
			for i, st := range sc.steps {
				if st.Fault != "" {
					continue
				}
				r, s := real.replies[i], simulated.replies[i]
				if st.PTTL {
					assert.InDelta(t, atoi(t, r), atoi(t, s), float64(tolerance.Milliseconds()), "step %d %v: real %s, sim %s", i, st.Cmd, r, s)
					continue
				}
				assert.Equal(t, r, s, "step %d %v", i, st.Cmd)
			}
			assert.Equal(t, real.values, simulated.values, "values of %v", sc.keys)
			for i, k := range sc.keys {
				r, s := real.pttls[i], simulated.pttls[i]
				if r < 0 || s < 0 {
					assert.Equal(t, r, s, "PTTL of %s", k)
					continue
				}
				assert.InDelta(t, r, s, float64(tolerance.Milliseconds()), "PTTL of %s", k)
			}
		})
	}
}

func atoi(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err, "not an integer reply: %s", s)
	return n
}
