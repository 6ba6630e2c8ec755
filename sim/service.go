package sim

import "context"

// Handler serves one request sent to a service node. It runs on the
// scheduler, atomically, when the request arrives; its result travels back
// to the caller as the reply. A result of type error is returned to the
// caller as Call's error.
type Handler func(from *Node, req any) any

// AddService adds a node that serves requests with h.
func (w *World) AddService(name string, h Handler) *Node {
	n := w.AddNode(name)
	n.handler = h
	return n
}

// SetHandler makes n serve requests with h (nil: requests are dropped).
func (n *Node) SetHandler(h Handler) { n.handler = h }

// Call sends req to the service node to and waits for the reply, or until
// ctx is done. Request and reply travel separately over the network: either
// may be lost or delayed, so after a ctx error the request may or may not
// have been served.
func (rt *Runtime) Call(ctx context.Context, to *Node, req any) (any, error) {
	return rt.w.call(rt.w.enter(), ctx, to, req)
}

// rpc is one Call: its request, then its reply, travel as messages.
type rpc struct {
	w       *World
	t       *task
	gen     uint64
	from    *Node
	to      *Node
	req     any
	reply   any
	replied bool
	msg     message // the request, then the reply
}

func (r *rpc) receive() {
	if !r.replied {
		h := r.to.handler
		if h == nil {
			return
		}
		r.reply = h(r.from, r.req)
		r.replied = true
		r.w.sendMsg(r.to, r.from, r, &r.msg)
		return
	}
	r.w.wake(r.t, r.gen, wakeReply)
}

func (w *World) call(t *task, ctx context.Context, to *Node, req any) (any, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &rpc{w: w, t: t, gen: t.prepare(), from: t.node, to: to, req: req}
	w.sendMsg(t.node, to, r, &r.msg)
	if t.wait(ctx) != wakeReply {
		// the bare context error, as a client library returns it
		return nil, ctx.Err()
	}
	if err, ok := r.reply.(error); ok {
		return nil, err
	}
	return r.reply, nil
}
