package redis

import (
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// TTL ageing without a tick per command.
//
// With ClockTTL, miniredis stores each key's TTL as the time remaining, and
// a tick (any access through the Miniredis, or a dispatched command that
// touches a database) subtracts the wall time elapsed since the previous
// tick from every TTL and deletes the keys it brings to zero. A tick lists
// and sorts every key: it was a quarter of a SET NX PX round trip.
//
// So the commands of the fast path (SET key value NX PX, GET and DEL of one
// key, and the scripts of package locks) leave the TTLs unaged when they
// can. The node records the
// wall clock of the last tick, the baseline: a stored TTL s then means
// s − (now − baseline) remaining, a TTL written now is stored as
// ttl + (now − baseline), and the next tick, whoever does it, subtracts the
// whole time elapsed since the baseline, which makes both exact. A command
// runs unaged only if
//   - every key it names is absent, or alive at its instant (a key the
//     pending ageing would expire is still in the map, so the command ticks
//     first), and holds no hash, if the node ever ran a command that may
//     have given hash fields TTLs of their own (mayHashTTL);
//   - the clock did not go back since the last access;
//   - the node's miniredis was not handed out (Node.Miniredis) and
//     scripts are not forced through the interpreter.
//
// A fast-path command that dispatches to miniredis (the fenced acquire's GET
// and INCR, SCRIPT EXISTS and LOAD, the interpreter when the fast path
// declines) ticks right after, and writes TTLs unadjusted from then on. A
// probe of a tracked key at its deadline deletes just that key, as the tick
// would (tryProbe).
//
// Replies, keyspaces, TTLs, expiry events and traces are those of a tick per
// command (the differential and determinism tests check it); the only
// difference is inside miniredis, which keeps an expired key in its map
// until the next tick, where no command can see it.

// aging is when a Redis node's miniredis last aged its TTLs.
type aging struct {
	db *miniredis.RedisDB // database 0 at the last tick; nil: tick before trusting at
	at time.Time          // the node's wall clock at the last tick: the TTL baseline
}

// ticked records a tick at wall, which returned db.
func (a *aging) ticked(db *miniredis.RedisDB, wall time.Time) { a.db, a.at = db, wall }

// forget makes the next command tick: the database may have been swapped
// (SWAPDB, in a transaction or a script) or the miniredis replaced.
func (a *aging) forget() { a.db = nil }

// clockFor brings the miniredis clock to the node's wall clock for a
// command that names keys, and returns that instant and database 0: aged
// (a tick) or, for a fast-path command that can run unaged, with the pending
// ageing in rn.scripts.pending.
func (rn *Node) clockFor(args, keys []string) (time.Time, *miniredis.RedisDB) {
	st := &rn.scripts
	if st.m == rn.m && !st.interpret && !rn.reg.interpretScripts && fastCandidate(args) {
		if wall, db, pending, ok := rn.unaged(keys); ok {
			st.pending = pending
			return wall, db
		}
	}
	wall := rn.syncClock()
	return wall, rn.aging.db
}

// unaged brings the miniredis clock (not its TTL baseline) to the node's
// wall clock and returns database 0 and the pending ageing, if keys can be
// used there without a tick; else it changes nothing and reports false.
func (rn *Node) unaged(keys []string) (time.Time, *miniredis.RedisDB, time.Duration, bool) {
	db := rn.aging.db
	if db == nil || rn.scripts.dispatch {
		return time.Time{}, nil, 0, false
	}
	wall := rn.wall()
	pending := wall.Sub(rn.aging.at)
	if wall.Before(rn.lastSeen) || !unexpired(db, keys, pending, rn.hashTTLs) {
		return time.Time{}, nil, 0, false
	}
	if wall.After(rn.lastSeen) {
		rn.lastSeen = wall
		rn.m.SetTime(wall) // for LRU stamps and TIME; the TTL baseline stays
	}
	return wall, db, pending, true
}

// done ends a command: if anything ticked during it (pending is then 0),
// the baseline is its instant.
func (a *aging) done(st *scriptState, wall time.Time) {
	if st.pending == 0 {
		a.at = wall
	}
	st.pending = 0
}

// fastCandidate reports whether a command may take the fast path:
// SET key value with three options (SET NX with a TTL), GET key, DEL key,
// EVAL or EVALSHA.
func fastCandidate(args []string) bool {
	switch len(args[0]) {
	case 3:
		switch len(args) {
		case 2:
			return strings.EqualFold(args[0], "GET") || strings.EqualFold(args[0], "DEL")
		case 6:
			return strings.EqualFold(args[0], "SET")
		}
		return false
	case 4:
		return len(args) >= 3 && strings.EqualFold(args[0], "EVAL")
	case 7:
		return len(args) >= 3 && strings.EqualFold(args[0], "EVALSHA")
	}
	return false
}

// unexpired reports whether none of keys expires within pending of db's TTL
// baseline and, if hashes may have field TTLs, none is a hash.
func unexpired(db *miniredis.RedisDB, keys []string, pending time.Duration, hashTTLs bool) bool {
	for _, k := range keys {
		if expiredAfter(db.TTL(k), pending) {
			return false // the unaged-TTL guard: a tick deletes it first
		}
		if hashTTLs && pending > 0 && db.Type(k) == "hash" {
			return false
		}
	}
	return true
}

// expiredAfter reports whether a key whose stored TTL is ttl (0 or less:
// none) has expired once elapsed has passed since the TTL baseline. It is
// the fast path's one statement of when a key expires, and it must be the
// interpreter's: a miniredis tick deletes a key whose TTL has come down to
// zero or below. Stored TTLs carry deadlineBias (redisclock.go), so that
// is a millisecond past the deadline on the node's Redis clock, as in
// Redis (now > deadline). TestDifferentialZeroJitterDeadlines lands
// commands on deadlines, and 1ns either side, to hold the two to it.
func expiredAfter(ttl, elapsed time.Duration) bool { return ttl > 0 && ttl <= elapsed }

// mayHashTTL reports whether a command may give hash fields TTLs: a hash
// command that writes (HEXPIRE, HSETEX and their kin), or a script the
// interpreter ran.
func mayHashTTL(name string, ci cmdInfo, interpreted bool) bool {
	return interpreted || !ci.readOnly && len(name) > 0 && (name[0] == 'H' || name[0] == 'h')
}

// aged makes miniredis age its TTLs now, after a command of the fast path
// dispatched to it (which may or may not have ticked).
func (st *scriptState) aged() {
	if st.pending > 0 {
		st.m.DB(0)
		st.pending = 0
	}
}

// liveTTL is the TTL of key in db as a command sees it: what miniredis
// stores, less the pending ageing (0 if the key has none).
func (st *scriptState) liveTTL(db *miniredis.RedisDB, key string) time.Duration {
	ttl := db.TTL(key)
	if ttl > 0 {
		ttl -= st.pending
	}
	return ttl
}

// tryProbe looks at a tracked key at its deadline without a tick, and
// reports whether it could: the expired key alone is deleted, as the tick
// would delete it.
func (rn *Node) tryProbe(k string) bool {
	db := rn.aging.db
	if db == nil || rn.scripts.dispatch {
		return false
	}
	wall := rn.wall()
	if wall.Before(rn.lastSeen) {
		return false
	}
	rn.lastSeen = wall
	rn.m.SetTime(wall)
	ttl := db.TTL(k)
	switch pending := wall.Sub(rn.aging.at); {
	case expiredAfter(ttl, pending):
		db.Del(k)
		rn.expired(k)
	case !db.Exists(k):
		rn.expired(k)
	case ttl > 0:
		rn.retrackTTL(k, ttl-pending)
	default:
		rn.untrack(k) // no TTL any more
	}
	return true
}
