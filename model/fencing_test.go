package model

import (
	"testing"

	"github.com/locksim/locksim/histories"
)

func TestFencing(t *testing.T) {
	runCheckCases(t, NameFencing, CheckFencing, []checkCase{
		{"sequential holders, increasing tokens", func(t *testing.T) histories.History { return sequential(t).history() },
			OK, []string{"the 6 accesses the storage accepted carry strictly increasing tokens across holders"}},
		{"stale write rejected", func(t *testing.T) histories.History { return gcPause(t, true).history() },
			OK, []string{"3 accesses"}},
		{"stale write accepted", func(t *testing.T) histories.History {
			b := gcPause(t, true)
			for i, e := range b.h {
				if e.Outcome == histories.Rejected {
					b.h[i].Outcome = histories.Accepted
					if e.Type == histories.Fail {
						b.h[i].Type = histories.OK
					}
				}
			}
			return b.history()
		}, Violation, []string{"the storage accepted a lower token on \"counter\": token 33 from client 1 (cs 1) for its write 1 at 3.115s, after it had accepted token 34 from client 2 (cs 3) for its write 1 at 1.424s"}},
		{"same token, two holders", func(t *testing.T) histories.History {
			b := newBuilder(t)
			cs1 := b.acquire(1, "L", "v1", 7, 0, 10, 300)
			b.rmw(1, cs1, 7, 20, 0, 1)
			cs2 := b.acquire(2, "L", "v2", 7, 400, 410, 700)
			b.rmw(2, cs2, 7, 420, 1, 2)
			return b.history()
		}, Violation, []string{"the storage accepted the same token from another critical section"}},
		{"access without token once tokens are used", func(t *testing.T) histories.History {
			b := sequential(t)
			b.access(access{op: histories.OpWrite, client: 4, inv: 5000, at: 5001, done: 5002, counter: histories.Int64(9)})
			return b.history()
		}, Violation, []string{"the storage accepted an access without a fencing token on \"counter\": client 4's write 9 at 5.001s"}},
		{"lock without tokens", func(t *testing.T) histories.History { return gcPause(t, false).history() },
			Unknown, []string{"no fencing token appears in the history"}},
	})
}
