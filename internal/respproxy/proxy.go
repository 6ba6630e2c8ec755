// Package respproxy is a RESP-aware TCP proxy on loopback, for the live
// backend's network faults: the kernel here has no netem, so delay, loss,
// partitions and one-way cuts between a client and a real redis-server are
// done in user space. It parses the stream into whole commands and whole
// replies, so it acts per command: forward, delay, drop the request (the
// command never runs), or drop the reply after the command ran (the
// client cannot tell whether it did: Jepsen's info).
package respproxy

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Direction is what the proxy does to the messages going one way.
type Direction struct {
	// Cut drops every message (a partition, or a one-way cut).
	Cut bool
	// Loss drops each message with this probability.
	Loss float64
	// Delay holds each message this long before forwarding it, plus a
	// uniform random part up to Jitter. Messages stay in order on their
	// connection, as on TCP.
	Delay, Jitter time.Duration
}

// hold is how long d holds one message.
func (d Direction) hold() time.Duration {
	if d.Jitter <= 0 {
		return d.Delay
	}
	return d.Delay + rand.N(d.Jitter)
}

// Link is what the proxy does to requests (client to server) and to
// replies (server to client).
type Link struct {
	Requests, Replies Direction
}

// Action is a decision about one command, on top of the Link.
type Action struct {
	DropRequest bool          // the command never reaches the server
	DropReply   bool          // the command runs; its reply is dropped
	Delay       time.Duration // extra delay of the request
	ReplyDelay  time.Duration // extra delay of the reply
}

// Proxy listens on a loopback port and forwards each connection to target.
type Proxy struct {
	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu     sync.Mutex
	link   Link
	rule   func(args []string) Action
	conns  map[net.Conn]struct{}
	closed bool
}

// New starts a proxy to target (host:port) on 127.0.0.1, on a free port.
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("respproxy: listen on loopback: %w", err)
	}
	p := &Proxy{target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the address clients dial instead of the server's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetLink sets what happens to the messages from now on (a message
// already being delayed keeps its delay).
func (p *Proxy) SetLink(l Link) {
	p.mu.Lock()
	p.link = l
	p.mu.Unlock()
}

// SetRule sets a per-command decision, called with each command's
// arguments as it arrives; nil: none.
func (p *Proxy) SetRule(f func(args []string) Action) {
	p.mu.Lock()
	p.rule = f
	p.mu.Unlock()
}

// Close stops listening, closes every connection and waits for the
// proxy's goroutines to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		s, err := net.DialTimeout("tcp", p.target, time.Second)
		if err != nil {
			// The server is down: the client sees its connection closed at
			// once, as it would see a refused one.
			_ = c.Close()
			continue
		}
		if !p.track(c, s) {
			return
		}
		p.wg.Add(1)
		go p.serve(c, s)
	}
}

func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

// pending is the queue of reply decisions of one connection: RESP replies
// come back in the order of their commands.
type pending struct {
	mu sync.Mutex
	q  []Action
}

func (q *pending) push(a Action) {
	q.mu.Lock()
	q.q = append(q.q, a)
	q.mu.Unlock()
}

func (q *pending) pop() Action {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.q) == 0 {
		return Action{} // a reply with no command (a push message)
	}
	a := q.q[0]
	q.q = q.q[1:]
	return a
}

// serve pumps one client connection c and its server connection s, each
// way on its own goroutine, until either side closes.
func (p *Proxy) serve(c, s net.Conn) {
	defer p.wg.Done()
	q := &pending{}
	done := make(chan struct{}, 2)
	go func() { p.requests(c, s, q); done <- struct{}{} }()
	go func() { p.replies(s, c, q); done <- struct{}{} }()
	<-done
	p.untrack(c, s) // unblocks the other pump
	<-done
}

func (p *Proxy) decide(args []string) (Action, Direction) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var a Action
	if p.rule != nil && args != nil {
		a = p.rule(args)
	}
	return a, p.link.Requests
}

func (p *Proxy) replyLink() Direction {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.link.Replies
}

func drops(d Direction) bool {
	return d.Cut || (d.Loss > 0 && rand.Float64() < d.Loss)
}

func (p *Proxy) requests(from, to net.Conn, q *pending) {
	r := bufio.NewReader(from)
	for {
		raw, args, err := readValue(r)
		if err != nil {
			return
		}
		a, d := p.decide(args)
		if a.DropRequest || drops(d) {
			continue
		}
		if wait := a.Delay + d.hold(); wait > 0 {
			time.Sleep(wait)
		}
		q.push(a)
		if _, err := to.Write(raw); err != nil {
			return
		}
	}
}

func (p *Proxy) replies(from, to net.Conn, q *pending) {
	r := bufio.NewReader(from)
	for {
		raw, _, err := readValue(r)
		if err != nil {
			return
		}
		a := q.pop()
		d := p.replyLink()
		if a.DropReply || drops(d) {
			continue
		}
		if wait := a.ReplyDelay + d.hold(); wait > 0 {
			time.Sleep(wait)
		}
		if _, err := to.Write(raw); err != nil {
			return
		}
	}
}
