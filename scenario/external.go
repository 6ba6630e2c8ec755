package scenario

import (
	"fmt"
	"github.com/locksim/locksim/sim/redis"
	"slices"
	"sync"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// A Backend runs a World in an environment of its own (DESIGN.md,
// "Backends"): backend/unmodified runs it inside a testing/synctest bubble
// beside the goroutines of published libraries. The scenario layer stays
// the same for every backend; it never imports one: the caller chooses it
// (Options.Backend, Spec.Backend) or a lock registered with RegisterLock
// brings it.
type Backend interface {
	// Refuse returns an error naming the first thing of cfg the backend
	// cannot do (a fault kind, a target), in one sentence; nil if it can
	// run cfg. A backend never ignores what it cannot do.
	Refuse(cfg Config) error
	// Execute calls run exactly once, inside the backend's environment,
	// with the World options the backend needs (its idle hook), and
	// returns when run has returned and everything the backend started
	// for it has ended.
	Execute(run func(opts ...sim.Option)) error
}

// A RedisBackend runs the Redis nodes itself (backend/live: real
// redis-server processes). The built-in locks reach its servers through
// the Conns it returns instead of the World's simulated nodes; those stay
// in the World, unused by the locks, to carry the faults the injector
// applies (crashed, paused, clocks, links), which the backend mirrors onto
// its servers.
type RedisBackend interface {
	Backend
	// RedisConn returns the Conn through which the lock of client task rt,
	// on node from, reaches Redis node rn.
	RedisConn(rt *sim.Runtime, from *sim.Node, rn *redis.Node) locks.Conn
}

// An ExternalLock is a lock under test that locksim does not build on its
// seam: a published library run unmodified by a Backend. It appears beside
// the built-in locks (LockNames) in configs, named scenarios, the matrix,
// replay and shrink.
type ExternalLock struct {
	// Name is the lock's name in configs (e.g. "redsync").
	Name string
	// Like is the built-in lock whose topology and options it takes:
	// "redlock" (Config.Nodes nodes) or "lua" (one node).
	Like string
	// Version says which published code runs, e.g. "go-redsync/redsync/v4
	// v4.18.1"; the matrix shows it.
	Version string
	// New builds one client's lock; env is as for Options.NewLock.
	New func(env locks.Env, cfg Config) (locks.Locker, error)
	// Backend runs the lock's runs.
	Backend Backend
}

var (
	externalMu sync.Mutex
	externals  []ExternalLock
)

// RegisterLock adds an external lock, or replaces the one of the same
// name. A backend's package calls it (cmd/simrun imports the backend); the
// name must not be a built-in lock's.
func RegisterLock(l ExternalLock) {
	if slices.Contains(locks.Names(), l.Name) {
		panic(fmt.Sprintf("scenario: RegisterLock: %q is a built-in lock", l.Name))
	}
	if l.Like != "redlock" && l.Like != "lua" {
		panic(fmt.Sprintf("scenario: RegisterLock %s: like %q, want redlock or lua", l.Name, l.Like))
	}
	externalMu.Lock()
	defer externalMu.Unlock()
	for i, e := range externals {
		if e.Name == l.Name {
			externals[i] = l
			return
		}
	}
	externals = append(externals, l)
	slices.SortFunc(externals, func(a, b ExternalLock) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
}

// External returns the registered external lock called name.
func External(name string) (ExternalLock, bool) {
	externalMu.Lock()
	defer externalMu.Unlock()
	for _, e := range externals {
		if e.Name == name {
			return e, true
		}
	}
	return ExternalLock{}, false
}

// LockNames lists the locks a config may name: the built-in ones
// (locks.Names), then the registered external ones, each in name order.
func LockNames() []string {
	out := locks.Names()
	externalMu.Lock()
	defer externalMu.Unlock()
	for _, e := range externals {
		out = append(out, e.Name)
	}
	return out
}

// like is the built-in lock whose topology and options lock takes: itself
// for a built-in lock.
func like(lock string) string {
	if e, ok := External(lock); ok {
		return e.Like
	}
	return lock
}
