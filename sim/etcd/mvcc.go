package etcd

import (
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// writeTxn is one write transaction of the store, etcd's storeTxnWrite:
// every change it makes carries the revision begin+1, with sub-revisions in
// order, and reads inside it see its own changes.
type writeTxn struct {
	s      *store
	le     *lessor
	begin  int64
	events []*mvccpb.Event
}

func (m *Member) beginWrite() *writeTxn {
	return &writeTxn{s: m.store, le: m.lessor, begin: m.store.rev}
}

// readRev is the revision reads inside the txn see: begin, or begin+1 once
// the txn has changed something (storeTxnWrite.Range).
func (tw *writeTxn) readRev() int64 {
	if len(tw.events) > 0 {
		return tw.begin + 1
	}
	return tw.begin
}

// put writes key and returns the revision the txn will commit at. A key
// that existed keeps its create revision and counts one more version; a
// new (or deleted) key starts again at version 1. The key moves from its old
// lease to the new one, as storeTxnWrite.put detaches and attaches.
func (tw *writeTxn) put(key, value []byte, leaseID int64) int64 {
	rev := tw.begin + 1
	create, version, oldLease := rev, int64(1), int64(0)
	if prev, ok := tw.s.get(string(key), rev); ok {
		create, version, oldLease = prev.CreateRevision, prev.Version+1, prev.Lease
	}
	kv := &mvccpb.KeyValue{
		Key: cloneBytes(key), Value: cloneBytes(value),
		CreateRevision: create, ModRevision: rev, Version: version, Lease: leaseID,
	}
	tw.s.append(string(key), record{main: rev, sub: int64(len(tw.events)), kv: kv})
	tw.events = append(tw.events, &mvccpb.Event{Type: mvccpb.PUT, Kv: cloneKV(kv)})
	if oldLease != 0 {
		tw.le.detach(oldLease, string(key))
	}
	if leaseID != 0 {
		tw.le.attach(leaseID, string(key))
	}
	return rev
}

// deleteRange deletes the live keys of [key, end) (mvcc convention for end)
// and returns how many, and the revision etcd reports: begin+1 when this or
// an earlier op of the txn changed something, begin otherwise.
func (tw *writeTxn) deleteRange(key, end []byte) (int64, int64) {
	rev := tw.begin + 1
	var n int64
	for _, kv := range tw.s.rangeAt(key, end, tw.readRev()) {
		// A tombstone holds only the key; its mod revision is the
		// deleting revision (watchable_store_txn.End sets it on the event).
		tomb := &mvccpb.KeyValue{Key: cloneBytes(kv.Key), ModRevision: rev}
		tw.s.append(string(kv.Key), record{main: rev, sub: int64(len(tw.events)), kv: tomb, tombstone: true})
		tw.events = append(tw.events, &mvccpb.Event{Type: mvccpb.DELETE, Kv: cloneKV(tomb)})
		if kv.Lease != 0 {
			tw.le.detach(kv.Lease, string(kv.Key))
		}
		n++
	}
	if n != 0 || len(tw.events) > 0 {
		return n, rev
	}
	return 0, tw.begin
}

// end commits the txn: the store's revision moves to begin+1 if anything
// changed, and the txn's events go to the watchers.
func (m *Member) endWrite(tw *writeTxn) {
	if len(tw.events) == 0 {
		return
	}
	m.store.rev = tw.begin + 1
	m.watches.notify(m, m.store.rev, tw.events)
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
