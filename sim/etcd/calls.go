package etcd

import (
	"errors"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// The client side: bodies of sim.Conn.Call to a Server, built from small
// plain types so that a client (simlock's locks.Etcd) needs no protobuf,
// and readers of the replies. Each body is one etcd RPC, as clientv3 sends
// it.

// KV is a key of a range's result.
type KV struct {
	Key            string
	CreateRevision int64
}

// Range is a range request: Key, or every key with the prefix Key; only
// keys created at or before MaxCreateRevision when it is positive; by key,
// or by create revision (ByCreate, Descend); at most Limit when positive.
type Range struct {
	Key               string
	Prefix            bool
	ByCreate, Descend bool
	Limit             int64
	MaxCreateRevision int64
}

// CreateCmp holds when Key's create revision is CreateRevision.
type CreateCmp struct {
	Key            string
	CreateRevision int64
}

// Op is one operation of a Txn: a put of Key with an empty value attached
// to Lease, a Range, or a delete of Key.
type Op struct {
	Put, Delete bool
	Key         string
	Lease       int64
	Range       *Range
}

// Txn is a transaction of create-revision compares.
type Txn struct {
	If         []CreateCmp
	Then, Else []Op
}

// OpResult is what one operation of a Txn answered.
type OpResult struct {
	KVs     []KV
	Deleted int64
}

// TxnResult is a Txn's answer.
type TxnResult struct {
	Revision  int64
	Succeeded bool
	Ops       []OpResult
}

// GrantCall is LeaseGrant of ttl seconds, the ID chosen by the server.
func GrantCall(ttl int64) any { return &call{Request{LeaseGrant: &pb.LeaseGrantRequest{TTL: ttl}}} }

// GrantReply reads a LeaseGrant reply: the lease ID and granted TTL.
func GrantReply(v any) (id, ttl int64, err error) {
	r, ok := v.(*pb.LeaseGrantResponse)
	if !ok {
		return 0, 0, errors.New("etcd: lease grant: no response")
	}
	if r.Error != "" {
		return 0, 0, errors.New(r.Error)
	}
	return r.ID, r.TTL, nil
}

// KeepAliveCall is one LeaseKeepAlive message.
func KeepAliveCall(id int64) any {
	return &call{Request{LeaseKeepAlive: &pb.LeaseKeepAliveRequest{ID: id}}}
}

// KeepAliveReply reads a LeaseKeepAlive reply: the renewed TTL, 0 if the
// lease was not found.
func KeepAliveReply(v any) int64 {
	if r, ok := v.(*pb.LeaseKeepAliveResponse); ok {
		return r.TTL
	}
	return 0
}

// RevokeCall is LeaseRevoke.
func RevokeCall(id int64) any { return &call{Request{LeaseRevoke: &pb.LeaseRevokeRequest{ID: id}}} }

// RangeCall is a Range outside a transaction (linearizable).
func RangeCall(r Range) any { return &call{Request{Range: r.request()}} }

// RangeReply reads a Range reply: the revision it was read at and its keys.
func RangeReply(v any) (int64, []KV) {
	r, ok := v.(*pb.RangeResponse)
	if !ok {
		return 0, nil
	}
	return r.GetHeader().GetRevision(), kvsOf(r)
}

// TxnCall is a Txn.
func TxnCall(t Txn) any {
	req := &pb.TxnRequest{Success: requestOps(t.Then), Failure: requestOps(t.Else)}
	for _, c := range t.If {
		req.Compare = append(req.Compare, &pb.Compare{
			Key: []byte(c.Key), Target: pb.Compare_CREATE, Result: pb.Compare_EQUAL,
			TargetUnion: &pb.Compare_CreateRevision{CreateRevision: c.CreateRevision},
		})
	}
	return &call{Request{Txn: req}}
}

// TxnReply reads a Txn reply.
func TxnReply(v any) TxnResult {
	r, ok := v.(*pb.TxnResponse)
	if !ok {
		return TxnResult{}
	}
	out := TxnResult{Revision: r.GetHeader().GetRevision(), Succeeded: r.Succeeded}
	for _, op := range r.Responses {
		var res OpResult
		switch x := op.Response.(type) {
		case *pb.ResponseOp_ResponseRange:
			res.KVs = kvsOf(x.ResponseRange)
		case *pb.ResponseOp_ResponseDeleteRange:
			res.Deleted = x.ResponseDeleteRange.Deleted
		}
		out.Ops = append(out.Ops, res)
	}
	return out
}

// WaitDeleteCall asks to be answered, with the revision of the delete, at
// the first deletion of key at a revision >= from (a watch from revision
// from, replayed from history, as clientv3's Watch WithRev).
func WaitDeleteCall(key string, from int64) any { return &waitDelete{key: key, from: from} }

func (r Range) request() *pb.RangeRequest {
	req := &pb.RangeRequest{Key: []byte(r.Key), Limit: r.Limit, MaxCreateRevision: r.MaxCreateRevision}
	if r.Prefix {
		req.RangeEnd = prefixEnd([]byte(r.Key))
	}
	if r.ByCreate {
		req.SortTarget = pb.RangeRequest_CREATE
		req.SortOrder = pb.RangeRequest_ASCEND
		if r.Descend {
			req.SortOrder = pb.RangeRequest_DESCEND
		}
	}
	return req
}

// prefixEnd is clientv3's GetPrefixRangeEnd.
func prefixEnd(key []byte) []byte {
	end := append([]byte(nil), key...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return []byte{0} // every key >= key
}

func requestOps(in []Op) []*pb.RequestOp {
	var out []*pb.RequestOp
	for _, op := range in {
		switch {
		case op.Put:
			out = append(out, &pb.RequestOp{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: []byte(op.Key), Lease: op.Lease}}})
		case op.Delete:
			out = append(out, &pb.RequestOp{Request: &pb.RequestOp_RequestDeleteRange{RequestDeleteRange: &pb.DeleteRangeRequest{Key: []byte(op.Key)}}})
		case op.Range != nil:
			out = append(out, &pb.RequestOp{Request: &pb.RequestOp_RequestRange{RequestRange: op.Range.request()}})
		}
	}
	return out
}

func kvsOf(r *pb.RangeResponse) []KV {
	if r == nil || len(r.Kvs) == 0 {
		return nil
	}
	out := make([]KV, len(r.Kvs))
	for i, kv := range r.Kvs {
		out[i] = KV{Key: string(kv.Key), CreateRevision: kv.CreateRevision}
	}
	return out
}
