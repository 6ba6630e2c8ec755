package etcd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

func TestTxnCompares(t *testing.T) {
	h := newTM(t)
	h.put("a", "1", 0) // create 2
	tests := []struct {
		name string
		cmp  *pb.Compare
		want bool
	}{
		{"create equal", cmpCreate("a", pb.Compare_EQUAL, 2), true},
		{"create not equal", cmpCreate("a", pb.Compare_NOT_EQUAL, 2), false},
		{"create greater", cmpCreate("a", pb.Compare_GREATER, 1), true},
		{"create less", cmpCreate("a", pb.Compare_LESS, 2), false},
		{"missing key has create 0", cmpCreate("zz", pb.Compare_EQUAL, 0), true},
		{"mod", &pb.Compare{Key: []byte("a"), Target: pb.Compare_MOD, Result: pb.Compare_EQUAL, TargetUnion: &pb.Compare_ModRevision{ModRevision: 2}}, true},
		{"version", &pb.Compare{Key: []byte("a"), Target: pb.Compare_VERSION, Result: pb.Compare_GREATER, TargetUnion: &pb.Compare_Version{Version: 0}}, true},
		{"value", &pb.Compare{Key: []byte("a"), Target: pb.Compare_VALUE, Result: pb.Compare_EQUAL, TargetUnion: &pb.Compare_Value{Value: []byte("1")}}, true},
		{"value of a missing key always fails", &pb.Compare{Key: []byte("zz"), Target: pb.Compare_VALUE, Result: pb.Compare_NOT_EQUAL, TargetUnion: &pb.Compare_Value{Value: []byte("1")}}, false},
		{"lease", &pb.Compare{Key: []byte("a"), Target: pb.Compare_LEASE, Result: pb.Compare_EQUAL, TargetUnion: &pb.Compare_Lease{Lease: 0}}, true},
		{"range: every key must match", &pb.Compare{Key: []byte("a"), RangeEnd: []byte{0}, Target: pb.Compare_VERSION, Result: pb.Compare_EQUAL, TargetUnion: &pb.Compare_Version{Version: 1}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h.txn(&pb.TxnRequest{Compare: []*pb.Compare{tt.cmp}})
			require.NoError(t, err)
			assert.Equal(t, tt.want, resp.Succeeded)
		})
	}
}

func TestTxnOneRevisionAndOwnWrites(t *testing.T) {
	h := newTM(t)
	resp, err := h.txn(&pb.TxnRequest{Success: []*pb.RequestOp{opPut("a", "1"), opPut("b", "2"), opGet("a"),
		opTxn(&pb.TxnRequest{Success: []*pb.RequestOp{opGet("b")}})}})
	require.NoError(t, err)
	assert.Equal(t, int64(2), resp.Header.Revision)
	assert.Equal(t, int64(2), resp.Responses[0].GetResponsePut().Header.Revision)
	got := resp.Responses[2].GetResponseRange()
	require.Len(t, got.Kvs, 1, "a range in a txn sees the txn's own puts")
	assert.Equal(t, int64(2), got.Header.Revision)
	nested := resp.Responses[3].GetResponseTxn()
	assert.Equal(t, int64(0), nested.Header.Revision, "etcd 3.4 leaves a nested txn's header empty")
	assert.Len(t, nested.Responses[0].GetResponseRange().Kvs, 1)
	assert.Equal(t, int64(2), h.get("b").Kvs[0].ModRevision)
}

func TestTxnNestedComparesSeeTheStateBefore(t *testing.T) {
	h := newTM(t)
	// The nested compare is evaluated before the outer put runs (etcd's
	// compareToPath), so it sees no "a".
	resp, err := h.txn(&pb.TxnRequest{Success: []*pb.RequestOp{opPut("a", "1"),
		opTxn(&pb.TxnRequest{Compare: []*pb.Compare{cmpCreate("a", pb.Compare_EQUAL, 0)}})}})
	require.NoError(t, err)
	assert.True(t, resp.Responses[1].GetResponseTxn().Succeeded)
}

func TestTxnRefusals(t *testing.T) {
	many := make([]*pb.RequestOp, 129)
	for i := range many {
		many[i] = opGet("a")
	}
	h := newTM(t)
	tests := []struct {
		name string
		txn  *pb.TxnRequest
		want error
	}{
		{"two puts of a key", &pb.TxnRequest{Success: []*pb.RequestOp{opPut("a", "1"), opPut("a", "2")}}, errDuplicateKey},
		{"put inside a delete", &pb.TxnRequest{Success: []*pb.RequestOp{opDel("a", "c"), opPut("b", "2")}}, errDuplicateKey},
		{"nested put under a delete", &pb.TxnRequest{Success: []*pb.RequestOp{opDel("a", ""), opTxn(&pb.TxnRequest{Success: []*pb.RequestOp{opPut("a", "1")}})}}, errDuplicateKey},
		{"empty compare key", &pb.TxnRequest{Compare: []*pb.Compare{{}}}, errEmptyKey},
		{"empty op", &pb.TxnRequest{Success: []*pb.RequestOp{{}}}, errKeyNotFound},
		{"too many ops", &pb.TxnRequest{Success: many}, errTooManyOps},
		{"unknown lease in the taken branch", &pb.TxnRequest{Success: []*pb.RequestOp{{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: []byte("a"), Lease: 77}}}}}, errLeaseNotFound},
		{"future revision in the taken branch", &pb.TxnRequest{Success: []*pb.RequestOp{{Request: &pb.RequestOp_RequestRange{RequestRange: &pb.RangeRequest{Key: []byte("a"), Revision: 5}}}}}, errFutureRev},
		{"revision below etcd's compact mark", &pb.TxnRequest{Success: []*pb.RequestOp{{Request: &pb.RequestOp_RequestRange{RequestRange: &pb.RangeRequest{Key: []byte("a"), Revision: -2}}}}}, errCompacted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.txn(tt.txn)
			require.ErrorIs(t, err, tt.want)
			assert.Equal(t, int64(1), h.m.store.rev)
		})
	}
	t.Run("then and else may put the same key", func(t *testing.T) {
		_, err := h.txn(&pb.TxnRequest{Success: []*pb.RequestOp{opTxn(&pb.TxnRequest{Success: []*pb.RequestOp{opPut("a", "1")}, Failure: []*pb.RequestOp{opPut("a", "2")}})}})
		require.NoError(t, err)
	})
	t.Run("an unknown lease in the branch not taken is fine", func(t *testing.T) {
		resp, err := h.txn(&pb.TxnRequest{Compare: []*pb.Compare{cmpCreate("a", pb.Compare_EQUAL, 0)},
			Success: []*pb.RequestOp{{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: []byte("a"), Lease: 77}}}}})
		require.NoError(t, err)
		assert.False(t, resp.Succeeded)
	})
}
