package model

import (
	"fmt"
	"hash/fnv"

	"github.com/anishathalye/porcupine"
)

// lockKind is what a lock-level operation does.
type lockKind int

const (
	lockAcquire lockKind = iota
	lockRelease
	lockExtend
	lockExpire
)

// lockOp is one operation of the lease-mutex model: a client's acquire,
// release or extend, or a recorded expiry of the lock's value on a node.
type lockOp struct {
	kind   lockKind
	key    string
	owner  string // the lock value identifying the holder
	client int
	maybe  bool // indeterminate: it may or may not have happened
	desc   string
}

func (o *lockOp) String() string { return o.desc }

// free is the state of an unheld lock.
const free = ""

// leaseMutexModel is a mutex that knows its owner and whose lease may end
// at a recorded expiry of the owner's value. State: the owner, or free.
//
//   - acquire: only when free; then held by the owner.
//   - release, extend: only by the current owner (release frees it).
//   - expire of the owner's value: may free it (a node's expiry need not
//     end a quorum lock); an expiry of another value changes nothing.
//   - an indeterminate operation may also not have happened.
func leaseMutexModel() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{free} },
		Step: func(state, input, _ any) []any {
			return stepLease(state.(string), input.(*lockOp))
		},
		Hash: func(s any) uint64 {
			h := fnv.New64a()
			h.Write([]byte(s.(string)))
			return h.Sum64()
		},
		DescribeOperation: func(input, _ any) string { return input.(*lockOp).desc },
		DescribeState: func(s any) string {
			if s.(string) == free {
				return "free"
			}
			return fmt.Sprintf("held by %s", s)
		},
	}
	return nm.ToModel()
}

func stepLease(st string, op *lockOp) []any {
	var next []any
	switch op.kind {
	case lockAcquire:
		if st == free {
			next = append(next, op.owner)
		}
	case lockRelease:
		if st == op.owner {
			next = append(next, free)
		}
	case lockExtend:
		if st == op.owner {
			next = append(next, st)
		}
	case lockExpire:
		if st == op.owner {
			return []any{free, st}
		}
		return []any{st}
	}
	if op.maybe {
		next = append(next, st)
	}
	return next
}
