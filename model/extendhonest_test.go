package model

import (
	"fmt"
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/assert"
)

// heldLease records an acquire of client (ms: invoked, granted, valid
// until by its clock, which here reads true time) and returns its OpID.
func (b *builder) heldLease(client int, value string, inv, ok, validUntil int) int {
	id := b.op()
	b.add(histories.Event{Time: ms(inv), LocalTime: ms(inv), Type: histories.Invoke, Op: histories.OpAcquire, OpID: id, Process: client, Node: clientNode(client), Key: "L"})
	b.add(histories.Event{Time: ms(ok), LocalTime: ms(ok), Type: histories.OK, Op: histories.OpAcquire, OpID: id, Process: client, Node: clientNode(client), Key: "L", Value: value,
		ValidUntil: ms(validUntil), ValidUntilTrue: ms(validUntil)})
	return id
}

// extend records an extend of cs by client, invoked at inv and completed
// at done as typ; an ok one returns validUntil.
func (b *builder) extend(client, cs int, value string, inv, done int, typ histories.Type, validUntil int) {
	id := b.op()
	b.add(histories.Event{Time: ms(inv), LocalTime: ms(inv), Type: histories.Invoke, Op: histories.OpExtend, OpID: id, Process: client, Node: clientNode(client), Key: "L", Value: value, CS: cs})
	done1 := histories.Event{Time: ms(done), LocalTime: ms(done), Type: typ, Op: histories.OpExtend, OpID: id, Process: client, Node: clientNode(client), Key: "L", Value: value, CS: cs}
	if typ == histories.OK {
		done1.ValidUntil, done1.ValidUntilTrue = ms(validUntil), ms(validUntil)
	} else {
		done1.Error = "lua \"L\": extend: not the owner"
	}
	b.add(done1)
}

// extending is client 1 holding L from 0 (valid to 8 s) and extending at
// 4 s as typ, valid to validUntil if ok; client 2 is paused meanwhile,
// which touches no extend of client 1.
func extending(t *testing.T, typ histories.Type, validUntil int) *builder {
	b := newBuilder(t)
	cs := b.heldLease(1, "v1", 0, 10, 8000)
	b.fault("pause", "client-2", 1000, 3000)
	b.extend(1, cs, "v1", 4000, 4010, typ, validUntil)
	return b
}

func TestExtendHonest(t *testing.T) {
	check := func(h histories.History, o Options) Result {
		o.ExtendMargin = ms(2000)
		return CheckExtendHonest(h, o)
	}
	runCheckCases(t, NameExtendHonest, check, []checkCase{
		{"a valid holder's extend moves its validity", func(t *testing.T) histories.History { return extending(t, histories.OK, 12000).history() },
			OK, []string{"1 extend invoked by a holder with at least 2000ms of its lease left"}},
		{"a valid holder is refused", func(t *testing.T) histories.History { return extending(t, histories.Fail, 0).history() },
			Violation, []string{"client 1's extend (op 2, invoked 4.000s with its lease valid for 4000ms more by its own clock, margin 2000ms", "was refused at 4.010s: lua \"L\": extend: not the owner"}},
		{"a valid holder's extend is indeterminate", func(t *testing.T) histories.History { return extending(t, histories.Info, 0).history() },
			Violation, []string{"ended indeterminate at 4.010s"}},
		{"an ok extend that keeps the old validity", func(t *testing.T) histories.History { return extending(t, histories.OK, 8000).history() },
			Violation, []string{"returned ok at 4.010s but its validity did not move forward (8.000s by its clock, was 8.000s)"}},
		{"a refused extend with the holder paused since its acquire: not judged", func(t *testing.T) histories.History {
			b := extending(t, histories.Fail, 0)
			b.fault("pause", "client-1", 2000, 3000)
			return b.history()
		}, OK, []string{"not applicable"}},
		{"a refused extend during a partition from a Redis node: not judged", func(t *testing.T) histories.History {
			b := extending(t, histories.Fail, 0)
			b.fault("partition", "client-1,client-3 <-> redis-2", 3900, -1)
			return b.history()
		}, OK, []string{"not applicable"}},
		{"a fault on the Redis node before the acquire healed: judged", func(t *testing.T) histories.History {
			b := newBuilder(t)
			b.fault("crash", "redis-1", 0, 500)
			cs := b.heldLease(1, "v1", 1000, 1010, 9000)
			b.extend(1, cs, "v1", 5000, 5010, histories.Fail, 0)
			return b.history()
		}, Violation, []string{"was refused"}},
		{"an extend with less than the margin left: not judged", func(t *testing.T) histories.History {
			b := newBuilder(t)
			cs := b.heldLease(1, "v1", 0, 10, 8000)
			b.extend(1, cs, "v1", 6500, 6510, histories.Fail, 0)
			return b.history()
		}, OK, []string{"not applicable"}},
		{"the extends of one lease chain their validities", func(t *testing.T) histories.History {
			b := newBuilder(t)
			cs := b.heldLease(1, "v1", 0, 10, 8000)
			b.extend(1, cs, "v1", 4000, 4010, histories.OK, 12000)
			b.extend(1, cs, "v1", 8000, 8010, histories.OK, 12000) // 4 s left of the extended lease, not moved
			return b.history()
		}, Violation, []string{"client 1's extend (op 3", "(12.000s by its clock, was 12.000s)"}},
		{"after a failed extend the lease is not judged again", func(t *testing.T) histories.History {
			b := newBuilder(t)
			cs := b.heldLease(1, "v1", 0, 10, 8000)
			b.fault("partition", "client-1 <-> redis-1", 3000, 4500)
			b.extend(1, cs, "v1", 4000, 4010, histories.Fail, 0)
			b.extend(1, cs, "v1", 5000, 5010, histories.Fail, 0)
			return b.history()
		}, OK, []string{"not applicable"}},
	})
}

func TestExtendHonestNeedsAMargin(t *testing.T) {
	r := CheckExtendHonest(extending(t, histories.Fail, 0).history(), Options{})
	assert.Equal(t, Unknown, r.Verdict)
}

func TestExtendHonestNotes(t *testing.T) {
	b := extending(t, histories.OK, 12000)
	cs := b.heldLease(3, "v3", 20000, 20010, 28000)
	b.extend(3, cs, "v3", 27000, 27010, histories.Fail, 0)
	r := CheckExtendHonest(b.history(), Options{ExtendMargin: ms(2000)})
	assert.Equal(t, OK, r.Verdict, r.Explanation)
	assert.Equal(t, []string{"not judged: 1 invoked with less than the margin left"}, r.Notes)
}

func TestFaultTouches(t *testing.T) {
	for _, tt := range []struct {
		target string
		want   bool
	}{
		{"client-1", true},
		{"client-2", false},
		{"storage", false},
		{"redis-3", true},
		{"redis-*", true},
		{"*", true},
		{"holder", true},
		{"client-1 <-> redis-1,redis-2", true},
		{"redis-1 -> client-1", true},
		{"client-2 <-> redis-1", false},
		{"client-1 <-> storage", false},
		{"client-1 -> *", true},
		{"client-2,client-3 <-> client-1", false},
	} {
		assert.Equal(t, tt.want, faultTouches(tt.target, "client-1"), tt.target)
	}
}

// clientNode names client's node as the scenario layer does, which the
// check's fault targets are matched against.
func clientNode(client int) string { return fmt.Sprintf("client-%d", client) }
