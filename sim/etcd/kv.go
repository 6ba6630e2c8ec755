package etcd

import (
	"bytes"
	"sort"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// rangeEnd turns a request's range_end into the mvcc convention: nil (or
// empty, which is what an absent proto field arrives as) is the single key;
// "\x00" is every key >= key, encoded as a non-nil empty slice (etcd's
// mkGteRange).
func rangeEnd(end []byte) []byte {
	if len(end) == 0 {
		return nil
	}
	if len(end) == 1 && end[0] == 0 {
		return []byte{}
	}
	return end
}

// rangeKeys is mvcc's storeTxnRead.rangeKeys: ro.rev 0 (or negative) reads
// at cur, a future revision is refused. count is the number of keys in range
// before any limit; kvs is nil when only the count was asked.
func (s *store) rangeKeys(key, end []byte, cur, rev, limit int64, countOnly bool) ([]*mvccpb.KeyValue, int, error) {
	if rev > cur {
		return nil, -1, errFutureRev
	}
	if rev <= 0 {
		rev = cur
	}
	if rev < s.compactMainRev {
		return nil, -1, errCompacted
	}
	kvs := s.rangeAt(key, end, rev)
	if countOnly {
		return nil, len(kvs), nil
	}
	if limit > 0 && int(limit) < len(kvs) {
		return kvs[:limit], len(kvs), nil
	}
	return kvs, len(kvs), nil
}

// applyRange is etcd's applierV3backend.Range, reading at revision cur (the
// store's, or a write txn's read revision): filters by mod/create revision,
// sorts (an unsorted request with a target other than KEY sorts ascending),
// then truncates to limit and sets More. Sorting uses sort.Sort with etcd's
// own Less functions, so ties land where etcd puts them.
func (s *store) applyRange(cur int64, r *pb.RangeRequest) (*pb.RangeResponse, error) {
	limit := r.Limit
	if r.SortOrder != pb.RangeRequest_NONE || r.MinModRevision != 0 || r.MaxModRevision != 0 ||
		r.MinCreateRevision != 0 || r.MaxCreateRevision != 0 {
		limit = 0
	}
	if limit > 0 {
		limit++
	}
	kvs, count, err := s.rangeKeys(r.Key, rangeEnd(r.RangeEnd), cur, r.Revision, limit, r.CountOnly)
	if err != nil {
		return nil, err
	}
	prune := func(drop func(kv *mvccpb.KeyValue) bool) {
		j := 0
		for _, kv := range kvs {
			if !drop(kv) {
				kvs[j] = kv
				j++
			}
		}
		kvs = kvs[:j]
	}
	if r.MaxModRevision != 0 {
		prune(func(kv *mvccpb.KeyValue) bool { return kv.ModRevision > r.MaxModRevision })
	}
	if r.MinModRevision != 0 {
		prune(func(kv *mvccpb.KeyValue) bool { return kv.ModRevision < r.MinModRevision })
	}
	if r.MaxCreateRevision != 0 {
		prune(func(kv *mvccpb.KeyValue) bool { return kv.CreateRevision > r.MaxCreateRevision })
	}
	if r.MinCreateRevision != 0 {
		prune(func(kv *mvccpb.KeyValue) bool { return kv.CreateRevision < r.MinCreateRevision })
	}
	order := r.SortOrder
	if r.SortTarget != pb.RangeRequest_KEY && order == pb.RangeRequest_NONE {
		order = pb.RangeRequest_ASCEND
	}
	if order != pb.RangeRequest_NONE {
		var sorter sort.Interface = kvSorter{kvs, r.SortTarget}
		if order == pb.RangeRequest_DESCEND {
			sorter = sort.Reverse(sorter)
		}
		if order == pb.RangeRequest_ASCEND || order == pb.RangeRequest_DESCEND {
			sort.Sort(sorter)
		}
	}
	resp := &pb.RangeResponse{Header: &pb.ResponseHeader{Revision: cur}, Count: int64(count)}
	if r.Limit > 0 && len(kvs) > int(r.Limit) {
		kvs = kvs[:r.Limit]
		resp.More = true
	}
	for _, kv := range kvs {
		if r.KeysOnly {
			kv.Value = nil
		}
	}
	resp.Kvs = kvs
	return resp, nil
}

// kvSorter holds etcd's kvSortBy* Less functions in one type.
type kvSorter struct {
	kvs    []*mvccpb.KeyValue
	target pb.RangeRequest_SortTarget
}

func (s kvSorter) Len() int      { return len(s.kvs) }
func (s kvSorter) Swap(i, j int) { s.kvs[i], s.kvs[j] = s.kvs[j], s.kvs[i] }
func (s kvSorter) Less(i, j int) bool {
	a, b := s.kvs[i], s.kvs[j]
	switch s.target {
	case pb.RangeRequest_VERSION:
		return a.Version < b.Version
	case pb.RangeRequest_CREATE:
		return a.CreateRevision < b.CreateRevision
	case pb.RangeRequest_MOD:
		return a.ModRevision < b.ModRevision
	case pb.RangeRequest_VALUE:
		return bytes.Compare(a.Value, b.Value) < 0
	default:
		return bytes.Compare(a.Key, b.Key) < 0
	}
}

// applyPut is applierV3backend.Put inside tw. The lease must exist (checked
// by the caller, before the txn begins, as etcd does); ignore_value and
// ignore_lease take the previous pair's, which must exist.
func (m *Member) applyPut(tw *writeTxn, p *pb.PutRequest) (*pb.PutResponse, error) {
	resp := &pb.PutResponse{Header: &pb.ResponseHeader{}}
	val, leaseID := p.Value, p.Lease
	var prev *mvccpb.KeyValue
	if p.IgnoreValue || p.IgnoreLease || p.PrevKv {
		prev, _ = m.store.get(string(p.Key), tw.readRev())
	}
	if (p.IgnoreValue || p.IgnoreLease) && prev == nil {
		return nil, errKeyNotFound
	}
	if p.IgnoreValue {
		val = prev.Value
	}
	if p.IgnoreLease {
		leaseID = prev.Lease
	}
	if p.PrevKv && prev != nil {
		resp.PrevKv = prev
	}
	resp.Header.Revision = tw.put(p.Key, val, leaseID)
	return resp, nil
}

// applyDelete is applierV3backend.DeleteRange inside tw.
func (m *Member) applyDelete(tw *writeTxn, d *pb.DeleteRangeRequest) *pb.DeleteRangeResponse {
	resp := &pb.DeleteRangeResponse{Header: &pb.ResponseHeader{}}
	end := rangeEnd(d.RangeEnd)
	if d.PrevKv {
		resp.PrevKvs = m.store.rangeAt(d.Key, end, tw.readRev())
	}
	resp.Deleted, resp.Header.Revision = tw.deleteRange(d.Key, end)
	return resp
}

// put serves a top-level Put: request checks, lease lookup, then one write
// txn.
func (m *Member) put(p *pb.PutRequest) (*pb.PutResponse, error) {
	if err := checkPut(p); err != nil {
		return nil, err
	}
	if p.Lease != 0 && m.lessor.lookup(p.Lease) == nil {
		return nil, errLeaseNotFound
	}
	tw := m.beginWrite()
	resp, err := m.applyPut(tw, p)
	m.endWrite(tw)
	if err != nil {
		return nil, err
	}
	m.fill(resp.Header)
	return resp, nil
}

func (m *Member) deleteRange(d *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	if len(d.Key) == 0 {
		return nil, errEmptyKey
	}
	tw := m.beginWrite()
	resp := m.applyDelete(tw, d)
	m.endWrite(tw)
	m.fill(resp.Header)
	return resp, nil
}

func (m *Member) rangeReq(r *pb.RangeRequest) (*pb.RangeResponse, error) {
	if len(r.Key) == 0 {
		return nil, errEmptyKey
	}
	resp, err := m.store.applyRange(m.store.rev, r)
	if err != nil {
		return nil, err
	}
	m.fill(resp.Header)
	return resp, nil
}
