package unmodified

import (
	"errors"
	"github.com/locksim/locksim/sim/redis"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/locksim/locksim/sim"
)

var errClosed = errors.New("unmodified: connection closed")

// conn is one go-redis connection from a client node to a Redis node:
// an in-memory net.Conn whose writes become commands in the hub's inbox
// (and from there messages on the simulated network) and whose reads
// return the replies the network brought back. Its deadlines are bubble
// timers, so go-redis's read and write timeouts run in fake time.
type conn struct {
	h    *hub
	sc   *redis.Conn
	from *sim.Node
	inc  uint64 // from's incarnation at the dial
	key  itemKey

	mu       sync.Mutex
	wbuf     []byte // a partial request
	rbuf     []byte // replies not read yet
	seq      int
	closed   bool
	reset    error         // the peer refused or reset the connection
	readable chan struct{} // capacity 1: rbuf grew
	done     chan struct{} // closed by Close
	rdl, wdl time.Time
}

var _ net.Conn = (*conn)(nil)

// Write takes the bytes of whole or partial commands: every command it
// completes goes into the hub's inbox, in order. It never blocks: the
// simulated network has no flow control.
func (c *conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	if !c.wdl.IsZero() && !time.Now().Before(c.wdl) {
		return 0, os.ErrDeadlineExceeded
	}
	c.wbuf = append(c.wbuf, b...)
	for {
		args, rest, ok, err := parseRequest(c.wbuf)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		c.wbuf = rest
		c.seq++
		k := c.key
		k.seq = c.seq
		c.h.put(item{key: k, conn: c, args: args, from: c.from})
	}
	if len(c.wbuf) == 0 {
		c.wbuf = nil
	}
	return len(b), nil
}

// reply is called on the World's goroutine when a reply reaches the client.
func (c *conn) reply(v any, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if errors.Is(err, sim.ErrConnRefused) {
		// The Redis node is down (or restarted since the dial): its host
		// answers with a reset, as a real socket to a killed redis-server
		// does, not with a Redis error reply. go-redis then drops the
		// connection and dials again.
		c.reset = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
		c.wake()
		return
	}
	c.rbuf = appendReply(c.rbuf, v, err)
	c.wake()
}

// wake tells a blocked Read that there is something to return (c.mu held).
func (c *conn) wake() {
	select {
	case c.readable <- struct{}{}:
	default:
	}
}

// Read returns replies, blocking until one arrives, the read deadline
// passes (os.ErrDeadlineExceeded, a timeout for go-redis) or the
// connection closes.
func (c *conn) Read(b []byte) (int, error) {
	for {
		c.mu.Lock()
		if len(c.rbuf) > 0 {
			n := copy(b, c.rbuf)
			c.rbuf = c.rbuf[n:]
			c.mu.Unlock()
			return n, nil
		}
		if c.closed {
			c.mu.Unlock()
			return 0, io.EOF
		}
		if c.reset != nil {
			err := c.reset
			c.mu.Unlock()
			return 0, err
		}
		dl := c.rdl
		c.mu.Unlock()
		var timer *time.Timer
		var timeout <-chan time.Time
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return 0, os.ErrDeadlineExceeded
			}
			timer = time.NewTimer(d)
			timeout = timer.C
		}
		select {
		case <-c.readable:
		case <-c.done:
		case <-timeout:
			return 0, os.ErrDeadlineExceeded
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// Close fails the connection; replies still on their way are dropped.
func (c *conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	return nil
}

func (c *conn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(10, 1, 0, byte(c.from.ID())), Port: 40000 + c.key.conn}
}

func (c *conn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(10, 0, 0, byte(c.key.node)), Port: 6379}
}

func (c *conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rdl, c.wdl = t, t
	return nil
}

func (c *conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rdl = t
	return nil
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wdl = t
	return nil
}
