package etcd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

func TestPutVersionsAndRevisions(t *testing.T) {
	h := newTM(t)
	require.Equal(t, int64(2), h.put("a", "1", 0).Header.Revision, "a fresh store is at revision 1")
	require.Equal(t, int64(3), h.put("a", "2", 0).Header.Revision)
	kv := h.get("a").Kvs[0]
	assert.Equal(t, []int64{2, 3, 2}, []int64{kv.CreateRevision, kv.ModRevision, kv.Version})
	_, err := h.do(Request{DeleteRange: &pb.DeleteRangeRequest{Key: []byte("a")}})
	require.NoError(t, err)
	require.Equal(t, int64(5), h.put("a", "3", 0).Header.Revision)
	kv = h.get("a").Kvs[0]
	assert.Equal(t, []int64{5, 5, 1}, []int64{kv.CreateRevision, kv.ModRevision, kv.Version}, "a deleted key starts over")
}

func TestPutPrevKVAndIgnore(t *testing.T) {
	h := newTM(t)
	h.put("a", "1", 0)
	resp, err := h.do(Request{Put: &pb.PutRequest{Key: []byte("a"), IgnoreValue: true, PrevKv: true}})
	require.NoError(t, err)
	assert.Equal(t, "1", string(resp.(*pb.PutResponse).PrevKv.Value))
	assert.Equal(t, "1", string(h.get("a").Kvs[0].Value), "ignore_value keeps the value")

	tests := []struct {
		name string
		put  *pb.PutRequest
		want error
	}{
		{"empty key", &pb.PutRequest{}, errEmptyKey},
		{"ignore_value with a value", &pb.PutRequest{Key: []byte("a"), Value: []byte("x"), IgnoreValue: true}, errValueProvided},
		{"ignore_lease with a lease", &pb.PutRequest{Key: []byte("a"), Lease: 5, IgnoreLease: true}, errLeaseProvided},
		{"ignore_value on a missing key", &pb.PutRequest{Key: []byte("zz"), IgnoreValue: true}, errKeyNotFound},
		{"unknown lease", &pb.PutRequest{Key: []byte("a"), Lease: 5}, errLeaseNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.m.store.rev
			_, err := h.do(Request{Put: tt.put})
			require.ErrorIs(t, err, tt.want)
			assert.Equal(t, before, h.m.store.rev, "a refused put changes nothing")
		})
	}
}

func TestRangeOptions(t *testing.T) {
	h := newTM(t)
	for _, kv := range [][2]string{{"a", "3"}, {"b", "1"}, {"c", "2"}, {"d", "1"}} {
		h.put(kv[0], kv[1], 0)
	}
	h.put("b", "9", 0) // b: version 2, mod 6
	keys := func(r *pb.RangeResponse) (out []string) {
		for _, kv := range r.Kvs {
			out = append(out, string(kv.Key))
		}
		return out
	}
	tests := []struct {
		name      string
		req       *pb.RangeRequest
		keys      []string
		count     int64
		more      bool
		wantErr   error
		wantValue bool
	}{
		{"single key", &pb.RangeRequest{Key: []byte("b")}, []string{"b"}, 1, false, nil, true},
		{"range", &pb.RangeRequest{Key: []byte("a"), RangeEnd: []byte("c")}, []string{"a", "b"}, 2, false, nil, true},
		{"from key", &pb.RangeRequest{Key: []byte("b"), RangeEnd: []byte{0}}, []string{"b", "c", "d"}, 3, false, nil, true},
		{"inverted range is empty", &pb.RangeRequest{Key: []byte("c"), RangeEnd: []byte("a")}, nil, 0, false, nil, true},
		{"limit counts all and says more", &pb.RangeRequest{Key: []byte("a"), RangeEnd: []byte{0}, Limit: 2}, []string{"a", "b"}, 4, true, nil, true},
		{"sort by value descending", &pb.RangeRequest{Key: []byte("a"), RangeEnd: []byte{0}, SortOrder: pb.RangeRequest_DESCEND, SortTarget: pb.RangeRequest_VALUE, Limit: 2}, []string{"b", "a"}, 4, true, nil, true},
		{"target without order sorts ascending", &pb.RangeRequest{Key: []byte("a"), RangeEnd: []byte{0}, SortTarget: pb.RangeRequest_MOD}, []string{"a", "c", "d", "b"}, 4, false, nil, true},
		{"keys only", &pb.RangeRequest{Key: []byte("a"), KeysOnly: true}, []string{"a"}, 1, false, nil, false},
		{"count only", &pb.RangeRequest{Key: []byte("a"), RangeEnd: []byte{0}, CountOnly: true}, nil, 4, false, nil, false},
		{"old revision", &pb.RangeRequest{Key: []byte("a"), RangeEnd: []byte{0}, Revision: 3}, []string{"a", "b"}, 2, false, nil, true},
		{"future revision", &pb.RangeRequest{Key: []byte("a"), Revision: 7}, nil, 0, false, errFutureRev, false},
		{"negative revision reads current", &pb.RangeRequest{Key: []byte("a"), Revision: -3}, []string{"a"}, 1, false, nil, true},
		{"min mod revision", &pb.RangeRequest{Key: []byte("a"), RangeEnd: []byte{0}, MinModRevision: 5}, []string{"b", "d"}, 4, false, nil, true},
		{"empty key", &pb.RangeRequest{}, nil, 0, false, errEmptyKey, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h.do(Request{Range: tt.req})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			r := resp.(*pb.RangeResponse)
			assert.Equal(t, tt.keys, keys(r))
			assert.Equal(t, tt.count, r.Count)
			assert.Equal(t, tt.more, r.More)
			assert.Equal(t, int64(6), r.Header.Revision, "a range's header carries the current revision")
			if len(r.Kvs) > 0 {
				assert.Equal(t, tt.wantValue, r.Kvs[0].Value != nil)
			}
		})
	}
}

func TestDeleteRange(t *testing.T) {
	h := newTM(t)
	h.put("a", "1", 0)
	h.put("b", "2", 0)
	resp, err := h.do(Request{DeleteRange: &pb.DeleteRangeRequest{Key: []byte("a"), RangeEnd: []byte("c"), PrevKv: true}})
	require.NoError(t, err)
	d := resp.(*pb.DeleteRangeResponse)
	assert.Equal(t, int64(2), d.Deleted)
	assert.Len(t, d.PrevKvs, 2)
	assert.Equal(t, int64(4), d.Header.Revision, "both deletes share one revision")
	resp, err = h.do(Request{DeleteRange: &pb.DeleteRangeRequest{Key: []byte("a")}})
	require.NoError(t, err)
	assert.Equal(t, int64(4), resp.(*pb.DeleteRangeResponse).Header.Revision, "deleting nothing makes no revision")
}
