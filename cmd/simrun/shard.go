package main

import (
	"fmt"
	"strconv"
	"strings"
)

// maxShards bounds n in --shard i/n: more shards than this is a typo.
const maxShards = 100_000

// shard is --shard i/n: of a range of seeds, the ones with seed mod n ==
// i. Interleaving, not contiguous ranges, because it needs no end: a
// continuous search (--for) of shard i draws i, i+n, i+2n, ... for as long
// as it runs, and never meets another shard's seeds; it also spreads the
// slow seeds of a range over every shard. n == 0: no sharding.
type shard struct{ i, n uint64 }

// parseShard parses "i/n".
func parseShard(v string) (shard, error) {
	a, b, ok := strings.Cut(v, "/")
	i, errI := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
	n, errN := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
	if !ok || errI != nil || errN != nil {
		return shard{}, badInput("--shard: %q is not i/n (e.g. 0/4, the first of four shards)", v)
	}
	if n < 1 || n > maxShards {
		return shard{}, badInput("--shard: %d shards is out of range 1..%d", n, maxShards)
	}
	if i >= n {
		return shard{}, badInput("--shard: index %d is out of range 0..%d for %d shards", i, n-1, n)
	}
	return shard{i, n}, nil
}

func (s shard) String() string {
	if s.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.i, s.n)
}

// seeds returns the first seed of the shard in from..last, the step and the
// number of its seeds there (0 if none).
func (s shard) seeds(from, last uint64) (first, step uint64, count int) {
	if s.n <= 1 {
		return from, 1, int(last - from + 1)
	}
	first = from + (s.i+s.n-from%s.n)%s.n
	if first > last || first < from { // past the range, or wrapped around
		return 0, s.n, 0
	}
	return first, s.n, int((last-first)/s.n + 1)
}
