package locks

// This file holds the production Runtime. It is the one file of the package
// exempt from the seam rules (see TestSeamRules): it is where wall-clock time,
// goroutines, channels, sync and global randomness are allowed, because it is
// the thing the simulator replaces.

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Real returns the production Runtime: the process's wall clock (with its
// monotonic reading, so Sub and Before of two readings measure elapsed
// time), time.Timer-based sleeps, context.WithTimeout, goroutines joined by a
// sync.WaitGroup, a channel-based Mutex, and a fresh random source per Rand
// call. The zero value of RealRuntime is ready to use; Real is a convenience.
func Real() RealRuntime { return RealRuntime{} }

// RealRuntime is the production Runtime. It has no state and is safe for
// concurrent use.
type RealRuntime struct{}

var _ Runtime = RealRuntime{}

// Now returns time.Now().
func (RealRuntime) Now() time.Time { return time.Now() }

// Sleep waits d or until ctx is done, whichever comes first. It returns
// ctx.Err() if ctx is done (already, or before d elapsed), nil otherwise. A
// non-positive d returns at once.
func (RealRuntime) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WithTimeout is context.WithTimeout.
func (RealRuntime) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// Group returns a fan-out over goroutines joined by a sync.WaitGroup.
func (RealRuntime) Group() Group { return &realGroup{} }

// NewMutex returns a mutex built on a one-slot channel, so that Lock can give
// up when its context is done.
func (RealRuntime) NewMutex() Mutex { return &realMutex{ch: make(chan struct{}, 1)} }

// Rand returns a new PCG source seeded from the global math/rand/v2 source
// (itself seeded by the runtime from the operating system). Every call
// returns a distinct source, so a source is never shared between goroutines
// unless the caller shares it.
func (RealRuntime) Rand() *rand.Rand {
	return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

type realGroup struct{ wg sync.WaitGroup }

func (g *realGroup) Go(f func()) { g.wg.Go(f) }
func (g *realGroup) Wait()       { g.wg.Wait() }

type realMutex struct{ ch chan struct{} }

// Lock takes the mutex unless ctx is done first. A context that is already
// done wins even when the mutex is free.
func (m *realMutex) Lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case m.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Unlock releases the mutex. It panics if the mutex is not held, like
// sync.Mutex.
func (m *realMutex) Unlock() {
	select {
	case <-m.ch:
	default:
		panic("locks: unlock of unlocked mutex")
	}
}
