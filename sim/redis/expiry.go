package redis

import (
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/locksim/locksim/sim"
)

// Expiry tracking. Redis expires keys lazily and in the background; what
// matters to a checker is when a key stops existing for the clients. A key
// named by a command that has a TTL after it is tracked: a timer on the
// Redis node's monotonic clock fires at its deadline (the moment the node's
// wall clock passes it, barring steps), syncs the miniredis clock and, if
// the key is gone, reports EvExpire. A forward wall step probes every
// tracked key at once, so keys it passes expire at the step. Before each
// command, tracked keys it names that expired at this very instant are
// reported first. Keys a command deletes are untracked silently (the
// command itself is visible through OnCommand). Keys touched without
// being named (by MULTI/EXEC, FLUSHALL, or Lua scripts on undeclared keys)
// are picked up by a rescan after EXEC and FLUSH*, not after EVAL.

// trackedKey is a key with a TTL and the timer that looks at it when the
// node's clock reaches its deadline.
type trackedKey struct {
	sim.Timer
	rn    *Node
	key   string
	value string // its string value after the last write, for EvExpire
	probe func() // tk.fire, made once: a method value allocates
}

// fire looks at the key at its deadline.
func (tk *trackedKey) fire() { tk.rn.probe(tk.key) }

// trackedKeys returns the tracked keys, in tracking order.
func (rn *Node) trackedKeys() []string {
	ks := make([]string, len(rn.tracked))
	for i, tk := range rn.tracked {
		ks[i] = tk.key
	}
	return ks
}

// noteGone reports the tracked keys among keys that expired, at the clock
// last synced.
func (rn *Node) noteGone(keys []string) {
	for _, k := range keys {
		if _, ok := rn.trackIdx[k]; ok && !rn.m.Exists(k) {
			rn.expired(k)
		}
	}
}

// noteGoneKey is noteGone of one key, on the database db of rn.m whose
// clock the caller has just ticked (RedisDB accessors do not tick).
func (rn *Node) noteGoneKey(db *miniredis.RedisDB, k string) {
	if _, ok := rn.trackIdx[k]; ok && !db.Exists(k) {
		rn.expired(k)
	}
}

func (rn *Node) expired(k string) {
	var v string
	if i, ok := rn.trackIdx[k]; ok {
		v = rn.tracked[i].value
	}
	rn.untrack(k)
	rn.reportExpiry(k, v)
}

// reportExpiry traces and emits the expiry of key k, which held value v.
func (rn *Node) reportExpiry(k, v string) {
	rn.traceFault(0, "expire ", k)
	rn.w.Report(sim.Event{Kind: EvExpire, Node: rn.node.Name(), Key: k, Value: v, Wall: rn.node.WallNow()})
}

// retrack follows the keys' TTLs after a command: a key with a TTL gets a
// probe at its deadline on the node's clock; others are forgotten.
func (rn *Node) retrack(keys []string) {
	for _, k := range keys {
		rn.retrackKey(nil, k, true)
	}
}

// retrackKey is retrack of one key; db, if not nil, is the database of
// rn.m as the current command sees it (aging.go). If written, or if the key
// was not tracked, it also notes the key's value.
func (rn *Node) retrackKey(db *miniredis.RedisDB, k string, written bool) {
	var ttl time.Duration // 0 for a missing key
	if db != nil {
		ttl = rn.scripts.liveTTL(db, k)
	} else {
		ttl = rn.m.TTL(k)
	}
	tk, fresh := rn.retrackTTL(k, ttl)
	if tk == nil || !written && !fresh {
		return
	}
	var err error
	if db != nil {
		tk.value, err = db.Get(k)
	} else {
		tk.value, err = rn.m.Get(k)
	}
	if err != nil {
		tk.value = "" // not a string
	}
}

// retrackValue is retrackKey of a key the command set to value v.
func (rn *Node) retrackValue(db *miniredis.RedisDB, k, v string) {
	if tk, _ := rn.retrackTTL(k, rn.scripts.liveTTL(db, k)); tk != nil {
		tk.value = v
	}
}

// retrackTTL follows key k whose TTL is now ttl (none if not positive), and
// returns its trackedKey, nil if it is not tracked, and whether it is new.
func (rn *Node) retrackTTL(k string, ttl time.Duration) (*trackedKey, bool) {
	if ttl <= 0 {
		rn.untrack(k)
		return nil, false
	}
	deadline := rn.node.MonoNow() + rn.expiresIn(ttl) // redisclock.go
	i, ok := rn.trackIdx[k]
	var tk *trackedKey
	if ok {
		tk = rn.tracked[i]
		if tk.Pending() && tk.Deadline() == deadline {
			return tk, false // TTL unchanged
		}
	} else {
		tk = rn.newTrackedKey(k)
		rn.trackIdx[k] = len(rn.tracked)
		rn.tracked = append(rn.tracked, tk)
	}
	rn.node.SetTimer(&tk.Timer, deadline, tk.probe) // re-arms a pending one
	return tk, !ok
}

func (rn *Node) untrack(k string) {
	i, ok := rn.trackIdx[k]
	if !ok {
		return
	}
	tk := rn.tracked[i]
	tk.Stop()
	tk.key, tk.value = "", "" // its Timer stays with the node, for reuse
	rn.freeKeys = append(rn.freeKeys, tk)
	last := len(rn.tracked) - 1
	rn.tracked[i] = rn.tracked[last]
	rn.trackIdx[rn.tracked[i].key] = i
	rn.tracked[last] = nil
	rn.tracked = rn.tracked[:last]
	delete(rn.trackIdx, k)
}

// newTrackedKey returns a trackedKey for k, reusing an untracked one: most
// keys of a lock workload are tracked and untracked once per acquisition.
func (rn *Node) newTrackedKey(k string) *trackedKey {
	if n := len(rn.freeKeys); n > 0 {
		tk := rn.freeKeys[n-1]
		rn.freeKeys[n-1] = nil
		rn.freeKeys = rn.freeKeys[:n-1]
		tk.rn, tk.key = rn, k
		return tk
	}
	tk := &trackedKey{rn: rn, key: k}
	tk.probe = tk.fire
	return tk
}

// probe looks at a tracked key when the node's clock reaches its deadline.
func (rn *Node) probe(k string) {
	if rn.m == nil || rn.tryProbe(k) {
		return
	}
	rn.syncClock() // expires what is due now
	db := rn.aging.db
	if !db.Exists(k) {
		rn.expired(k)
		return
	}
	rn.retrackKey(db, k, false)
}

// rescan follows every key after a command that may touch keys it does not
// name: tracked keys that are gone are forgotten, keys with a TTL tracked.
func (rn *Node) rescan() {
	for _, k := range rn.trackedKeys() {
		if !rn.m.Exists(k) {
			rn.untrack(k)
		}
	}
	rn.retrack(rn.m.Keys())
}

// probeAll looks at every tracked key now (after a forward clock step).
func (rn *Node) probeAll() {
	for _, k := range rn.trackedKeys() {
		rn.probe(k)
	}
}

// ExpiryDeadlines calls f with each key that has a TTL and the instant of
// the node's monotonic clock at which it is looked at for expiry, in
// tracking order. It is for tests that aim commands at deadlines (the
// zero-jitter differential test in simlock).
func (rn *Node) ExpiryDeadlines(f func(key string, mono time.Duration)) {
	for _, tk := range rn.tracked {
		f(tk.key, tk.Deadline())
	}
}
