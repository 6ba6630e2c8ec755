package live

import (
	"context"
	simredis "github.com/locksim/locksim/sim/redis"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/locksim/locksim/sim"
)

// The simulator's Redis nodes report a lock key's expiry (with its last
// value) as an event the history records and the checks use: an expiry
// legally ends a lease. A real server reports it through keyspace
// notifications. A watcher per server subscribes to them on a direct
// connection (no proxy: it is the simulator's all-seeing eye, not a
// client), reads a key's value with GET when it is set, and reports
// "expired" with the last value it read.

// keyspaceEvents are the notifications the watchers need: keyspace
// channels (K) for string commands (set), generic ones (del) and expiries.
const keyspaceEvents = "K$gx"

// watcher follows one server's keyspace notifications.
type watcher struct {
	name   string
	direct *redis.Client
	ps     *redis.PubSub
	done   sync.WaitGroup
	stop   context.CancelFunc

	mu      sync.Mutex
	seq     int
	waiters map[string]chan struct{} // PING payload -> closed at its PONG
}

// syncWait bounds how long a reply waits for the watcher (a server
// stopped or killed right after replying sends no PONG).
const syncWait = 50 * time.Millisecond

// sync returns once the watcher has seen every notification the server
// published before now (at most syncWait later): a PING on the
// subscription comes back after them, in order. A call's reply waits for
// it, so that an expiry the command caused is recorded before its reply.
func (wt *watcher) sync() {
	wt.mu.Lock()
	wt.seq++
	token := strconv.Itoa(wt.seq)
	ch := make(chan struct{})
	wt.waiters[token] = ch
	wt.mu.Unlock()
	defer func() {
		wt.mu.Lock()
		delete(wt.waiters, token)
		wt.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), syncWait)
	defer cancel()
	if wt.ps.Ping(ctx, token) != nil {
		return
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// configure turns the server's keyspace notifications on (again after a
// restart: they are not persisted).
func configure(ctx context.Context, c *redis.Client) error {
	return c.ConfigSet(ctx, "notify-keyspace-events", keyspaceEvents).Err()
}

// watch starts a watcher of srv that reports expiries to st.
func (st *state) watch(srv *server) error {
	ctx := context.Background()
	direct := redis.NewClient(&redis.Options{Addr: srv.s.Addr(), MaxRetries: -1})
	if err := configure(ctx, direct); err != nil {
		_ = direct.Close()
		return err
	}
	ps := direct.PSubscribe(ctx, "__keyspace@0__:*")
	if _, err := ps.Receive(ctx); err != nil { // subscribed before the run begins
		_ = ps.Close()
		_ = direct.Close()
		return err
	}
	wctx, stop := context.WithCancel(ctx)
	wt := &watcher{name: srv.name, direct: direct, ps: ps, stop: stop, waiters: map[string]chan struct{}{}}
	srv.watcher = wt
	wt.done.Add(1)
	go wt.run(wctx, st)
	return nil
}

func (wt *watcher) run(ctx context.Context, st *state) {
	defer wt.done.Done()
	values := map[string]string{}
	for {
		m, err := wt.ps.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil { // the server is down or stopped: PubSub reconnects
			time.Sleep(10 * time.Millisecond)
			continue
		}
		var msg *redis.Message
		switch m := m.(type) {
		case *redis.Pong:
			wt.mu.Lock()
			if ch := wt.waiters[m.Payload]; ch != nil {
				close(ch)
				delete(wt.waiters, m.Payload)
			}
			wt.mu.Unlock()
			continue
		case *redis.Message:
			msg = m
		default:
			continue
		}
		key := strings.TrimPrefix(msg.Channel, "__keyspace@0__:")
		switch msg.Payload {
		case "set":
			v, err := wt.direct.Get(context.Background(), key).Result()
			if err == nil {
				values[key] = v
			}
		case "del":
			delete(values, key)
		case "expired":
			e := sim.Event{Kind: simredis.EvExpire, Node: wt.name, Key: key, Value: values[key]}
			delete(values, key)
			st.report(e)
		}
	}
}

func (wt *watcher) close() {
	wt.stop()
	_ = wt.ps.Close()
	wt.done.Wait()
	_ = wt.direct.Close()
}
