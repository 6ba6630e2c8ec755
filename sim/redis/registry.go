package redis

import "github.com/locksim/locksim/sim"

// registry is the Redis model's per-World state, kept on the World
// (sim.World.Value) under registryKey: what the World's Options and
// functions of this package set for every Redis node of the World.
type registry struct {
	interpretScripts bool        // WithInterpretedScripts (fastpath.go)
	fastPaths        []*FastPath // RegisterFastPath (fastpath.go)
	fastBodies       []string    // their bodies, as far as known (fastpath_digest.go)
	knownBodies      uint64      // bit i: fastBodies[i] is fast path i's body
	unknownBodies    int         // fast paths made by digest whose body no EVAL showed yet
	lastMiss         string      // the last EVAL body hashed that matched none
	hooks            []func(Command)
}

type registryKey struct{}

// registryOf returns w's registry, made on first use.
func registryOf(w *sim.World) *registry {
	if r, ok := w.Value(registryKey{}).(*registry); ok {
		return r
	}
	r := &registry{}
	w.SetValue(registryKey{}, r)
	return r
}

// The events a Redis node reports (sim.World.OnEvent), besides the
// kernel's.
const (
	// EvExpire: Key expired on Redis node Node (reported at restart if it
	// expired while down); Value is its last value, if a string.
	EvExpire sim.EventKind = "expire"
	// EvKeyLost: Key, alive at the crash, was lost by the restart of Redis
	// node Node; Value is its last value, if a string.
	EvKeyLost sim.EventKind = "key-lost"
	// EvRestored: Redis node Node replayed its write log of N entries at
	// a restart.
	EvRestored sim.EventKind = "redis-restored"
)
