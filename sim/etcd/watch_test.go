package etcd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

func watchCreate(c *pb.WatchCreateRequest) Request {
	return Request{Stream: 1, Watch: &pb.WatchRequest{RequestUnion: &pb.WatchRequest_CreateRequest{CreateRequest: c}}}
}

func events(outs []WatchOut, id int64) (evs []*mvccpb.Event) {
	for _, o := range outs {
		if o.Resp.WatchId == id {
			evs = append(evs, o.Resp.Events...)
		}
	}
	return evs
}

func TestWatchReplaysHistoryThenFollows(t *testing.T) {
	h := newTM(t)
	h.put("p/a", "1", 0)                                                          // 2
	h.put("q", "x", 0)                                                            // 3
	_, _ = h.do(Request{DeleteRange: &pb.DeleteRangeRequest{Key: []byte("p/a")}}) // 4
	_, _ = h.do(watchCreate(&pb.WatchCreateRequest{Key: []byte("p/"), RangeEnd: []byte("p0"), StartRevision: 2, PrevKv: true}))
	require.NotEmpty(t, h.watch)
	created := h.watch[0].Resp
	assert.True(t, created.Created)
	assert.Equal(t, int64(0), created.WatchId, "IDs per stream start at 0")
	assert.Equal(t, int64(4), created.Header.Revision)
	h.put("p/b", "2", 0) // 5
	evs := events(h.watch, 0)
	require.Len(t, evs, 3)
	assert.Equal(t, mvccpb.PUT, evs[0].Type)
	assert.Equal(t, mvccpb.DELETE, evs[1].Type)
	assert.Equal(t, int64(4), evs[1].Kv.ModRevision, "a tombstone carries the deleting revision")
	assert.Equal(t, "1", string(evs[1].PrevKv.Value))
	assert.Equal(t, "p/b", string(evs[2].Kv.Key))
	last := h.watch[len(h.watch)-1].Resp
	assert.Equal(t, int64(5), last.Header.Revision)
}

func TestWatchFiltersCancelAndErrors(t *testing.T) {
	h := newTM(t)
	_, _ = h.do(watchCreate(&pb.WatchCreateRequest{Key: []byte("a"), Filters: []pb.WatchCreateRequest_FilterType{pb.WatchCreateRequest_NOPUT}}))
	_, _ = h.do(watchCreate(&pb.WatchCreateRequest{Key: []byte("b"), RangeEnd: []byte("a")}))
	_, _ = h.do(watchCreate(&pb.WatchCreateRequest{Key: []byte("a"), WatchId: 0}))
	h.put("a", "1", 0)
	_, _ = h.do(Request{DeleteRange: &pb.DeleteRangeRequest{Key: []byte("a")}})
	assert.Len(t, events(h.watch, 0), 1, "NOPUT drops the put")
	assert.Len(t, events(h.watch, 1), 2)
	bad := h.watch[1].Resp
	assert.Equal(t, int64(-1), bad.WatchId)
	assert.True(t, bad.Canceled)
	assert.Equal(t, reasonEmptyRange, bad.CancelReason)
	h.watch = nil
	_, _ = h.do(Request{Stream: 1, Watch: &pb.WatchRequest{RequestUnion: &pb.WatchRequest_CancelRequest{CancelRequest: &pb.WatchCancelRequest{WatchId: 1}}}})
	require.Len(t, h.watch, 1)
	assert.True(t, h.watch[0].Resp.Canceled)
	h.put("a", "2", 0)
	assert.Empty(t, events(h.watch, 1), "a canceled watch hears nothing")
	_, _ = h.do(watchCreate(&pb.WatchCreateRequest{Key: []byte("a"), WatchId: 0}))
	_, _ = h.do(watchCreate(&pb.WatchCreateRequest{Key: []byte("a"), WatchId: 1}))
	_, _ = h.do(watchCreate(&pb.WatchCreateRequest{Key: []byte("a"), WatchId: 1}))
	assert.Equal(t, int64(2), h.watch[len(h.watch)-3].Resp.WatchId, "auto IDs skip used ones")
	assert.Equal(t, reasonDuplicateID, h.watch[len(h.watch)-1].Resp.CancelReason)
}

func TestCrashDropsWatchStreams(t *testing.T) {
	h := newTM(t)
	_, _ = h.do(watchCreate(&pb.WatchCreateRequest{Key: []byte("a")}))
	h.m.Crash()
	h.m.Start(h.now)
	h.advance(100_000_000)
	h.watch = nil
	h.put("a", "1", 0)
	assert.Empty(t, h.watch)
}

// A txn may delete a key (range_end "\x00" escapes etcd's duplicate check)
// and put it again: the put is a create event, and etcd sends no prev_kv
// with a create event.
func TestWatchCreateEventHasNoPrevKV(t *testing.T) {
	h := newTM(t)
	h.put("e", "old", 0)
	_, _ = h.do(watchCreate(&pb.WatchCreateRequest{Key: []byte("e"), PrevKv: true}))
	resp, err := h.txn(&pb.TxnRequest{Success: []*pb.RequestOp{opDel("e", "\x00"), opPut("e", "new")}})
	require.NoError(t, err)
	require.Equal(t, int64(3), resp.Header.Revision)
	evs := events(h.watch, 0)
	require.Len(t, evs, 2)
	assert.Equal(t, "old", string(evs[0].PrevKv.Value), "the delete carries the old value")
	assert.Nil(t, evs[1].PrevKv, "the re-create does not")
	assert.Equal(t, int64(1), evs[1].Kv.Version)
}
