package scenario

import "strings"

// Expectations of the external locks (published libraries run unmodified,
// see ExternalLock). A library is expected to behave as the built-in lock
// of the same algorithm (its Like): redsync as redlock, redislock as lua,
// and the matrix says so. Where a library's code differs from locksim's
// version in a way a scenario exposes, the table below says what is
// expected instead and why, and the matrix shows that reason.
var libraryExpect = map[string]map[string]LockExpect{
	"slow-reply": {
		"redislock": {Expect: Safe, Why: "differs from lua: go-redis's default 3s read timeout (it applies no context deadline to the socket unless ContextTimeoutEnabled) fails Obtain long before the late reply arrives, so the client never believes in the lease; the key expires unowned"},
	},
	"pause-during-acquire": {
		"redislock": {Expect: Safe, Why: "differs from lua: go-redis's default 3s read timeout expires during the pause, so Obtain fails with an i/o timeout and the reply that granted the key is discarded; no client believes in the expired lease"},
	},
	"redis-restart-no-fsync": {
		"redsync": {Expect: Unsafe, Why: "as redlock: the restarted node has lost the key and a second majority forms; redsync's rounds also wait go-redis's 3s read timeout for the partitioned nodes (its 400ms round timeout is a context deadline, which go-redis does not put on the socket by default), so every validity shrinks by about 3s"},
	},
	"redis-restart-fsync": {
		"redsync": {Expect: Unsafe, Why: slowRoundsOverrun},
	},
	"redis-restart-everysec": {
		"redsync": {Expect: Unsafe, Why: slowRoundsOverrun},
	},
	"clock-drift-small": {
		"redislock": {Expect: Unsafe, Why: "as lua, but seed by seed: the 0.5% fast Redis clock expires the key about 40ms early and the careful holder overruns it (its release finds the lock gone), but a contender acquires inside that window only when its retry falls there, on redislock's own backoff, not locksim's lua delays (2 of seeds 1..5 with the exponential backoff, 4 of 5 with NoRetry, so the cell measures mixed)"},
	},
}

// slowRoundsOverrun is why redsync breaks where locksim's redlock does not
// although the restarted node keeps the key.
const slowRoundsOverrun = "differs from redlock, seed by seed: the key survives the restart, but redsync's acquire waits go-redis's 3s read timeout for the holder's partitioned nodes (its 400ms round timeout is a context deadline, which go-redis does not put on the socket by default), so it returns about 5s after it set the keys with under 3s of validity left; the workload's clients do not respect the validity and the holder works past it while the next client acquires (3 of seeds 1..5; with --careful 0 of 5, so the cell measures mixed)"

// libraryExpected is the expectation of external lock lock (whose Like is
// like) in n: the table's entry for lock, else for its library (the name
// before the first '-': a row variant such as redsync-setnx-extend shares
// redsync's), else like's.
func (n Named) libraryExpected(lock, like string) (LockExpect, bool) {
	library, _, _ := strings.Cut(lock, "-")
	for _, name := range []string{lock, library} {
		if e, ok := libraryExpect[n.Name][name]; ok {
			e.Lock = lock
			return e, true
		}
	}
	for _, e := range n.Expect {
		if e.Lock == like {
			e.Lock = lock
			e.Why = "as " + like + ": " + e.Why
			return e, true
		}
	}
	return LockExpect{}, false
}
