package model

import (
	"fmt"
	"testing"

	"github.com/locksim/locksim/histories"
)

// BenchmarkLinearizable10k checks 10,000 critical sections on 10 counters,
// each overlapping up to 3 neighbours on either side (porcupine partitions by
// key). It must stay well under a second per check.
func BenchmarkLinearizable10k(b *testing.B) {
	benchCheck(b, CheckResourceLinearizable, stretchedCounterHistory(10_000, 10, 3, 1, false), OK)
}

// BenchmarkLinearizable10kLostUpdate is the same history with one lost
// update: porcupine must prove no order exists, then explain it.
func BenchmarkLinearizable10kLostUpdate(b *testing.B) {
	benchCheck(b, CheckResourceLinearizable, stretchedCounterHistory(10_000, 10, 3, 1, true), Violation)
}

// BenchmarkLockLinearizable10k checks 10,000 acquire/release pairs on 10
// locks.
func BenchmarkLockLinearizable10k(b *testing.B) {
	var h histories.History
	id := 0
	for i := range 10_000 {
		key := fmt.Sprintf("L%d", i%10)
		t := ms(i)
		v := fmt.Sprintf("v%d", i)
		for _, e := range []histories.Event{
			{Time: t, Type: histories.Invoke, Op: histories.OpAcquire, Key: key, Value: v},
			{Time: t, Type: histories.OK, Op: histories.OpAcquire, Key: key, Value: v},
			{Time: t, Type: histories.Invoke, Op: histories.OpRelease, Key: key, Value: v},
			{Time: t, Type: histories.OK, Op: histories.OpRelease, Key: key, Value: v},
		} {
			if e.Type == histories.Invoke {
				id++
			}
			e.OpID, e.Process, e.Node = id, i%7, "c"
			h = append(h, e)
		}
	}
	benchCheck(b, CheckLockLinearizable, h, OK)
}

// benchCheck times check on h, failing unless every run's verdict is want.
func benchCheck(b *testing.B, check func(histories.History, Options) Result, h histories.History, want Verdict) {
	b.Helper()
	b.ResetTimer()
	for b.Loop() {
		if r := check(h, Options{}); r.Verdict != want {
			b.Fatalf("%v: %s", r.Verdict, r.Explanation)
		}
	}
}
