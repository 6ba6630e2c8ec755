package sim

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/alicebob/miniredis/v2/server"
)

// RedisConn is a client connection from a node to a Redis node. It has the
// methods of package locks' Conn and StringConn (Do and DoStrings, replies
// shaped as go-redis shapes them, the nil reply as go-redis's redis.Nil),
// so lock code takes it as it is.
type RedisConn struct {
	rn      *RedisNode
	from    *Node
	peer    *server.Peer
	peerInc uint64
	spare   *redisCall // a finished call, for the next command
}

// Conn returns a connection from node from to the Redis node: each Do sends
// the command over the simulated network and waits for the reply. It must be
// used by tasks of from.
func (rn *RedisNode) Conn(from *Node) *RedisConn {
	return &RedisConn{rn: rn, from: from}
}

// Conn returns a connection from node from to the Redis node rn.
func (w *World) Conn(from *Node, rn *RedisNode) *RedisConn { return rn.Conn(from) }

// Do sends one command and returns its reply as go-redis shapes it. After a
// context error, the command may or may not have been executed.
func (c *RedisConn) Do(ctx context.Context, args ...any) (any, error) {
	sargs := make([]string, len(args))
	for i, a := range args {
		sargs[i] = argString(a)
	}
	return c.DoStrings(ctx, sargs...)
}

// DoStrings is Do for string arguments (locks.StringConn). The node keeps
// args (its write log): the caller must not modify them afterwards.
func (c *RedisConn) DoStrings(ctx context.Context, args ...string) (any, error) {
	w := c.rn.w
	t := w.enter()
	if t.node != c.from {
		panic(fmt.Sprintf("sim: connection of node %s used by task %s of node %s", c.from.name, t.name, t.node.name))
	}
	w.seamAt(t, SeamDoSent)
	if len(args) == 0 {
		return nil, fmt.Errorf("redis command: %w", errNoArgs)
	}
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
		r = new(redisCall)
	}
	*r = redisCall{c: c, t: t, gen: t.prepare(), args: args}
	w.sendMsg(c.from, c.rn.node, r, &r.msg)
	if t.wait(ctx) != wakeReply {
		return nil, ctx.Err() // bare, as go-redis returns it; r may still be in flight
	}
	w.seamAt(t, SeamDoReplied)
	// The reply was delivered: nothing refers to r any more (a message
	// travels once), so the connection's next command may reuse it.
	val, err := r.val, r.err
	*r = redisCall{}
	c.spare = r
	return val, err
}

// redisCall is one command: the request, then the reply, travel as
// messages; the command runs on the request's arrival.
type redisCall struct {
	c       *RedisConn
	t       *task
	gen     uint64
	args    []string
	val     any
	err     error
	replied bool
	done    func(any, error) // Submit's reply callback; t is nil then
	msg     message          // the request, then the reply
}

func (r *redisCall) receive() {
	c := r.c
	rn := c.rn
	if !r.replied {
		if c.peer == nil || c.peerInc != rn.node.incarnation {
			c.peer = server.NewPeer(bufio.NewWriter(&rn.buf))
			c.peerInc = rn.node.incarnation
		}
		r.val, r.err = rn.exec(c.peer, c.from, r.args)
		r.replied = true
		rn.w.sendMsg(rn.node, c.from, r, &r.msg)
		return
	}
	r.deliver()
}

// deliver hands the reply to whoever waits for it: Submit's callback, or
// the task blocked in Do.
func (r *redisCall) deliver() {
	if r.done != nil {
		r.done(r.val, r.err)
		return
	}
	r.c.rn.w.wake(r.t, r.gen, wakeReply)
}

// refuse answers a request that reached its Redis node down, or restarted
// since it was sent (its connection died with the old process): the host
// refuses the connection, and the client gets ErrConnRefused as soon as
// the request arrives, one network latency after it sent it. The command
// did not run.
func (r *redisCall) refuse() {
	r.val, r.err = nil, ErrConnRefused
	r.replied = true
	r.deliver()
}

// refusable reports whether the message is a request (a reply to a crashed
// client is lost).
func (r *redisCall) refusable() bool { return !r.replied }

// ErrConnRefused is the error of a command sent to a crashed Redis node, as
// go-redis reports a refused connection: errors.Is(err,
// syscall.ECONNREFUSED) holds. The command did not run.
var ErrConnRefused error = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}

var errNoArgs = fmt.Errorf("no arguments")

// Node returns the Redis node the connection goes to.
func (c *RedisConn) Node() *RedisNode { return c.rn }

// From returns the node the connection comes from.
func (c *RedisConn) From() *Node { return c.from }
