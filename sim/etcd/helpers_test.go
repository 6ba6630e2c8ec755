package etcd

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"google.golang.org/protobuf/proto"
)

// tm is a test harness around one member: it keeps the clock and collects
// watch output.
type tm struct {
	t     testing.TB
	m     *Member
	now   time.Duration
	id    uint64
	watch []WatchOut
}

func newTM(t testing.TB) *tm {
	m, err := NewMember(Config{MemberID: 7, ClusterID: 9, Seed: 42})
	require.NoError(t, err)
	m.Start(0)
	h := &tm{t: t, m: m}
	h.advance(100 * time.Millisecond) // elected
	return h
}

func (h *tm) advance(d time.Duration) {
	h.now += d
	require.NoError(h.t, h.m.Tick(h.now))
	h.watch = append(h.watch, h.m.Ready().Watch...)
}

// do sends r and returns its reply (nil reply if it is held).
func (h *tm) do(r Request) (proto.Message, error) {
	h.id++
	r.ID = h.id
	require.NoError(h.t, h.m.Handle(h.now, r))
	rd := h.m.Ready()
	h.watch = append(h.watch, rd.Watch...)
	if r.Watch != nil || len(rd.Replies) == 0 {
		return nil, nil
	}
	require.Len(h.t, rd.Replies, 1)
	require.Equal(h.t, r.ID, rd.Replies[0].ID)
	return rd.Replies[0].Resp, rd.Replies[0].Err
}

func (h *tm) put(k, v string, lease int64) *pb.PutResponse {
	resp, err := h.do(Request{Put: &pb.PutRequest{Key: []byte(k), Value: []byte(v), Lease: lease}})
	require.NoError(h.t, err)
	return resp.(*pb.PutResponse)
}

func (h *tm) get(k string) *pb.RangeResponse {
	resp, err := h.do(Request{Range: &pb.RangeRequest{Key: []byte(k)}})
	require.NoError(h.t, err)
	return resp.(*pb.RangeResponse)
}

func (h *tm) grant(id, ttl int64) *pb.LeaseGrantResponse {
	resp, err := h.do(Request{LeaseGrant: &pb.LeaseGrantRequest{ID: id, TTL: ttl}})
	require.NoError(h.t, err)
	return resp.(*pb.LeaseGrantResponse)
}

func (h *tm) txn(r *pb.TxnRequest) (*pb.TxnResponse, error) {
	resp, err := h.do(Request{Txn: r})
	if err != nil {
		return nil, err
	}
	return resp.(*pb.TxnResponse), nil
}

func opPut(k, v string) *pb.RequestOp {
	return &pb.RequestOp{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: []byte(k), Value: []byte(v)}}}
}

func opGet(k string) *pb.RequestOp {
	return &pb.RequestOp{Request: &pb.RequestOp_RequestRange{RequestRange: &pb.RangeRequest{Key: []byte(k)}}}
}

func opDel(k, end string) *pb.RequestOp {
	return &pb.RequestOp{Request: &pb.RequestOp_RequestDeleteRange{RequestDeleteRange: &pb.DeleteRangeRequest{Key: []byte(k), RangeEnd: []byte(end)}}}
}

func opTxn(t *pb.TxnRequest) *pb.RequestOp {
	return &pb.RequestOp{Request: &pb.RequestOp_RequestTxn{RequestTxn: t}}
}

func cmpCreate(k string, r pb.Compare_CompareResult, rev int64) *pb.Compare {
	return &pb.Compare{Key: []byte(k), Target: pb.Compare_CREATE, Result: r, TargetUnion: &pb.Compare_CreateRevision{CreateRevision: rev}}
}

func protoMarshal(m proto.Message) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}
