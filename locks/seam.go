package locks

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/redis/go-redis/v9"
)

// Runtime is everything lock code may touch besides Redis: time,
// concurrency and randomness. Lock code that reaches these only through a
// Runtime runs unchanged in production (see Real) and under the simulator,
// whose Runtime is virtual and deterministic.
//
// The rules of the seam, enforced over the source of this package by
// TestSeamRules: no go statements, select, channel operations, blocking sync
// primitives, time.Now/Sleep/After/NewTimer/Tick, context.WithTimeout or
// WithDeadline, global math/rand or crypto/rand, and no range over a map,
// outside the one file that holds the production runtime.
type Runtime interface {
	// Now is the local wall clock of the node the caller runs on. It may
	// drift and jump; compare it only with other readings of the same clock.
	Now() time.Time
	// Sleep waits d in local monotonic time, or until ctx is done, in which
	// case it returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
	// WithTimeout is context.WithTimeout with the deadline measured on the
	// local monotonic clock.
	WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc)
	// Group starts a fan-out: functions run concurrently with Go, and Wait
	// returns once all of them have returned.
	Group() Group
	// NewMutex returns an in-process mutual-exclusion primitive.
	NewMutex() Mutex
	// Rand returns a random source owned by the calling task. It must not be
	// shared between the functions of a Group.
	Rand() *rand.Rand
}

// Group is a fan-out whose waits the runtime can see.
type Group interface {
	// Go runs f concurrently with the caller and with other functions of the
	// group.
	Go(f func())
	// Wait returns once every function started with Go has returned.
	Wait()
}

// Mutex is an in-process lock whose waits the runtime can see.
type Mutex interface {
	// Lock blocks until the mutex is held by the caller or ctx is done; in
	// the latter case it returns ctx.Err() and the mutex is not held.
	Lock(ctx context.Context) error
	// Unlock releases a held mutex.
	Unlock()
}

// Conn sends one Redis command and returns its reply shaped as go-redis
// shapes it: a status or bulk string as string, an integer as int64, an
// array as []any, and a nil reply as the error ErrNil. A Redis error reply is
// returned as an error whose text is the reply's.
//
// A Conn may time out on a command the server executed: after an error other
// than ErrNil or a Redis error reply, the caller cannot know whether the
// command took effect.
type Conn interface {
	Do(ctx context.Context, args ...any) (any, error)
}

// StringConn is an optional fast form of Conn for commands whose arguments
// are all strings, as every command of this package is: the locks call
// DoStrings instead of Do when their Conn implements it, which spares boxing
// each argument. DoStrings(ctx, args...) must behave exactly as Do with the
// same arguments as []any, replies and errors included. The locks pass a
// slice they do not touch afterwards, so an implementation may keep it.
type StringConn interface {
	DoStrings(ctx context.Context, args ...string) (any, error)
}

// do sends one command of string arguments on c, through DoStrings when c
// implements StringConn. args must be a slice nobody modifies afterwards.
func do(ctx context.Context, c Conn, args ...string) (any, error) {
	if sc, ok := c.(StringConn); ok {
		return sc.DoStrings(ctx, args...)
	}
	boxed := make([]any, len(args))
	for i, a := range args {
		boxed[i] = a
	}
	return c.Do(ctx, boxed...)
}

// ErrNil is the nil reply of Redis, as a Conn returns it. It is go-redis's
// redis.Nil, so errors.Is works on replies of either world.
var ErrNil = redis.Nil

// IsNil reports whether err is a nil reply.
func IsNil(err error) bool { return err == errNil || errors.Is(err, errNil) }

// errNil is ErrNil as an error, converted once: converting it at every
// IsNil would allocate.
var errNil error = ErrNil
