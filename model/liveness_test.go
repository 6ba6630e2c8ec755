package model

import (
	"testing"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/assert"
)

// setnxHolderCrash: client 1 takes a SETNX lock (no TTL) and crashes; client
// 2 retries every second until 20s and never gets it.
func setnxHolderCrash(t *testing.T) *builder {
	b := newBuilder(t)
	b.acquire(1, "L", "v1", 0, 0, 10, 0)
	b.fault("crash", "c1", 2000, -1)
	b.crash(1, 2000)
	for at := 3000; at < 20000; at += 1000 {
		b.acquireEnds(2, "L", "", at, at+100, histories.Fail)
	}
	return b
}

func TestLiveness(t *testing.T) {
	tests := []struct {
		name     string
		history  func(t *testing.T) histories.History
		bound    time.Duration
		verdict  Verdict
		contains []string
	}{
		{"acquired soon after healing", func(t *testing.T) histories.History {
			b := gcPause(t, true)
			b.acquire(2, "L", "v3", 35, 3500, 3510, 3810)
			return b.history()
		}, time.Second, OK, []string{"after the last fault healed at 3.100s, client 2 acquired \"L\" at 3.510s"}},
		{"no faults", func(t *testing.T) histories.History { return sequential(t).history() },
			time.Second, OK, []string{"with no fault, client 1 acquired \"L\" at 1.010s"}},
		{"setnx holder crashed: stuck", func(t *testing.T) histories.History { return setnxHolderCrash(t).history() },
			5 * time.Second, Violation, []string{
				"after the last fault healed at 2.000s (bound 5000ms)",
				"lock \"L\" is stuck: its holder client 1 (value v1, acquired at 0.010s) crashed on c1 at 2.000s without releasing it, and no expiry was recorded",
				"no client acquired \"L\" by 7.000s (5 attempts, 4 failed or timed out by then)",
			}},
		{"stuck, known from the crash fault alone", func(t *testing.T) histories.History {
			b := setnxHolderCrash(t)
			b.h = b.h.Filter(func(e histories.Event) bool { return e.Op != histories.OpCrash })
			return b.history()
		}, 5 * time.Second, Violation, []string{"its holder client 1 (value v1, acquired at 0.010s) crashed on c1 at 2.000s"}},
		{"every client crashed: vacuous", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.acquire(1, "L", "v1", 0, 0, 10, 0)
			b.crash(1, 2000)
			b.crash(2, 2000)
			b.acquireEnds(2, "L", "", 1000, 1500, histories.Fail)
			return b.history()
		}, 5 * time.Second, OK, []string{"every client crashed by 2.000s and none restarts"}},
		{"all but one client crashed: the survivor waits", func(t *testing.T) histories.History {
			b := setnxHolderCrash(t)
			b.crash(3, 2000)
			return b.history()
		}, 5 * time.Second, Violation, []string{"lock \"L\" is stuck"}},
		{"holder crashed but the key expired", func(t *testing.T) histories.History {
			b := setnxHolderCrash(t)
			b.expire("redis-1", "L", "v1", 2500)
			return b.history()
		}, 5 * time.Second, Violation, []string{"no client acquired \"L\" by 7.000s"}},
		{"history ends before the bound", func(t *testing.T) histories.History { return setnxHolderCrash(t).history() },
			time.Minute, Unknown, []string{"the history ends at 19.100s, before the bound runs out at 62.000s"}},
		{"fault never healed", func(t *testing.T) histories.History {
			b := sequential(t)
			b.fault("partition", "c1|redis-1", 500, -1)
			return b.history()
		}, time.Second, Unknown, []string{"fault 1 partition c1|redis-1 from 0.500s, never healed: liveness after healing cannot be judged"}},
		{"nobody tried after healing", func(t *testing.T) histories.History { return gcPause(t, true).history() },
			10 * time.Millisecond, Unknown, []string{"no client tried to acquire \"L\" between 3.100s and 3.110s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckLiveness(tt.history(t), Options{LivenessBound: tt.bound})
			assert.Equal(t, NameLiveness, r.Check)
			assert.Equal(t, tt.verdict, r.Verdict, r.Explanation)
			for _, s := range tt.contains {
				assert.Contains(t, r.Explanation, s)
			}
		})
	}
	r := CheckLiveness(sequential(t).history(), Options{})
	assert.Equal(t, Unknown, r.Verdict, "no bound, no verdict")
}
