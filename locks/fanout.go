package locks

import (
	"context"
	"errors"
	"fmt"
)

// fanout runs one function on every node of a Redlock in parallel, one
// Group task per node. Its task functions are made once and reused from
// round to round: a round of redlock is two or three commands per node,
// and making a closure per node and round cost as much as a command
// round-trip in the simulator.
type fanout struct {
	conns []Conn
	tasks []func() // tasks[i] runs f on conns[i] into res[i]
	res   []nodeResult
	ctx   context.Context
	f     func(ctx context.Context, c Conn) (bool, error)
}

// nodeResult is what f returned for one node.
type nodeResult struct {
	ok  bool
	err error
}

// newFanout returns a fanout for n nodes; set its conns before each run.
func newFanout(n int) *fanout {
	fo := &fanout{tasks: make([]func(), n), res: make([]nodeResult, n)}
	for i := range n {
		fo.tasks[i] = func() { fo.res[i].ok, fo.res[i].err = fo.f(fo.ctx, fo.conns[i]) }
	}
	return fo
}

// run runs f(ctx, c) for every node's c in parallel and returns how many
// returned true and the errors of those that did not, joined in node
// order. It must not be called again before it returns.
func (fo *fanout) run(rt Runtime, ctx context.Context, f func(ctx context.Context, c Conn) (bool, error)) (int, error) {
	fo.ctx, fo.f = ctx, f
	g := rt.Group()
	for _, t := range fo.tasks {
		g.Go(t)
	}
	g.Wait()
	n := 0
	var failed []error
	for i, r := range fo.res {
		if r.ok {
			n++
		} else if r.err != nil {
			failed = append(failed, fmt.Errorf("node %d: %w", i, r.err))
		}
	}
	fo.ctx, fo.f = nil, nil
	clear(fo.res)
	return n, errors.Join(failed...)
}
