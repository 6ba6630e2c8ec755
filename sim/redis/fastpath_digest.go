package redis

// Fast paths known by the SHA-1 of their body only.
//
// The scripts of a published library (go-redsync, redislock) are its own
// text: locksim may not copy them, so their fast paths hold only the SHA-1
// of the exact published body (NewFastPathSHA1). EVALSHA needs nothing
// more. An EVAL of such a body is recognised by hashing it, the first time
// the World sees it; from then on the World compares EVAL bodies with it
// byte for byte, as with a body registered in full. A body whose SHA-1
// matches no fast path runs interpreted, as before, and so does any body
// of a library upgrade that changed a script.

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// NewFastPathSHA1 returns the fast path run for the script whose body has
// the SHA-1 digest sha (40 hex digits, as EVALSHA takes it): for an EVALSHA
// of sha, and for an EVAL of any body with that SHA-1. Body returns "".
// It panics if sha is not a SHA-1 in lower-case hex or run is nil.
func NewFastPathSHA1(name, sha string, run ScriptFunc) *FastPath {
	sum, err := hex.DecodeString(sha)
	if err != nil || len(sum) != sha1.Size || hex.EncodeToString(sum) != sha {
		panic(fmt.Sprintf("redis: fast path %s: %q is not a SHA-1 in lower-case hex", name, sha))
	}
	if run == nil {
		panic("redis: fast path " + name + " without a function")
	}
	return &FastPath{name: name, sha: sha, id: binary.BigEndian.Uint64(sum[:8]), run: run, byDigest: true}
}

// fastPathOfBody returns the index of the registered fast path of an EVAL
// body, -1 if there is none. A body matching none is hashed only while
// some fast path made by digest has not seen its body, and not twice in a
// row.
func (w *registry) fastPathOfBody(body string) int {
	for i, b := range w.fastBodies {
		// not a map: hashing a whole body costs more than comparing it
		// with a few, which mostly differ in length or share the
		// caller's constant's bytes (compared by pointer).
		if b == body && w.knownBodies&(1<<i) != 0 {
			return i
		}
	}
	if w.unknownBodies == 0 || body == w.lastMiss {
		return -1
	}
	sum := sha1.Sum([]byte(body))
	sha := hex.EncodeToString(sum[:])
	for i, fp := range w.fastPaths {
		if w.knownBodies&(1<<i) == 0 && fp.sha == sha {
			w.fastBodies[i] = body
			w.knownBodies |= 1 << i
			w.unknownBodies--
			return i
		}
	}
	w.lastMiss = body
	return -1
}
