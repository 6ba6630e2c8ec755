package scenario

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
		"redsync": {Expect: Safe, Why: "differs from redlock: redsync's 400ms round timeout is a context deadline, which go-redis does not apply to the socket by default, so each round waits go-redis's 3s read timeout for the partitioned nodes; every validity shrinks by 3s and the second majority forms only after the holder's critical section has ended"},
	},
	"clock-drift-small": {
		"redislock": {Expect: Safe, Why: "differs from lua: the 0.5% fast Redis clock expires the key about 40ms early and the careful holder does overrun it (its release finds the lock gone), but the row's exponential backoff, grown to its TTL/8 cap while the lock was held, leaves no contender retrying inside that window"},
	},
}

// libraryExpected is the expectation of external lock lock (whose Like is
// like) in n.
func (n Named) libraryExpected(lock, like string) (LockExpect, bool) {
	if e, ok := libraryExpect[n.Name][lock]; ok {
		e.Lock = lock
		return e, true
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
