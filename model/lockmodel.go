package model

import (
	"fmt"
	"hash/fnv"
	"strconv"

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
	kind lockKind
	key  string
	// cs identifies the acquisition: the acquire's OpID (an acquire), the
	// acquire a release or extend names (0: it names none).
	cs int
	// value is the lock value: what an expiry matches, and what a release
	// or extend naming no acquisition is matched by, with its client.
	value  string
	client int
	maybe  bool // indeterminate: it may or may not have happened
	desc   string
}

func (o *lockOp) String() string { return o.desc }

// holder is the state of the lease mutex: which acquisition holds it (the
// acquire's OpID and client) and the value it holds it with. Holders are
// told apart by acquisition, not by value, so that clients sharing one
// value (a real bug class) are still different holders.
type holder struct {
	cs     int
	client int
	value  string
}

// free is the state of an unheld lock.
var free = holder{}

// leaseMutexModel is a mutex that knows its holder and whose lease may end
// at a recorded expiry of the holder's value. State: the holder, or free.
//
//   - acquire: only when free; then held by that acquisition.
//   - release, extend: only by the current holder (release frees it): the
//     acquisition it names, or, naming none, the same client with the
//     same value.
//   - expire of the holder's value: may free it (a node's expiry need not
//     end a quorum lock); an expiry of another value changes nothing.
//   - an indeterminate operation may also not have happened.
func leaseMutexModel() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{free} },
		Step: func(state, input, _ any) []any {
			return stepLease(state.(holder), input.(*lockOp))
		},
		Hash: func(s any) uint64 {
			st := s.(holder)
			h := fnv.New64a()
			h.Write([]byte(strconv.Itoa(st.cs) + "/" + strconv.Itoa(st.client) + "/" + st.value))
			return h.Sum64()
		},
		DescribeOperation: func(input, _ any) string { return input.(*lockOp).desc },
		DescribeState: func(s any) string {
			st := s.(holder)
			if st == free {
				return "free"
			}
			return fmt.Sprintf("held by client %d (acquire %d, value %s)", st.client, st.cs, st.value)
		},
	}
	return nm.ToModel()
}

// holds reports whether op (a release or extend) is by holder st.
func (o *lockOp) holds(st holder) bool {
	if st == free {
		return false
	}
	if o.cs != 0 {
		return o.cs == st.cs
	}
	return o.client == st.client && o.value != "" && o.value == st.value
}

func stepLease(st holder, op *lockOp) []any {
	var next []any
	switch op.kind {
	case lockAcquire:
		if st == free {
			next = append(next, holder{cs: op.cs, client: op.client, value: op.value})
		}
	case lockRelease:
		if op.holds(st) {
			next = append(next, free)
		}
	case lockExtend:
		if op.holds(st) {
			next = append(next, st)
		}
	case lockExpire:
		if st != free && st.value == op.value {
			return []any{free, st}
		}
		return []any{st}
	}
	if op.maybe {
		next = append(next, st)
	}
	return next
}
