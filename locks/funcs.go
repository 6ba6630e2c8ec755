package locks

import "context"

// Funcs is a Locker made of two functions: the shortest way to hand a lock
// you already have (a library's client, a closure over it) to code that
// takes a Locker, such as locksim's scenarios. Both must be set.
type Funcs struct {
	LockFunc   func(ctx context.Context) (Lease, error)
	UnlockFunc func(ctx context.Context, lease Lease) error
}

var _ Locker = Funcs{}

// Lock calls f.LockFunc.
func (f Funcs) Lock(ctx context.Context) (Lease, error) { return f.LockFunc(ctx) }

// Unlock calls f.UnlockFunc.
func (f Funcs) Unlock(ctx context.Context, lease Lease) error { return f.UnlockFunc(ctx, lease) }
