package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
	"time"
)

// The server-model API: how a package outside the kernel (a protocol model
// in a package of its own) runs a server on a node. The kernel knows no protocol.
// It carries opaque request bodies from a client to a server node and
// replies back over the simulated network, tells the server what happens
// to its node (crash, restart, pause, clock steps), and gives it timers on
// the node's monotonic clock, messages to other server nodes, the node's
// random stream, a place on the World for per-World state, and the trace.
//
// Everything a Server does runs on the scheduler, between tasks, atomically:
// a request is served when it arrives, a timer fires at its instant, and
// nothing else in the World moves meanwhile. A Server must be deterministic:
// no goroutine, real clock, select, global randomness or map iteration that
// reaches a decision or the trace.

// Server is a server model running on a node (AddServer). The kernel calls
// its methods on the scheduler, never concurrently, and only while the
// node is up (not crashed), except Restarted, which is the node coming
// back up. Embed NopServer for the lifecycle methods a model does not need.
type Server interface {
	// Serve is called when request r arrives at the node, up and not
	// paused (requests reaching a paused node are queued and served, in
	// order of arrival, when it resumes). The server replies with
	// r.Reply, now or later (a deferred reply: a watch, a write waiting
	// for replication), or never (the client waits until its context is
	// done). It may keep r until it replies, not after.
	Serve(r *Request)
	// Message is called when a message another node sent with Node.Send
	// arrives (up and not paused, queued like requests otherwise).
	Message(from *Node, body any)
	// Crashed is called when the node crashes (Crash; CrashHost with host
	// true), after its tasks were killed and its pending timers (Timer)
	// cancelled, before EvCrash is reported. The server must forget its
	// process state: requests it still holds are void (their Reply does
	// nothing), and it is called again only at Restarted.
	Crashed(host bool)
	// Restarted is called when the node restarts, after EvRestart is
	// reported and before the node's OnStart programs run again: the
	// server rebuilds its state from whatever it persisted.
	Restarted()
	// Paused is called when the node is paused, after EvPause. A paused
	// node serves nothing (requests and messages are queued) and what it
	// sends (replies, messages) is held until Resumed; its timers still
	// fire, as its clocks run on: a model whose timers must not act while
	// paused checks Node.Paused or holds the work until Resumed.
	Paused()
	// Resumed is called when the pause ends, after EvResume and after the
	// replies and messages held were sent, before the queued requests
	// and messages are served.
	Resumed()
	// WallStepping is called just before the node's wall clock steps by
	// d (Node.StepWall), WallStepped just after (and after EvStep is
	// reported): a server whose state follows the wall clock (absolute
	// deadlines) brings it up to the old reading, then to the new one.
	WallStepping(d time.Duration)
	WallStepped(d time.Duration)
}

// NopServer implements every method of Server but Serve as doing nothing:
// embed it in a model that needs only some of them.
type NopServer struct{}

// Message does nothing.
func (NopServer) Message(*Node, any) {}

// Crashed does nothing.
func (NopServer) Crashed(bool) {}

// Restarted does nothing.
func (NopServer) Restarted() {}

// Paused does nothing.
func (NopServer) Paused() {}

// Resumed does nothing.
func (NopServer) Resumed() {}

// WallStepping does nothing.
func (NopServer) WallStepping(time.Duration) {}

// WallStepped does nothing.
func (NopServer) WallStepped(time.Duration) {}

// AddServer adds a node, up and running, on which s serves the requests
// and messages sent to it. The node is also an ordinary node: it may run
// tasks, and every fault applies to it.
func (w *World) AddServer(name string, s Server) *Node {
	if s == nil {
		panic("sim: AddServer " + name + " with a nil Server")
	}
	n := w.AddNode(name)
	n.server = s
	return n
}

// Server returns the Server of a node added with AddServer, nil for other
// nodes.
func (n *Node) Server() Server { return n.server }

// ErrConnRefused is the error of a request that reached its server node
// crashed, or restarted since it was sent (its connection died with the
// old process), as net reports a refused connection:
// errors.Is(err, syscall.ECONNREFUSED) holds. The request was not served.
var ErrConnRefused error = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}

// Conn is a client connection from a node to a server node: requests and
// their replies travel over the simulated network (latency, loss,
// partitions, FIFO per direction of a link), and the server node's process
// refuses them while it is down.
type Conn struct {
	w        *World
	from, to *Node
	spare    *Request // a finished request, for the next Call
	state    any      // the server's per-connection state (SetServerState)
	stateInc uint64   // the server incarnation it belongs to
}

// Connect returns a connection from node from to node to, whose Server
// serves its requests. It costs nothing on the network: there is no
// handshake to lose.
func (w *World) Connect(from, to *Node) *Conn {
	return &Conn{w: w, from: from, to: to}
}

// From returns the node the connection comes from.
func (c *Conn) From() *Node { return c.from }

// To returns the server node the connection goes to.
func (c *Conn) To() *Node { return c.to }

// ServerState returns what the server stored on the connection with
// SetServerState during the current incarnation of its node, nil if
// nothing or if the node crashed since (per-connection state, such as a
// selected database or a transaction, dies with the server process).
func (c *Conn) ServerState() any {
	if c.state != nil && c.stateInc == c.to.incarnation {
		return c.state
	}
	return nil
}

// SetServerState stores v as the server's state of the connection, until
// the server node crashes.
func (c *Conn) SetServerState(v any) {
	c.state, c.stateInc = v, c.to.incarnation
}

// Call sends a request with body over the connection and blocks the
// calling task until the reply arrives, or until ctx is done. It returns
// the value and error the server replied with (Request.Reply), or
// ErrConnRefused if the request reached the server node down, or ctx's
// error, bare, after which the request may or may not have been served
// (request and reply travel separately and either may be lost). It must
// be called by a task of the connection's From node; OnSeamCall sees it as
// SeamDoSent before the request leaves, and SeamDoReplied before the reply
// is returned. body is handed to the server as it is: the caller must not
// modify it afterwards.
func (c *Conn) Call(ctx context.Context, body any) (any, error) {
	w := c.w
	t := w.enter()
	if t.node != c.from {
		panic(fmt.Sprintf("sim: connection of node %s used by task %s of node %s", c.from.name, t.name, t.node.name))
	}
	w.seamAt(t, SeamDoSent)
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := c.spare
	if r != nil {
		c.spare = nil
	} else {
		r = new(Request)
	}
	*r = Request{c: c, t: t, gen: t.prepare(), body: body}
	w.sendMsg(c.from, c.to, r, &r.msg)
	if t.wait(ctx) != wakeReply {
		return nil, ctx.Err() // bare, as client libraries return it; r may still be in flight
	}
	w.seamAt(t, SeamDoReplied)
	// The reply was delivered: nothing refers to r any more (a message
	// travels once, and the server let go of r when it replied), so the
	// connection's next Call may reuse it.
	val, err := r.val, r.err
	*r = Request{}
	c.spare = r
	return val, err
}

// Submit sends a request with body over the connection without a task:
// reply is called with the server's reply when it comes back, on the
// World's goroutine (ErrConnRefused if the server node was down). A lost
// request or reply means reply is never called. Call it from outside the
// tasks (an idle hook's Deliver, external.go): it is how foreign code
// reaches a server node. A crashed From node sends nothing.
func (c *Conn) Submit(body any, reply func(v any, err error)) {
	if c.from.crashed {
		return
	}
	r := &Request{c: c, body: body, done: reply}
	c.w.sendMsg(c.from, c.to, r, &r.msg)
}

// Request is one request on a Conn: it travels to the server node, is
// served there (Server.Serve), and its reply travels back. The server may
// keep it until it replies; the kernel reuses it after the reply reached
// the caller, so it must not be used after Reply.
type Request struct {
	c       *Conn
	t       *task // the task blocked in Call; nil for Submit
	gen     uint64
	body    any
	val     any
	err     error
	inc     uint64           // the server node's incarnation that took it
	replied bool             // the reply is set: the message is the reply now
	done    func(any, error) // Submit's reply callback
	msg     message          // the request, then the reply
}

// Body returns the request's body, as the client passed it to Call or
// Submit.
func (r *Request) Body() any { return r.body }

// Conn returns the connection the request came on.
func (r *Request) Conn() *Conn { return r.c }

// From returns the client node that sent the request.
func (r *Request) From() *Node { return r.c.from }

// Reply sends the reply (v, err) back to the client, now or, if the server
// kept the request, later. It does nothing if the server node crashed
// since it took the request (the process that would reply is gone); from a
// paused node the reply leaves when it resumes. Replying twice panics.
func (r *Request) Reply(v any, err error) {
	if r.replied {
		panic("sim: request replied twice")
	}
	r.val, r.err, r.replied = v, err, true
	srv := r.c.to
	if srv.crashed || srv.incarnation != r.inc {
		return
	}
	if srv.paused {
		srv.held = append(srv.held, r)
		return
	}
	srv.w.sendMsg(srv, r.c.from, r, &r.msg)
}

// Refuse answers the request as a down server would (ErrConnRefused), at
// once: the client gets the refusal now, one network latency after it
// sent the request, as from a host with no process listening.
func (r *Request) Refuse() {
	if r.replied {
		panic("sim: request replied twice")
	}
	r.refuse()
}

// receive is the request's arrival at the server, or the reply's at the
// client.
func (r *Request) receive() {
	if !r.replied {
		to := r.c.to
		s := to.server
		if s == nil {
			return // no server: lost, as by a process that ignores it
		}
		r.inc = to.incarnation
		to.w.stats.Requests++
		s.Serve(r)
		return
	}
	r.deliver()
}

// deliver hands the reply to whoever waits for it: Submit's callback, or
// the task blocked in Call.
func (r *Request) deliver() {
	if r.done != nil {
		r.done(r.val, r.err)
		return
	}
	r.c.w.wake(r.t, r.gen, wakeReply)
}

// refuse answers a request that reached its server node down, or restarted
// since it was sent: the host refuses the connection, and the client gets
// ErrConnRefused as soon as the request arrives. It was not served.
func (r *Request) refuse() {
	r.val, r.err = nil, ErrConnRefused
	r.replied = true
	r.deliver()
}

// refusable reports whether the message is a request (a reply to a crashed
// client is lost).
func (r *Request) refusable() bool { return !r.replied }

// resend is a held reply leaving its node on resume.
func (r *Request) resend() {
	srv := r.c.to
	srv.w.sendMsg(srv, r.c.from, r, &r.msg)
}

// Send sends a message with body from server node n to node to, over the
// simulated network: latency, loss, partitions and FIFO apply as to
// requests. to's Server gets it (Server.Message) on arrival if to is up
// and the same incarnation as when it was sent; otherwise it is lost. A
// crashed node sends nothing; a paused one sends when it resumes.
func (n *Node) Send(to *Node, body any) {
	if n.crashed {
		return
	}
	e := &envelope{from: n, to: to, body: body}
	if n.paused {
		n.held = append(n.held, e)
		return
	}
	e.resend()
}

// envelope is a message between server nodes (Node.Send).
type envelope struct {
	from, to *Node
	body     any
	msg      message
}

func (e *envelope) resend() { e.from.w.sendMsg(e.from, e.to, e, &e.msg) }

func (e *envelope) receive() {
	if s := e.to.server; s != nil {
		s.Message(e.from, e.body)
	}
}

// heldSend is a reply or message a paused node holds until it resumes.
type heldSend interface{ resend() }

// Rand returns the node's own random stream ("node/" and the node's name,
// see NewStream), the same object at every call: a server model draws
// from it (a seed at each start, a phase at a crash), and no other
// subsystem does, so its draws change no other stream's.
func (n *Node) Rand() *rand.Rand { return n.w.nodeStream(n) }
