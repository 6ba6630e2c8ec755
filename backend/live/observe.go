package live

import (
	"context"
	"strings"
	"sync"

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
	wt := &watcher{name: srv.name, direct: direct, ps: ps}
	srv.watcher = wt
	wt.done.Add(1)
	go wt.run(st)
	return nil
}

func (wt *watcher) run(st *state) {
	defer wt.done.Done()
	values := map[string]string{}
	for msg := range wt.ps.Channel() {
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
			e := sim.Event{Kind: sim.EvExpire, Node: wt.name, Key: key, Value: values[key]}
			delete(values, key)
			st.report(e)
		}
	}
}

func (wt *watcher) close() {
	_ = wt.ps.Close()
	wt.done.Wait()
	_ = wt.direct.Close()
}
