package unmodified

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	simredis "github.com/locksim/locksim/sim/redis"
	"math/rand/v2"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// simRuntime is what a client's locks.Runtime has when it is a simulated
// task's (simlock embeds *sim.Runtime, whose methods it promotes).
type simRuntime interface {
	External(start func(resume func()))
	World() *sim.World
	Node() *sim.Node
}

// client is one simulated client process's side of the foreign world: its
// go-redis clients, one per Redis node, and the way its task hands calls
// to foreign goroutines.
type client struct {
	h     *hub
	rt    simRuntime
	node  *sim.Node
	redis []*redis.Client
	rng   *rand.Rand // owned by the foreign calls, seeded from the task
}

// newClient builds the go-redis clients of the task whose env this is.
// Each dials the Redis node of the matching Conn through the hub.
func newClient(env locks.Env) (*client, error) {
	rt, ok := env.Runtime.(simRuntime)
	if !ok {
		return nil, errors.New("unmodified: the lock's Runtime is not a simulated task's")
	}
	h, err := hubOf(rt.World())
	if err != nil {
		return nil, err
	}
	r := env.Runtime.Rand()
	c := &client{h: h, rt: rt, node: rt.Node(), rng: rand.New(rand.NewPCG(r.Uint64(), r.Uint64()))}
	for _, lc := range env.Conns {
		sc, ok := lc.(*simredis.Conn)
		if !ok {
			return nil, fmt.Errorf("unmodified: conn %T is not a simulated Redis connection", lc)
		}
		rn := sc.Node()
		c.redis = append(c.redis, redis.NewClient(clientOptions(h, c.node, rn)))
	}
	h.mu.Lock()
	for _, rc := range c.redis {
		h.clients = append(h.clients, rc)
	}
	h.mu.Unlock()
	return c, nil
}

// clientOptions are the go-redis options of a client of node from to rn:
// go-redis's defaults but for what the bubble needs. The address is an IP
// literal and maintenance notifications are off, so that go-redis never
// resolves a host name (its endpoint detection did, and its goroutines
// then outlived their bubble); no retries, so that nothing is re-sent
// behind the library's back; a pool larger than any library's concurrency
// on one node, so that go-redis's package-level timer pool (used when a
// caller waits for a pooled connection) is never touched from a bubble.
func clientOptions(h *hub, from *sim.Node, rn *simredis.Node) *redis.Options {
	return &redis.Options{
		Addr: fmt.Sprintf("10.0.%d.%d:6379", rn.Node().ID()/256, rn.Node().ID()%256),
		Dialer: func(context.Context, string, string) (net.Conn, error) {
			return h.dial(from, rn)
		},
		Protocol:                 2,
		DisableIdentity:          true,
		MaxRetries:               -1,
		PoolSize:                 16,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
}

// foreign runs f on a goroutine of its own while the calling task waits in
// External; the task resumes at the quiescent point after f returned.
func (c *client) foreign(f func()) {
	// numbered per client node over the whole run, so that the calls of a
	// crashed incarnation and of its successor never share a key
	c.h.calls[c.node.ID()]++
	key := itemKey{client: c.node.ID(), seq: c.h.calls[c.node.ID()]}
	c.rt.External(func(resume func()) {
		go func() {
			f()
			c.h.put(item{key: key, resume: resume, from: c.node})
		}()
	})
}

// context is a bubble context with the deadline of the simulated ctx (on
// the client's wall clock, which unmodified runs never fault, so that it
// is the true time): the library's calls end when the task's would.
func (c *client) context(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		bctx, cancel := context.WithDeadline(context.Background(), c.bubbleTime(dl))
		return bctx, cancel, nil
	}
	bctx, cancel := context.WithCancel(context.Background())
	return bctx, cancel, nil
}

// bubbleTime converts a simulated true time to the bubble's clock, and
// simTime back: the World's true time 0 is the hub's start.
func (c *client) bubbleTime(t time.Time) time.Time { return c.h.start.Add(t.Sub(sim.Epoch)) }
func (c *client) simTime(t time.Time) time.Time    { return sim.Epoch.Add(t.Sub(c.h.start)) }

// value draws a lock value: 128 bits from the seeded source, in hex, as
// go-redsync's own genValue and redislock's tokens are random bytes.
func (c *client) value() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(c.rng.Uint32())
	}
	return hex.EncodeToString(b[:])
}

// indeterminate wraps err of a call whose context ran out: the call may
// have taken effect on some node.
func indeterminate(bctx context.Context, err error) error {
	if cerr := bctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	return err
}
