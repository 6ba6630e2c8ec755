package model

import (
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clockTokens: a lock that takes its token from the client's wall clock
// (in ms) instead of INCR. Client 1's clock runs 32 s ahead: its grant at
// 1 s gets token 33010, client 2's later grant at 2 s gets 2010. The
// storage has seen 33010, so it rejects client 2's accesses: the accesses
// it accepts stay ordered, and only the grant order shows the bug.
func clockTokens(t *testing.T) *builder {
	b := newBuilder(t)
	b.counterState("counter", 0, 0)
	cs1 := b.acquire(1, "L", "v1", 33010, 1000, 1010, 1500)
	b.rmw(1, cs1, 33010, 1020, 0, 1)
	b.release(1, cs1, "L", "v1", 1100, 1110, histories.OK)
	cs2 := b.acquire(2, "L", "v2", 2010, 2000, 2010, 2500)
	b.access(access{op: histories.OpRead, client: 2, cs: cs2, token: 2010, inv: 2020, at: 2025, done: 2030,
		outcome: histories.Rejected, typ: histories.Fail})
	b.release(2, cs2, "L", "v2", 2100, 2110, histories.OK)
	b.counterState("counter", 1, 3000)
	return b
}

func TestFencingOrder(t *testing.T) {
	runCheckCases(t, NameFencingOrder, CheckFencingOrder, []checkCase{
		{"tokens rise with the grants", func(t *testing.T) histories.History { return sequential(t).history() },
			OK, []string{"2 grants compared with the grants before them: every grant that followed another has a greater token"}},
		{"wall-clock token: a later grant with a lower token", func(t *testing.T) histories.History { return clockTokens(t).history() },
			Violation, []string{
				`fencing tokens do not rise in the order the lock "L" was granted`,
				"client 2's acquire (op 5, invoked 2.000s, granted 2.010s, token 2010) was granted after client 1's acquire (op 1, invoked 1.000s, granted 1.010s, token 33010) had completed, with a lower token: a storage that rejects tokens below the highest it has seen locks the later, rightful holder out",
			}},
		{"a later grant repeats a token", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "L", "v1", 7, 0, 10, 100)
			b.acquire(2, "L", "v2", 7, 200, 210, 300)
			return b.history()
		}, Violation, []string{"with the same token"}},
		{"the highest earlier grant counts, not the last", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "L", "v1", 9, 0, 10, 100)
			b.acquire(2, "L", "v2", 5, 5, 20, 100) // overlaps client 1's: not compared
			b.acquire(3, "L", "v3", 8, 200, 210, 300)
			return b.history()
		}, Violation, []string{"client 3's acquire (op 3, invoked 0.200s, granted 0.210s, token 8) was granted after client 1's acquire (op 1, invoked 0.000s, granted 0.010s, token 9)"}},
		{"overlapping grants: order not determined", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "L", "v1", 9, 0, 100, 200)
			b.acquire(2, "L", "v2", 5, 50, 60, 200)
			return b.history()
		}, OK, []string{"0 grants compared"}},
		{"indeterminate acquire: token unknown", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "L", "v1", 4, 0, 10, 100)
			b.acquireEnds(2, "L", "v2", 20, 30, histories.Info)
			b.acquire(3, "L", "v3", 5, 200, 210, 300)
			return b.history()
		}, OK, []string{"1 grant compared"}},
		{"tokens per lock key", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "A", "v1", 9, 0, 10, 100)
			b.acquire(2, "B", "v2", 1, 200, 210, 300)
			return b.history()
		}, OK, nil},
		{"no tokens", func(t *testing.T) histories.History { return gcPause(t, false).history() },
			Unknown, []string{"no acquire returned a fencing token"}},
	})
}

// TestFencingOrderSeesWhatTheStorageCannot: on the wall-clock history the
// storage-side check passes (it rejected the rightful holder), and only the
// grant order fails; CheckAll with Fencing runs both.
func TestFencingOrderSeesWhatTheStorageCannot(t *testing.T) {
	h := clockTokens(t).history()
	assert.Equal(t, OK, CheckFencing(h, Options{}).Verdict)
	rs := CheckAll(h, Options{Fencing: true})
	require.Equal(t, Violation, verdicts(rs)[NameFencingOrder])
	assert.Equal(t, Violation, Combine(rs))
	_, ran := verdicts(CheckAll(h, Options{}))[NameFencingOrder]
	assert.False(t, ran, "fencing order runs only for fenced locks")
}

func TestFencingOrderNotes(t *testing.T) {
	b := newBuilder(t)
	b.acquire(1, "L", "v1", 9, 0, 100, 200)
	b.acquire(2, "L", "v2", 10, 50, 60, 200)
	b.acquire(3, "L", "v3", 0, 300, 310, 400)
	b.acquireEnds(4, "L", "v4", 500, 510, histories.Info)
	r := CheckFencingOrder(b.history(), Options{})
	require.Equal(t, OK, r.Verdict, r.Explanation)
	assert.Equal(t, []string{
		"2 grants with no earlier grant completed before its acquire began: order not determined, not compared",
		"1 grant without a token: not compared",
		"1 acquire indeterminate: token unknown, not compared",
	}, r.Notes)
}
