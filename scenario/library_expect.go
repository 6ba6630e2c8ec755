package scenario

// Expectations of the external locks (published libraries run unmodified,
// see ExternalLock). A library is expected to behave as the built-in lock
// of the same algorithm (its Like): redsync as redlock, redislock as lua,
// and the matrix says so. Where a library's code differs from locksim's
// version in a way a scenario exposes, the table below says what is
// expected instead and why, and the matrix shows that reason.
var libraryExpect = map[string]map[string]LockExpect{}

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
