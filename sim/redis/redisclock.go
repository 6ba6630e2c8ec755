package redis

import (
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
)

// The Redis node's clock and deadlines, as Redis has them.
//
// Redis keeps each key's deadline as an absolute unix-ms instant of its own
// wall clock, reads that clock in whole milliseconds once per command, and
// expires a key only once the clock is past its deadline (now > deadline):
// a key is still there at its deadline. So a forward wall step expires keys
// early and a backward step keeps them longer (PTTL grows by the step), and
// an AOF restart keeps the deadlines (it stores SET … PXAT).
//
// miniredis (with ClockTTL) keeps a TTL relative to its last tick instead,
// ages TTLs by forward clock progress only, and deletes a key once its TTL
// is down to zero (now >= deadline). The node bridges the two:
//   - the miniredis clock is the node's wall clock truncated to the
//     millisecond (redisWall), so every baseline, deadline and TTL is a
//     whole number of milliseconds;
//   - every TTL stored in miniredis carries a bias of one nanosecond
//     (deadlineBias), so miniredis deletes a key only once its clock is a
//     millisecond past the deadline, as Redis does. A TTL a command writes
//     is a whole number of milliseconds, so a stored TTL without the bias is
//     a fresh one, and gets it right after the command (biasKeys, biasAll);
//   - when the clock goes back by d, every TTL grows by d (extendTTLs)
//     before miniredis's baseline moves back, which keeps deadlines
//     absolute. The write log marks the clock around a backward step, and a
//     replay extends the TTLs at those marks in the same way
//     (replayEntries), so a restart keeps the extended deadlines, as
//     Redis's PXAT entries do.
//
// Hash fields with TTLs of their own keep miniredis's semantics (they expire
// at their deadline, and a backward step does not extend them): no lock
// uses them.

// deadlineBias is what every stored TTL carries on top of the time left to
// its deadline.
const deadlineBias = time.Nanosecond

// redisWall is the Redis clock of a node whose wall clock reads t: whole
// milliseconds, as Redis's mstime.
func redisWall(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

// wall returns the node's Redis clock now.
func (rn *Node) wall() time.Time { return redisWall(rn.node.WallNow()) }

// unbiased reports whether a stored TTL is a fresh one, written by a
// command without the bias.
func unbiased(ttl time.Duration) bool { return ttl > 0 && ttl%time.Millisecond == 0 }

// biasKeys gives the bias to the fresh TTLs of keys in db.
func biasKeys(db *miniredis.RedisDB, keys []string) {
	for _, k := range keys {
		if ttl := db.TTL(k); unbiased(ttl) {
			db.SetTTL(k, ttl+deadlineBias)
		}
	}
}

// biasAll gives the bias to every fresh TTL of m, after a command that may
// have set TTLs on keys it does not name (a script, a transaction).
func biasAll(m *miniredis.Miniredis) {
	for i := range snapDBs {
		db := m.DB(i)
		biasKeys(db, db.Keys())
	}
}

// extendTTLs adds d to every TTL of m: its clock is about to go back by d,
// and the deadlines stay where they are.
func extendTTLs(m *miniredis.Miniredis, d time.Duration) {
	for i := range snapDBs {
		db := m.DB(i)
		for _, k := range db.Keys() {
			if ttl := db.TTL(k); ttl > 0 {
				db.SetTTL(k, min(ttl, maxRedisTTL)+d)
			}
		}
	}
}

// setRedisClock sets m's clock to wall, which the caller read last as prev:
// if the clock goes back, TTLs are first aged to prev, then extended by the
// step, so that deadlines stay absolute.
func setRedisClock(m *miniredis.Miniredis, prev, wall time.Time) {
	if wall.Before(prev) {
		m.DB(0) // ages TTLs to prev, miniredis's clock since the last SetTime
		extendTTLs(m, prev.Sub(wall))
	}
	m.SetTime(wall)
}

// expiresIn returns how long after now on the node's clocks a key whose
// live stored TTL is ttl stops existing: once the Redis clock has passed
// its deadline by a millisecond.
func (rn *Node) expiresIn(ttl time.Duration) time.Duration {
	w := rn.node.WallNow()
	return ttl - deadlineBias + time.Millisecond - w.Sub(redisWall(w))
}

// biasAfter gives the bias to the TTLs a command that ran on peer may have
// written: those of the keys it names in db (database 0 as the command saw
// it), or every TTL after a command that may touch keys it does not name or
// another database (a script the interpreter ran, a transaction, a
// connection that selected a database).
func (rn *Node) biasAfter(peer *server.Peer, db *miniredis.RedisDB, ci cmdInfo, keys []string, interpreted bool) {
	switch {
	case ci.readOnly:
	case ci.rescan || interpreted || rn.scripts.stateful[peer]:
		biasAll(rn.m)
	default:
		biasKeys(db, keys)
	}
}

// replayDispatch runs one logged command in a replay, as exec ran it: the
// script fast path (fastpath.go), then the bias of the TTLs it wrote.
func (rn *Node) replayDispatch(peer *server.Peer, args []string) {
	st := &rn.scripts
	interpreted := st.interpreted
	rn.dispatch(peer, args)
	ci := rn.cmdInfo(args[0])
	rn.biasAfter(peer, rn.m.DB(0), ci, commandKeys(ci.keys, args), st.interpreted != interpreted)
}
