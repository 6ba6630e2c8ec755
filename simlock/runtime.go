package simlock

import (
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
	"github.com/locksim/locksim/sim/redis"
)

// Runtime returns rt as a locks.Runtime. The adapter is a value holding
// only the pointer: converting it to the interface does not allocate, and
// every method but Group and NewMutex is rt's own.
func Runtime(rt *sim.Runtime) locks.Runtime { return runtime{rt} }

// runtime is a *sim.Runtime whose Group and NewMutex return the locks
// package's interfaces instead of sim's concrete types.
type runtime struct{ *sim.Runtime }

// Group returns a fan-out whose functions run as tasks of the node.
func (rt runtime) Group() locks.Group { return rt.Runtime.Group() }

// NewMutex returns a mutex whose waits the scheduler sees.
func (rt runtime) NewMutex() locks.Mutex { return rt.Runtime.NewMutex() }

// A simulated connection is a Conn as it is; so are sim's Group and Mutex.
var (
	_ locks.Runtime    = runtime{}
	_ locks.Conn       = (*redis.Conn)(nil)
	_ locks.StringConn = (*redis.Conn)(nil)
	_ locks.Group      = (*sim.Group)(nil)
	_ locks.Mutex      = (*sim.Mutex)(nil)
)
