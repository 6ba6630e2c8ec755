package scenario

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/locks"
)

// Expect is an outcome: of a run (Result.Outcome), measured over a cell's
// seeds (Measure), or expected of a lock in a named scenario. A run's
// outcome is one of four values, Safe, Unsafe, Stuck and Unknown; an
// expectation names one of them, and a cell matches only when the
// measured outcome equals it.
type Expect string

// The outcomes.
const (
	// Safe: no safety check (mutual exclusion, linearizability, fencing,
	// conservation) finds a violation.
	Safe Expect = "safe"
	// Unsafe: some safety check finds a violation.
	Unsafe Expect = "violation"
	// Stuck: the lock is never acquired again (a liveness violation), and
	// no safety check finds a violation.
	Stuck Expect = "stuck"
	// Unknown: no check finds a violation, but some check cannot decide
	// (Result.Undecided says which and why). Never the same as Safe.
	Unknown Expect = "unknown"
	// Mixed is only ever measured, never expected: a cell's seeds agree on
	// none of the four outcomes by Measure's rule.
	Mixed Expect = "mixed"
)

// Named is a scenario of the literature: a topology, a workload and a fault
// schedule aimed at one known weakness, with the outcome expected per lock.
type Named struct {
	// Name is what the CLI and tests call it.
	Name string
	// Summary says in one line what happens.
	Summary string
	// Expect lists the locks for which the scenario is meaningful, in the
	// order of locks.Names, with the outcome expected of each. A lock not
	// listed is skipped ("–" in the matrix).
	Expect []LockExpect
	// config builds the run's config for lock.
	config func(lock string) Config
}

// LockExpect is the outcome expected of one lock.
type LockExpect struct {
	Lock   string
	Expect Expect
	// Why is the reason, shown next to the measured cell.
	Why string
	// Literature, when set, is what the literature predicts where locksim
	// found it wrong and expects otherwise: the divergence is shown, never
	// hidden.
	Literature Expect
}

// Config returns the configuration of the scenario for lock, or an error
// if the scenario is not meaningful for it.
func (n Named) Config(lock string) (Config, error) {
	if _, ok := n.Expected(lock); !ok {
		return Config{}, fmt.Errorf("scenario %s is not meaningful for lock %s (it applies to %s)", n.Name, lock, strings.Join(n.Locks(), ", "))
	}
	c := n.config(lock)
	c.Lock, c.Scenario = lock, n.Name
	return c.WithDefaults(), nil
}

// Expected returns what the literature predicts for lock, and whether the
// scenario is meaningful for it.
func (n Named) Expected(lock string) (LockExpect, bool) {
	for _, e := range n.Expect {
		if e.Lock == lock {
			return e, true
		}
	}
	if x, ok := External(lock); ok {
		return n.libraryExpected(lock, x.Like)
	}
	return LockExpect{}, false
}

// Locks lists the locks the scenario is meaningful for.
func (n Named) Locks() []string {
	var out []string
	for _, e := range n.Expect {
		out = append(out, e.Lock)
	}
	for _, l := range LockNames()[len(locks.Names()):] {
		if _, ok := n.Expected(l); ok {
			out = append(out, l)
		}
	}
	return out
}

// Lookup returns the named scenario called name.
func Lookup(name string) (Named, error) {
	for _, n := range Scenarios() {
		if n.Name == name {
			return n, nil
		}
	}
	var names []string
	for _, n := range Scenarios() {
		names = append(names, n.Name)
	}
	return Named{}, fmt.Errorf("unknown scenario %q (want one of %s)", name, strings.Join(names, ", "))
}

// ttl is the lock TTL of every named scenario: redlock's default expiry, so
// that every lock is measured against the same lease.
const ttl = 8 * time.Second

// holderQuorumNode is, for a lock over nodes Redis nodes, the node of the
// holder's bare majority that a second client can also reach: redis-3 of 5,
// redis-1 of 1.
func holderQuorumNode(nodes int) string { return faults.RedisNode(nodes/2 + 1) }

// whenHolderAcquires aims a fault at client-1's first acquisition: with
// Stagger, client-1 meets a free lock.
var whenHolderAcquires = &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseOK, Client: 1}

// base is the starting point of every named scenario: 5 clients, TTL 8s,
// client-1 first.
func base(lock string) Config {
	c := Config{Lock: lock, TTL: Duration(ttl), Duration: Duration(40 * time.Second), Stagger: Duration(100 * time.Millisecond)}
	return c.WithDefaults()
}

// splitAround builds the partitions that leave client-1 (the holder) with a
// bare majority of the Redis nodes, and client-2 with the other majority:
// the two share only holderQuorumNode. With one node there is nothing to cut.
func splitAround(nodes int, d time.Duration) []faults.Fault {
	if nodes < 3 {
		return nil
	}
	q := nodes/2 + 1
	var holderCut, otherCut []string
	for i := q + 1; i <= nodes; i++ {
		holderCut = append(holderCut, faults.RedisNode(i))
	}
	for i := 1; i < q; i++ {
		otherCut = append(otherCut, faults.RedisNode(i))
	}
	return []faults.Fault{
		{Kind: faults.Partition, A: []string{faults.ClientNode(1)}, B: holderCut, For: d},
		{Kind: faults.Partition, A: []string{faults.ClientNode(2)}, B: otherCut, For: d},
	}
}

// Scenarios lists the named scenarios, in the order of the literature.
func Scenarios() []Named {
	redisLocks := func(setnx, lua, redlock, fenced Expect, why map[string]string) []LockExpect {
		var out []LockExpect
		for _, e := range []LockExpect{{Lock: "fenced", Expect: fenced}, {Lock: "lua", Expect: lua}, {Lock: "redlock", Expect: redlock}, {Lock: "setnx", Expect: setnx}} {
			if e.Expect != "" {
				e.Why = why[e.Lock]
				out = append(out, e)
			}
		}
		return out
	}
	etcdLocks := func(plain, fenced Expect, why, fencedWhy string) []LockExpect {
		return []LockExpect{{Lock: "etcd", Expect: plain, Why: why}, {Lock: "etcd-fenced", Expect: fenced, Why: fencedWhy}}
	}
	return append([]Named{
		{
			Name:    "gc-pause",
			Summary: "the holder pauses for 2x TTL right after its acquire returns, before it touches the resource",
			Expect: slices.Concat(etcdLocks(Unsafe, Safe,
				"the session's keep-alives stop with the process: its lease expires, the key goes with it, and the next waiter's key is first (Jepsen, etcd 3.4.3)",
				"the stale holder's accesses carry a create revision the storage has seen superseded"),
				[]LockExpect{{Lock: "mutex", Expect: Safe, Why: "a pause stops the whole process"}}, redisLocks(Safe, Unsafe, Unsafe, Safe, map[string]string{
					"setnx": "no TTL: the lock waits for its holder", "lua": "the key expires during the pause",
					"redlock": "the keys expire during the pause", "fenced": "the stale holder's accesses are rejected",
				})),
			config: func(lock string) Config {
				c := base(lock)
				c.Faults.Faults = []faults.Fault{{Kind: faults.Pause, When: whenHolderAcquires, Node: faults.Holder, For: 2 * ttl}}
				return c
			},
		},
		{
			Name:    "slow-reply",
			Summary: "the reply to a successful acquire is delayed past the TTL",
			Expect: redisLocks(Stuck, Unsafe, Safe, Safe, map[string]string{
				"setnx":   "no TTL: the holder's SETNX lands but its reply comes after the client gave up on it, so nobody ever deletes the key and the lock stays taken for ever",
				"lua":     "the holder trusts a lease that expired in flight",
				"redlock": "the validity check (and the round timeout) refuse it", "fenced": "tokens",
			}),
			config: func(lock string) Config {
				c := base(lock)
				c.Faults.Faults = []faults.Fault{{
					Kind: faults.Delay, When: &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseInvoke, Client: 1},
					From: "redis-*", To: faults.Holder, Delay: 2 * ttl, For: 50 * time.Millisecond,
				}}
				return c
			},
		},
		{
			Name:    "delayed-write",
			Summary: "the holder's write to the storage is delayed in the network past the TTL",
			Expect: append(etcdLocks(Safe, Safe, "the session's keep-alive loop runs on while the write is in flight, so the lease lives and nobody acquires until the holder has written and released (lua's fixed TTL expires instead)", "as etcd; a late write would also carry a superseded create revision"),
				redisLocks(Safe, Unsafe, Unsafe, Safe, map[string]string{
					"setnx": "no TTL", "lua": "the write lands after the lease expired", "redlock": "the write lands after the lease expired",
					"fenced": "the late write carries a stale token",
				})...),
			config: func(lock string) Config {
				c := base(lock)
				c.Faults.Faults = []faults.Fault{{
					Kind: faults.Delay, When: &faults.Trigger{Op: faults.OpWrite, Phase: faults.PhaseInvoke, Client: 1},
					From: faults.Holder, To: faults.Storage, Delay: 2 * ttl, For: 50 * time.Millisecond,
				}}
				return c
			},
		},
		{
			Name:    "holder-crash",
			Summary: "the holder crashes inside its critical section and never returns",
			Expect: slices.Concat(etcdLocks(Safe, Safe, "the session's lease expires after its TTL and takes the key: the next waiter goes on", "as etcd"),
				[]LockExpect{{Lock: "mutex", Expect: Safe, Why: "the crash takes the whole process, every client with it: no access interleaves, and with no client left to want the lock, liveness holds vacuously"}}, redisLocks(Stuck, Safe, Safe, Safe, map[string]string{
					"setnx": "no TTL: the key stays for ever", "lua": "the key expires", "redlock": "the keys expire", "fenced": "the key expires",
				})),
			config: func(lock string) Config {
				c := base(lock)
				c.Faults.Faults = []faults.Fault{{Kind: faults.Crash, When: &faults.Trigger{Op: faults.OpRead, Phase: faults.PhaseOK, Client: 1}, Node: faults.Holder}}
				return c
			},
		},
		{
			Name:    "redis-clock-jump",
			Summary: "the holder holds a bare majority, one of its nodes steps its wall clock past the TTL, and a client cut off from the holder's other nodes acquires",
			Expect: redisLocks(Safe, Unsafe, Unsafe, Safe, map[string]string{
				"setnx": "no TTL", "lua": "the key expires early", "redlock": "a second majority forms on the stepped node", "fenced": "tokens",
			}),
			config: func(lock string) Config {
				return quorumLoss(lock, faults.Fault{Kind: faults.ClockStep, Step: ttl + time.Second})
			},
		},
		{
			Name:    "redis-restart-no-fsync",
			Summary: "as redis-clock-jump, but the node restarts with persistence none instead of stepping its clock",
			// The literature expects fenced to stay safe here (a lost counter
			// only hands out stale tokens). Measured, it is not: the counter
			// restarts from zero and re-issues the live holder's own token,
			// which the storage must accept (an equal token is how the same
			// holder's next access looks). Fencing needs a token source that
			// never repeats; INCR on a Redis node without fsync is not one.
			Expect: diverge(redisLocks(Unsafe, Unsafe, Unsafe, Unsafe, map[string]string{
				"setnx": "the key is lost", "lua": "the key is lost", "redlock": "a second majority forms on the restarted node",
				"fenced": "the token counter is lost too and re-issues the live holder's token",
			}), "fenced", Safe),
			config: func(lock string) Config {
				return quorumLoss(lock, faults.Fault{Kind: faults.Crash, For: 100 * time.Millisecond, Persistence: faults.PersistNone})
			},
		},
		{
			Name:    "redis-restart-fsync",
			Summary: "as redis-restart-no-fsync, with persistence always",
			Expect: redisLocks(Safe, Safe, Safe, Safe, map[string]string{
				"setnx": "the key survives", "lua": "the key survives", "redlock": "the key survives", "fenced": "the key survives",
			}),
			config: func(lock string) Config {
				return quorumLoss(lock, faults.Fault{Kind: faults.Crash, For: 100 * time.Millisecond, Persistence: faults.PersistAlways})
			},
		},
		{
			Name:    "redis-restart-everysec",
			Summary: "as redis-restart-no-fsync, with persistence everysec: the Redis process crashes, its host does not",
			Expect: redisLocks(Safe, Safe, Safe, Safe, map[string]string{
				"setnx": "the key survives: everysec loses nothing acknowledged in a process crash (the write reached the kernel before the reply)",
				"lua":   "the key survives, as setnx", "redlock": "the key survives, as setnx", "fenced": "the key and the token counter survive, as setnx",
			}),
			config: func(lock string) Config {
				return quorumLoss(lock, faults.Fault{Kind: faults.Crash, For: 100 * time.Millisecond, Persistence: faults.PersistEverysec})
			},
		},
		{
			Name:    "redis-host-crash-everysec",
			Summary: "as redis-restart-everysec, but the node's whole host crashes: everysec loses the writes after its last fsync",
			// No redlock cell: its write on the crashed node can come from
			// an earlier round of the acquire, up to about 400ms before the
			// crash, so whether an fsync (once a second, at a seeded phase)
			// kept it depends on the seed: measured 13 violations in 20
			// seeds, a mixed cell no expectation can name.
			Expect: redisLocks(Unsafe, Unsafe, "", Unsafe, map[string]string{
				"setnx": "the key, written 10ms before the crash, was not fsynced yet: it is lost", "lua": "as setnx",
				"fenced": "the token counter is lost with the key and re-issues the live holder's token, as in redis-restart-no-fsync",
			}),
			config: func(lock string) Config {
				return quorumLoss(lock, faults.Fault{Kind: faults.Crash, For: 100 * time.Millisecond, Persistence: faults.PersistEverysec, Host: true})
			},
		},
		{
			Name:    "minority-partition",
			Summary: "a minority of the Redis nodes (of the clients, with one node) is cut off for a while",
			Expect: redisLocks("", Safe, Safe, Safe, map[string]string{
				"lua": "the clients cut off cannot acquire", "redlock": "a majority is still reachable", "fenced": "as lua",
			}),
			config: func(lock string) Config {
				c := base(lock)
				f := faults.SplitRedis(c.Topology(), 5*time.Second, 10*time.Second)
				if c.Nodes < 3 {
					f = faults.Fault{Kind: faults.Partition, At: 5 * time.Second, A: []string{"client-1", "client-2"}, B: []string{"redis-*"}, For: 10 * time.Second}
				}
				c.Faults.Faults = []faults.Fault{f}
				return c
			},
		},
		{
			Name:    "clock-drift",
			Summary: "the Redis nodes' clocks run 5% fast, beyond redlock's 1% drift factor; careful clients work until just before their validity ends",
			Expect: redisLocks("", Unsafe, Unsafe, Safe, map[string]string{
				"lua": "no drift margin", "redlock": "the drift exceeds the drift factor", "fenced": "tokens",
			}),
			config: func(lock string) Config { return drifting(lock, 0.05) },
		},
		{
			Name:    "clock-drift-small",
			Summary: "as clock-drift at 0.5%, within redlock's drift factor (lua has no drift margin)",
			Expect: redisLocks("", Unsafe, Safe, Safe, map[string]string{
				"lua": "no drift margin", "redlock": "the drift factor covers it", "fenced": "tokens",
			}),
			config: func(lock string) Config { return drifting(lock, 0.005) },
		},
		{
			Name:    "pause-during-acquire",
			Summary: "a client pauses past the TTL while its acquire requests are in flight",
			Expect: redisLocks(Stuck, Unsafe, Safe, Safe, map[string]string{
				"setnx":   "no TTL: the paused client's SETNX lands, but its command has timed out by the time it resumes; it retries against its own orphaned key, which nobody ever deletes",
				"lua":     "the holder trusts a lease that expired while it was paused",
				"redlock": "the round timeout refuses it: the paused client's commands time out before their replies reach it, so no node counts as granted", "fenced": "tokens",
			}),
			config: func(lock string) Config {
				c := base(lock)
				c.Faults.Faults = []faults.Fault{{
					Kind: faults.Pause, When: &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseInvoke, Client: 1, After: 500 * time.Microsecond},
					Node: faults.Holder, For: 2 * ttl,
				}}
				return c
			},
		},
		{
			Name:    "client-clock-jump",
			Summary: "careful clients work until just before their validity ends; the holder's wall clock steps back by the TTL right after its acquire returns",
			// The literature (antirez's reply to Kleppmann) expects a wall
			// step to leave redlock alone: its validity is an elapsed time,
			// measured on a monotonic clock, as Go's time.Now carries one.
			// locksim's clients and locks read Runtime.Now, the node's wall
			// clock with no monotonic reading, so the step moves the
			// validity the careful client compares with: it is the program
			// that keeps time on a wall clock that locksim measures.
			Expect: diverge(redisLocks("", Unsafe, Unsafe, Safe, map[string]string{
				"lua":     "the careful holder compares its wall clock, now a TTL behind, with a validity taken before the step, and works on for a TTL past its lease",
				"redlock": "as lua: the validity is a reading of the client's wall clock, which stepped back by the TTL, so the careful holder works past its lease (a monotonic reading would not have moved)",
				"fenced":  "the stale holder's write carries a token the storage has already seen superseded",
			}), "redlock", Safe),
			config: func(lock string) Config {
				c := base(lock)
				c.Careful, c.WorkToValidity, c.Margin = true, true, Duration(5*time.Millisecond)
				c.Faults.Faults = []faults.Fault{{Kind: faults.ClockStep, When: &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseOK, Client: 1, After: time.Millisecond}, Node: faults.Holder, Step: -ttl}}
				return c
			},
		},
		{
			Name:    "client-clock-jump-forward",
			Summary: "the holder's wall clock steps forward by 2x TTL right after its acquire returns (NTP correcting a clock that was behind)",
			Expect: redisLocks("", Safe, Safe, Safe, map[string]string{
				"lua":     "a forward step only shortens the validity the holder believes it has: it stops early, never late",
				"redlock": "as lua",
				"fenced":  "tokens come from INCR on Redis, not from any client's clock",
			}),
			config: func(lock string) Config {
				c := base(lock)
				c.Faults.Faults = []faults.Fault{{Kind: faults.ClockStep, When: &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseOK, Client: 1, After: time.Millisecond}, Node: faults.Holder, Step: 2 * ttl}}
				return c
			},
		},
		{
			Name:    "client-clock-drift",
			Summary: "the clients' clocks run 5% slow, beyond redlock's 1% drift factor; careful clients work until just before their validity ends",
			Expect: redisLocks("", Unsafe, Unsafe, Safe, map[string]string{
				"lua":     "no drift margin: a slow clock makes the careful holder think less time passed than did, so it works past its lease",
				"redlock": "the validity is computed on the client's clock, 5% slow, and the 1% drift factor covers only 1%: the careful holder works past its lease",
				"fenced":  "the late write's token is rejected",
			}),
			config: func(lock string) Config {
				c := base(lock)
				c.Careful, c.WorkToValidity, c.Margin = true, true, Duration(5*time.Millisecond)
				c.Faults.Faults = []faults.Fault{{Kind: faults.ClockDrift, Node: "client-*", Rate: -0.05, For: 30 * time.Second}}
				return c
			},
		},
		{
			Name:    "pause-before-release",
			Summary: "the holder pauses for 2x TTL after its write returns and before its release",
			// The scenario exists to catch the locks that get this wrong: a
			// plain DEL release (it deletes the next holder's key) or an
			// owner value shared between clients (the check passes for the
			// wrong client). Every built-in lock releases by owner value.
			Expect: redisLocks(Safe, Safe, Safe, Safe, map[string]string{
				"setnx":   "no TTL: the key waits for its paused holder, whose release then deletes its own key",
				"lua":     "the key expires during the pause and the next holder takes it; the late release compares the owner value and deletes nothing",
				"redlock": "as lua, on every node: the late release is owner-checked",
				"fenced":  "as lua: the late release is owner-checked",
			}),
			config: func(lock string) Config {
				c := base(lock)
				c.Faults.Faults = []faults.Fault{{Kind: faults.Pause, When: &faults.Trigger{Op: faults.OpWrite, Phase: faults.PhaseOK, Client: 1}, Node: faults.Holder, For: 2 * ttl}}
				return c
			},
		},
		{
			Name:    "extend-gc-pause",
			Summary: "clients work 2x TTL, extending their lease every TTL/2 as go-redsync users do; the holder pauses for 2x TTL after its last extend, before its write",
			Expect: redisLocks("", Unsafe, Unsafe, Safe, map[string]string{
				"lua":     "the pause outlasts the extended lease: the key expires, another client acquires, and the holder resumes straight into its write",
				"redlock": "as lua: extending moves the expiry, not the pause; the keys expire on every node during it",
				"fenced":  "the stale holder's write carries a superseded token and is rejected",
			}),
			// The extends come at TTL/2, TTL and 3TTL/2 of work; the pause
			// starts a second after the last of them.
			config: func(lock string) Config { return extendingPause(lock, 3*ttl/2+time.Second) },
		},
		{
			Name:    "pause-before-extend",
			Summary: "clients work 2x TTL, extending every TTL/2; the holder pauses for 2x TTL a second after its first extend and resumes into its next extend",
			Expect: redisLocks("", Safe, Safe, Safe, map[string]string{
				"lua":     "the late extend finds the key expired or another owner's, fails, and the client stops before its write",
				"redlock": "as lua: the extend fails on a majority, and the client stops",
				"fenced":  "as lua; and a stale write would carry a superseded token",
			}),
			// The first extend comes at TTL/2 of work; the pause starts a
			// second after it, and the next extend is due when it ends. A
			// refresh that does not check the owner (a plain SET) takes the
			// key back from whoever acquired meanwhile.
			config: func(lock string) Config { return extendingPause(lock, ttl/2+time.Second) },
		},
		{
			Name:    "pause-inside-extend",
			Summary: "clients work 2x TTL, extending every TTL/2; the holder pauses for 2x TTL inside its 3rd extend, at its 2nd clock reading after the extend is sent (redlock: between the quorum and the validity check)",
			Expect: redisLocks("", Safe, Safe, Safe, map[string]string{
				"lua":     "lua's extend reads the clock once, before its script; the 2nd reading is the next acquire's, and a client paused before it sends holds nothing",
				"redlock": "the extend's round reaches a quorum, then the pause; the validity check after it (go-redsync's now.Before(until)) finds the lease expired, and the client stops",
				"fenced":  "as lua",
			}),
			// The 3rd extend is the last one before the write (at 3TTL/2 of
			// 2TTL of work): an extend that returns ok after the pause sends
			// a client that ignores its validity straight into its write.
			config: func(lock string) Config {
				c := base(lock)
				c.WorkMin, c.WorkMax, c.ExtendEvery = Duration(2*ttl), Duration(2*ttl), Duration(ttl/2)
				c.Faults.Faults = []faults.Fault{{Kind: faults.Pause, When: &faults.Trigger{Op: faults.OpExtend, Phase: faults.PhaseInvoke, Client: 1, Occurrence: 3, Seam: faults.SeamNow, Call: 2}, Node: faults.Holder, For: 2 * ttl}}
				return c
			},
		},
	}, etcdScenarios()...)
}

// extendingPause is the base config of lock with clients that work 2x TTL
// and extend every TTL/2, as go-redsync users do, and a pause of the
// holder for 2x TTL that starts after this much of its work (counted from
// its read's reply).
func extendingPause(lock string, after time.Duration) Config {
	c := base(lock)
	c.WorkMin, c.WorkMax, c.ExtendEvery = Duration(2*ttl), Duration(2*ttl), Duration(ttl/2)
	c.Faults.Faults = []faults.Fault{{Kind: faults.Pause, When: &faults.Trigger{Op: faults.OpRead, Phase: faults.PhaseOK, Client: 1, After: after}, Node: faults.Holder, For: 2 * ttl}}
	return c
}

// diverge records that the literature predicts lit for lock, where locksim
// expects (and measures) otherwise.
func diverge(es []LockExpect, lock string, lit Expect) []LockExpect {
	for i := range es {
		if es[i].Lock == lock {
			es[i].Literature = lit
		}
	}
	return es
}

// quorumLoss is the set-up of the Redis-node scenarios: client-1 acquires
// with a bare majority, then fault f hits the node of that majority that
// client-2 can also reach, shortly after client-1's acquire returns.
// client-1 works long enough that a second holder meets it.
func quorumLoss(lock string, f faults.Fault) Config {
	c := base(lock)
	c.WorkMin, c.WorkMax = Duration(ttl/4), Duration(ttl/2)
	c.Faults.Faults = splitAround(c.Nodes, 20*time.Second)
	f.Node = holderQuorumNode(c.Nodes)
	f.When = &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseOK, Client: 1, After: 10 * time.Millisecond}
	c.Faults.Faults = append(c.Faults.Faults, f)
	return c
}

// drifting makes every Redis node's clocks run fast by rate for the first
// 30s, with careful clients that work until 5ms before their validity ends.
func drifting(lock string, rate float64) Config {
	c := base(lock)
	c.Careful, c.WorkToValidity, c.Margin = true, true, Duration(5*time.Millisecond)
	c.Faults.Faults = []faults.Fault{{Kind: faults.ClockDrift, Node: "redis-*", Rate: rate, For: 30 * time.Second}}
	return c
}
