package live

import (
	"context"
	"errors"
	simredis "github.com/locksim/locksim/sim/redis"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// noDeadline bounds a call whose context has no deadline, so that a run
// always ends.
const noDeadline = time.Minute

// conn is a lock's connection to a real server: each command is a
// go-redis call on a goroutine of its own, during which the calling task
// waits in Runtime.External and the rest of the World goes on.
type conn struct {
	st   *state
	rt   *sim.Runtime
	from *sim.Node
	c    locks.Conn
	wt   *watcher // the server's
}

func (st *state) conn(rt *sim.Runtime, from *sim.Node, rn *simredis.Node) locks.Conn {
	p := st.pairs[[2]string{from.Name(), rn.Name()}]
	var wt *watcher
	for _, s := range st.servers {
		if s.name == rn.Name() {
			wt = s.watcher
		}
	}
	return &conn{st: st, rt: rt, from: from, c: p.conn, wt: wt}
}

// Do sends one command. Its real deadline is what is left of ctx's, read
// on the client's clock as the lock set it; a cancellation of ctx in the
// World (its deadline firing in the World's time) cancels the call too.
func (c *conn) Do(ctx context.Context, args ...any) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // as the simulator's connection: nothing is sent
	}
	c.st.mirror() // the faults of this instant hold before the command leaves
	limit := noDeadline
	if dl, ok := ctx.Deadline(); ok {
		limit = dl.Sub(c.from.WallNow())
	}
	rctx, cancel := context.WithTimeout(context.Background(), limit)
	stop := context.AfterFunc(ctx, cancel)
	var v any
	var err error
	c.rt.External(func(resume func()) {
		c.st.calls.Add(1)
		go func() {
			defer c.st.calls.Done()
			v, err = c.c.Do(rctx, args...)
			cancel()
			if err == nil || locks.IsNil(err) || isRedisError(err) {
				c.wt.sync() // the server replied: its notifications first
			}
			c.st.put(resume)
		}()
	})
	stop()
	if cerr := ctx.Err(); cerr != nil {
		// The deadline passed before the task could read the reply (its
		// node was paused): a paused Go process, too, finds its read's
		// deadline past when it continues, and gets a timeout.
		return nil, cerr
	}
	return v, err
}

// isRedisError reports whether err is an error reply of the server.
func isRedisError(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}
