package locks

import (
	"context"
	"fmt"
)

// Process is the state the in-process mutex lock shares between the clients
// of one process: one Runtime Mutex per key. Every MutexLock made with the
// same *Process and key excludes the others; locks of different Processes
// never do (that is the point of the baseline: it is not distributed).
//
// A Process is safe for concurrent use.
type Process struct {
	rt    Runtime
	guard Mutex // guards keys and every state's holder
	keys  map[string]*mutexState
}

type mutexState struct {
	m      Mutex
	holder string // the Value of the lease holding m, "" when free
}

// NewProcess returns the shared state of one process's mutex locks. rt makes
// its Mutexes (one guard now, one per key on first use); under the
// simulator it is a runtime of the process's node. NewProcess itself calls
// only rt.NewMutex.
func NewProcess(rt Runtime) *Process {
	return &Process{rt: rt, guard: rt.NewMutex(), keys: map[string]*mutexState{}}
}

// state returns the state of key, made on first use (with p's Runtime, in
// the calling task, under the guard taken with ctx's values but not its
// cancellation). Lookups only: the map is never ranged over.
func (p *Process) state(ctx context.Context, key string) (*mutexState, error) {
	if err := p.guard.Lock(context.WithoutCancel(ctx)); err != nil {
		return nil, err
	}
	defer p.guard.Unlock()
	st := p.keys[key]
	if st == nil {
		st = &mutexState{m: p.rt.NewMutex()}
		p.keys[key] = st
	}
	return st, nil
}

// MutexOptions configure a MutexLock.
type MutexOptions struct {
	// Key names the lock within its Process. Required.
	Key string
}

// MutexLock is the baseline: a mutual-exclusion lock inside one process
// (the article's "Mutex (In-Memory)"), a Runtime Mutex shared through a
// Process. It needs no Redis, has no expiry and no token; it is correct
// within one process and means nothing across two.
//
// A MutexLock is safe for concurrent use.
type MutexLock struct {
	rt  Runtime
	key string
	p   *Process
}

var _ Locker = (*MutexLock)(nil)

// NewMutexLock returns a MutexLock on p's lock named opts.Key, or an error
// wrapping ErrInvalidOptions.
func NewMutexLock(rt Runtime, p *Process, opts MutexOptions) (*MutexLock, error) {
	if rt == nil {
		return nil, invalid("mutex", "Runtime", "is nil")
	}
	if p == nil {
		return nil, invalid("mutex", "Process", "is nil, want the process's shared state (NewProcess)")
	}
	if opts.Key == "" {
		return nil, invalid("mutex", "Key", "is empty")
	}
	return &MutexLock{rt: rt, key: opts.Key, p: p}, nil
}

// Lock blocks until the lock is held or ctx is done; in the latter case it
// returns an error wrapping ErrNotAcquired and ctx.Err(). The lease's Value
// is a fresh random value identifying this holding.
func (l *MutexLock) Lock(ctx context.Context) (Lease, error) {
	st, err := l.p.state(ctx, l.key)
	if err != nil {
		return Lease{}, fmt.Errorf("mutex %q: %w", l.key, notAcquired(err, "finding the mutex"))
	}
	if err := st.m.Lock(ctx); err != nil {
		return Lease{}, fmt.Errorf("mutex %q: %w", l.key, notAcquired(err, "waiting for the mutex"))
	}
	value := newValue(l.rt.Rand())
	if err := l.p.guard.Lock(context.WithoutCancel(ctx)); err != nil {
		st.m.Unlock()
		return Lease{}, fmt.Errorf("mutex %q: %w", l.key, notAcquired(err, "recording the holder"))
	}
	st.holder = value
	l.p.guard.Unlock()
	return Lease{Key: l.key, Value: value}, nil
}

// Unlock releases the lock if lease is the current holding, and returns an
// error wrapping ErrNotOwner otherwise (the mutex stays as it is).
func (l *MutexLock) Unlock(ctx context.Context, lease Lease) error {
	if err := checkKey(lease, l.key); err != nil {
		return err
	}
	st, err := l.p.state(ctx, l.key)
	if err != nil {
		return fmt.Errorf("mutex %q: unlock: %w", l.key, err)
	}
	if err := l.p.guard.Lock(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("mutex %q: unlock: %w", l.key, err)
	}
	if lease.Value == "" || st.holder != lease.Value {
		l.p.guard.Unlock()
		return fmt.Errorf("mutex %q: unlock: %w", l.key, ErrNotOwner)
	}
	st.holder = ""
	l.p.guard.Unlock()
	st.m.Unlock()
	return nil
}
