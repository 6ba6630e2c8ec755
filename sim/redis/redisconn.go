package redis

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2/server"

	"github.com/locksim/locksim/sim"
)

// Conn is a client connection from a node to a Redis node. It has the
// methods of package locks' Conn and StringConn (Do and DoStrings, replies
// shaped as go-redis shapes them, the nil reply as go-redis's redis.Nil),
// so lock code takes it as it is. Commands travel as requests of a
// sim.Conn: over the simulated network, refused while the node is down.
type Conn struct {
	rn   *Node
	c    *sim.Conn
	free []*command // answered commands, for the next ones
}

// command is a request's body, the command's arguments: a pointer, so
// that handing it to the kernel as an any allocates nothing, and reused
// once the node has answered it.
type command struct{ args []string }

// Conn returns a connection from node from to the Redis node: each Do sends
// the command over the simulated network and waits for the reply. It must be
// used by tasks of from.
func (rn *Node) Conn(from *sim.Node) *Conn {
	return &Conn{rn: rn, c: rn.w.Connect(from, rn.node)}
}

// Do sends one command and returns its reply as go-redis shapes it. After a
// context error, the command may or may not have been executed.
func (c *Conn) Do(ctx context.Context, args ...any) (any, error) {
	sargs := make([]string, len(args))
	for i, a := range args {
		sargs[i] = argString(a)
	}
	return c.DoStrings(ctx, sargs...)
}

// DoStrings is Do for string arguments (locks.StringConn). The node keeps
// args (its write log): the caller must not modify them afterwards.
func (c *Conn) DoStrings(ctx context.Context, args ...string) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("redis command: %w", errNoArgs)
	}
	var cmd *command
	if n := len(c.free); n > 0 {
		cmd = c.free[n-1]
		c.free = c.free[:n-1]
	} else {
		cmd = new(command)
	}
	cmd.args = args
	val, err := c.c.Call(ctx, cmd)
	if err == nil || ctx == nil || err != ctx.Err() {
		// a reply came back: the node is done with cmd (its write log
		// keeps args, not cmd). After a context error the request may
		// still be in flight, and cmd is left to it.
		cmd.args = nil
		c.free = append(c.free, cmd)
	}
	return val, err
}

// Submit sends one command over the simulated network from the
// connection's node to the Redis node, without a task: the command runs on
// its arrival, and reply is called with its reply when that comes back (on
// the World's goroutine). Latency, loss, partitions, pauses and crashes
// apply as to Do; a lost request or reply means reply is never called. The
// connection keeps its server-side state (MULTI, the selected database)
// across commands, as a real connection does. Call it from outside the
// tasks (an idle hook's Deliver, see sim.IdleHook): it is how foreign code
// reaches a Redis node.
func (c *Conn) Submit(args []string, reply func(v any, err error)) {
	if len(args) == 0 {
		reply(nil, Error("ERR empty command"))
		return
	}
	c.c.Submit(&command{args}, reply)
}

// model is a Node as the kernel sees it: its sim.Server.
type model Node

// Serve runs one command on its arrival: the request's body is its
// arguments, the connection's server state its miniredis peer (MULTI, the
// selected database), made afresh after a crash.
func (s *model) Serve(r *sim.Request) {
	rn := (*Node)(s)
	c := r.Conn()
	peer, _ := c.ServerState().(*server.Peer)
	if peer == nil {
		peer = server.NewPeer(bufio.NewWriter(&rn.buf))
		c.SetServerState(peer)
	}
	val, err := rn.exec(peer, r.From(), r.Body().(*command).args)
	r.Reply(val, err)
}

func (s *model) Message(*sim.Node, any) {}

func (s *model) Crashed(host bool) { (*Node)(s).crash(host) }

func (s *model) Restarted() { (*Node)(s).restart() }

func (s *model) Paused() {}

func (s *model) Resumed() {}

// WallStepping ages TTLs up to the step, then (WallStepped) from the new
// reading: a forward step expires what it passes, a backward one extends
// every TTL by the step (redisclock.go).
func (s *model) WallStepping(time.Duration) { (*Node)(s).syncClock() }

func (s *model) WallStepped(d time.Duration) {
	rn := (*Node)(s)
	rn.syncClock()
	if d != 0 {
		rn.probeAll() // expired, or their deadlines moved on the monotonic clock
	}
}

// ErrConnRefused is the error of a command sent to a crashed Redis node, as
// go-redis reports a refused connection: errors.Is(err,
// syscall.ECONNREFUSED) holds. The command did not run. It is the kernel's
// (sim.ErrConnRefused).
var ErrConnRefused = sim.ErrConnRefused

var errNoArgs = fmt.Errorf("no arguments")

// Node returns the Redis node the connection goes to.
func (c *Conn) Node() *Node { return c.rn }

// From returns the node the connection comes from.
func (c *Conn) From() *sim.Node { return c.c.From() }
