package etcd

import (
	"bytes"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// txn serves a Txn as etcd 3.4 does: gRPC-level checks, then every compare
// of the chosen path (nested txns included) is evaluated up front against
// the state before the txn, then the puts and ranges of that path are
// checked, and only then does anything run, inside one write txn (one
// revision).
func (m *Member) txn(r *pb.TxnRequest) (*pb.TxnResponse, error) {
	if err := checkTxn(r, m.cfg.MaxTxnOps); err != nil {
		return nil, err
	}
	if _, _, err := checkIntervals(r.Success); err != nil {
		return nil, err
	}
	if _, _, err := checkIntervals(r.Failure); err != nil {
		return nil, err
	}
	cur := m.store.rev
	path := m.compareToPath(cur, r)
	if !txnReadonly(r) {
		if _, err := walkPath(r, path, func(op *pb.RequestOp) error { return m.checkRequestPut(cur, op) }); err != nil {
			return nil, err
		}
	}
	if _, err := walkPath(r, path, func(op *pb.RequestOp) error { return m.checkRequestRange(cur, op) }); err != nil {
		return nil, err
	}
	tw := m.beginWrite()
	resp := &pb.TxnResponse{Header: &pb.ResponseHeader{}}
	m.applyTxn(tw, r, path, resp)
	rev := tw.begin
	if len(tw.events) > 0 {
		rev++
	}
	m.endWrite(tw)
	resp.Header.Revision = rev
	m.fill(resp.Header)
	return resp, nil
}

// compareToPath is etcd's: the outcome of this txn's compares, followed by
// the outcomes of the txns nested in the branch it takes, depth first.
func (m *Member) compareToPath(rev int64, r *pb.TxnRequest) []bool {
	ok := true
	for _, c := range r.Compare {
		if !m.applyCompare(rev, c) {
			ok = false
			break
		}
	}
	path := []bool{ok}
	ops := r.Success
	if !ok {
		ops = r.Failure
	}
	for _, op := range ops {
		if t := op.GetRequestTxn(); t != nil {
			path = append(path, m.compareToPath(rev, t)...)
		}
	}
	return path
}

// applyCompare: every key of the compare's range must satisfy it; a range
// with no key compares a zero KeyValue, except on VALUE, which then fails
// ("no way to represent missing value", etcd).
func (m *Member) applyCompare(rev int64, c *pb.Compare) bool {
	kvs := m.store.rangeAt(c.Key, rangeEnd(c.RangeEnd), rev)
	if len(kvs) == 0 {
		if c.Target == pb.Compare_VALUE {
			return false
		}
		return compareKV(c, &mvccpb.KeyValue{})
	}
	for _, kv := range kvs {
		if !compareKV(c, kv) {
			return false
		}
	}
	return true
}

func compareKV(c *pb.Compare, kv *mvccpb.KeyValue) bool {
	var result int
	switch c.Target {
	case pb.Compare_VALUE:
		v := c.GetValue()
		if v == nil {
			v = []byte{}
		}
		result = bytes.Compare(kv.Value, v)
	case pb.Compare_CREATE:
		result = cmpInt(kv.CreateRevision, c.GetCreateRevision())
	case pb.Compare_MOD:
		result = cmpInt(kv.ModRevision, c.GetModRevision())
	case pb.Compare_VERSION:
		result = cmpInt(kv.Version, c.GetVersion())
	case pb.Compare_LEASE:
		result = cmpInt(kv.Lease, c.GetLease())
	}
	switch c.Result {
	case pb.Compare_EQUAL:
		return result == 0
	case pb.Compare_NOT_EQUAL:
		return result != 0
	case pb.Compare_GREATER:
		return result > 0
	case pb.Compare_LESS:
		return result < 0
	}
	return true
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// walkPath calls f on every non-txn op of the path's branches (etcd's
// checkRequests) and returns how many nested txns it went through.
func walkPath(r *pb.TxnRequest, path []bool, f func(*pb.RequestOp) error) (int, error) {
	count := 0
	reqs := r.Success
	if !path[0] {
		reqs = r.Failure
	}
	for _, req := range reqs {
		if t := req.GetRequestTxn(); t != nil {
			n, err := walkPath(t, path[1:], f)
			if err != nil {
				return 0, err
			}
			count += n + 1
			path = path[n+1:]
			continue
		}
		if err := f(req); err != nil {
			return 0, err
		}
	}
	return count, nil
}

func (m *Member) checkRequestPut(rev int64, op *pb.RequestOp) error {
	p := op.GetRequestPut()
	if p == nil {
		return nil
	}
	if p.IgnoreValue || p.IgnoreLease {
		if _, ok := m.store.get(string(p.Key), rev); !ok {
			return errKeyNotFound
		}
	}
	if p.Lease != 0 && m.lessor.lookup(p.Lease) == nil {
		return errLeaseNotFound
	}
	return nil
}

func (m *Member) checkRequestRange(rev int64, op *pb.RequestOp) error {
	r := op.GetRequestRange()
	if r == nil {
		return nil
	}
	switch {
	case r.Revision == 0:
		return nil
	case r.Revision > rev:
		return errFutureRev
	case r.Revision < m.store.compactMainRev:
		return errCompacted
	}
	return nil
}

func txnReadonly(r *pb.TxnRequest) bool {
	for _, ops := range [][]*pb.RequestOp{r.Success, r.Failure} {
		for _, op := range ops {
			switch {
			case op.GetRequestRange() != nil:
			case op.GetRequestTxn() != nil:
				if !txnReadonly(op.GetRequestTxn()) {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

// applyTxn runs the path's branch inside tw (etcd's applyTxn); a nested
// txn's response header stays empty (revision 0), as in etcd 3.4.
func (m *Member) applyTxn(tw *writeTxn, r *pb.TxnRequest, path []bool, resp *pb.TxnResponse) int {
	reqs := r.Success
	resp.Succeeded = path[0]
	if !path[0] {
		reqs = r.Failure
	}
	txns := 0
	resp.Responses = make([]*pb.ResponseOp, len(reqs))
	for i, req := range reqs {
		out := &pb.ResponseOp{}
		switch tv := req.Request.(type) {
		case *pb.RequestOp_RequestRange:
			rr, err := m.store.applyRange(tw.readRev(), tv.RequestRange)
			if err != nil {
				panic("etcd model: unexpected error during txn: " + err.Error()) // checked above, as etcd panics
			}
			out.Response = &pb.ResponseOp_ResponseRange{ResponseRange: rr}
		case *pb.RequestOp_RequestPut:
			pr, err := m.applyPut(tw, tv.RequestPut)
			if err != nil {
				panic("etcd model: unexpected error during txn: " + err.Error())
			}
			out.Response = &pb.ResponseOp_ResponsePut{ResponsePut: pr}
		case *pb.RequestOp_RequestDeleteRange:
			out.Response = &pb.ResponseOp_ResponseDeleteRange{ResponseDeleteRange: m.applyDelete(tw, tv.RequestDeleteRange)}
		case *pb.RequestOp_RequestTxn:
			nested := &pb.TxnResponse{Header: &pb.ResponseHeader{}}
			n := m.applyTxn(tw, tv.RequestTxn, path[1:], nested)
			txns += n + 1
			path = path[n+1:]
			out.Response = &pb.ResponseOp_ResponseTxn{ResponseTxn: nested}
		}
		resp.Responses[i] = out
	}
	return txns
}
