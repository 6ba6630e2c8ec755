package model

import (
	"github.com/anishathalye/porcupine"
)

// resourceModel is the porcupine model of one resource key: each operation
// is a critical section (a *resOp) applied atomically to the state; an
// indeterminate write forks the state into "happened" and "did not".
func resourceModel(init resState) porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{init} },
		Step: func(state, input, _ any) []any {
			return applyResOp(state.(resState), input.(*resOp))
		},
		Equal: func(a, b any) bool { return a.(resState).equal(b.(resState)) },
		Hash:  func(s any) uint64 { return s.(resState).hash() },
		DescribeOperation: func(input, _ any) string {
			return input.(*resOp).String()
		},
		DescribeState: func(s any) string { return s.(resState).String() },
	}
	return nm.ToModel()
}

// applyResOp returns every state the critical section can lead to from st;
// none if its reads are inconsistent with st.
func applyResOp(st resState, op *resOp) []any {
	states := []resState{st}
	for _, s := range op.steps {
		var next []resState
		for _, cur := range states {
			switch {
			case !s.write:
				if n, ok := cur.read(s); ok {
					next = append(next, n)
				}
			case s.maybe:
				next = append(next, cur, cur.write(s))
			default:
				next = append(next, cur.write(s))
			}
		}
		states = next
	}
	out := make([]any, len(states))
	for i, s := range states {
		out[i] = s
	}
	return out
}
