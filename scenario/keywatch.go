package scenario

import (
	"github.com/locksim/locksim/sim/redis"
	"slices"
	"time"

	"github.com/locksim/locksim/sim"
)

// KeyState is what a Redis node held under a watched key right after a
// command that named it: the key's real lifetime, which no client sees.
// Expiries are not here: the history records them (histories.OpExpire).
type KeyState struct {
	At     time.Duration // true time of the command
	Node   string        // the Redis node
	Key    string
	Value  string // the value held, "" when Exists is false
	Exists bool
	By     string // the node that sent the command ("client-3")
}

// WatchKeys returns a simulator option (for Options.SimOptions) that
// appends to *out, after every Redis command naming one of keys, the
// state it left that key in. Watching reads without side effects, so a
// watched run has the trace hash of an unwatched one (a replay checks it).
func WatchKeys(keys []string, out *[]KeyState) sim.Option {
	return func(w *sim.World) {
		redis.OnCommand(w, func(c redis.Command) {
			for _, k := range keys {
				if !slices.Contains(c.Args[1:], k) {
					continue
				}
				v, ok := c.Holds(k)
				by := ""
				if c.From != nil {
					by = c.From.Name()
				}
				*out = append(*out, KeyState{At: c.At, Node: c.Node.Name(), Key: k, Value: v, Exists: ok, By: by})
			}
		})
	}
}
