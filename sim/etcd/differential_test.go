package etcd

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// The differential test drives one seeded random sequence of requests
// through the model and a real etcd-server and requires identical replies,
// revisions and watch events. Normalized: the header fields that must differ
// (cluster_id, member_id, raft_term) and the order of a TimeToLive's keys
// (etcd lists them in map order). Tolerated: a TimeToLive's remaining TTL
// may differ by one second (it is truncated from two clocks), and watch
// events are compared as one sequence per watch, not per response (etcd
// batches a catch-up as its 100ms sync loop finds it). Lease expiry is
// compared outside its uncertain window: the driver never sends a request
// while a lease is between 400ms before its expiry and 1.6s after (the
// lessor's 500ms check, the revoke proposal and scheduling), and lets at
// most one short lease live at a time, since etcd revokes simultaneous
// expiries in parallel, in no fixed order.

const modelOffset = 200 * time.Millisecond // the model boots 200ms "before" the run

type diffRun struct {
	t         testing.TB
	rng       *rand.Rand
	real      *realEtcd
	kv        pb.KVClient
	lc        pb.LeaseClient
	ka        pb.Lease_LeaseKeepAliveClient
	ws        pb.Watch_WatchClient
	wmu       sync.Mutex
	wreal     map[int64][]*pb.WatchResponse
	wmodel    map[int64][]*pb.WatchResponse
	m         *Member
	start     time.Time
	prefix    string
	leaseBase int64
	nextLease int64
	window    time.Duration // how long after expiry the driver keeps away
	mutate    func(*Request)
	reqID     uint64
	fresh     bool     // the server had no write before this run
	watchLog  []string // the watch requests sent, for failure messages
	raw       bool     // do sends at once, even inside a lease's expiry window
}

func newDiffRun(t testing.TB, real *realEtcd, seed uint64, mutate func(*Request)) *diffRun {
	d := &diffRun{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), real: real,
		wreal: map[int64][]*pb.WatchResponse{}, wmodel: map[int64][]*pb.WatchResponse{},
		prefix: fmt.Sprintf("diff%d-%d/", seed, time.Now().UnixNano()%1e6), mutate: mutate,
		window: 1600 * time.Millisecond,
	}
	d.leaseBase = int64(d.rng.Uint32()&0xffff)<<32 | 1<<48
	m, err := NewMember(Config{MemberID: 1, ClusterID: 1, Seed: seed})
	require.NoError(t, err)
	d.m = m
	d.start = time.Now()
	m.Start(0)
	// A server that is not fresh (shared, or used by an earlier seed): the
	// model starts at its revision, and ranges "from key" (range_end
	// "\x00"), which would see the other keys, are not drawn.
	resp, err := pb.NewKVClient(real.cli.ActiveConnection()).Range(context.Background(), &pb.RangeRequest{Key: []byte("ping")})
	require.NoError(t, err)
	m.store.rev = resp.Header.Revision
	d.fresh = resp.Header.Revision == 1
	d.openStreams()
	return d
}

func (d *diffRun) mnow() time.Duration { return modelOffset + time.Since(d.start) }

func (d *diffRun) openStreams() {
	conn := d.real.cli.ActiveConnection()
	d.kv, d.lc = pb.NewKVClient(conn), pb.NewLeaseClient(conn)
	ctx, cancel := context.WithCancel(context.Background())
	d.t.Cleanup(cancel)
	var err error
	d.ka, err = d.lc.LeaseKeepAlive(ctx)
	require.NoError(d.t, err)
	d.ws, err = pb.NewWatchClient(conn).Watch(ctx)
	require.NoError(d.t, err)
	go func(ws pb.Watch_WatchClient) { // test code, not under the simulator
		for {
			r, err := ws.Recv()
			if err != nil {
				return
			}
			d.wmu.Lock()
			d.wreal[r.WatchId] = append(d.wreal[r.WatchId], r)
			d.wmu.Unlock()
		}
	}(d.ws)
}

// do sends r to both sides and returns a description of the first
// difference, or "".
func (d *diffRun) do(r Request) string {
	if !d.raw {
		d.avoidExpiryWindows()
	}
	d.reqID++
	r.ID = d.reqID
	mr := Request{}
	cloneRequest(&mr, r)
	if d.mutate != nil {
		d.mutate(&mr)
	}
	if c := r.Watch.GetCancelRequest(); c != nil {
		// etcd replays an old watch's history from its sync loop, within
		// 100ms; the model at once. Let the real stream catch up before a
		// cancel cuts it short.
		d.waitRealEvents(c.WatchId)
	}
	require.NoError(d.t, d.m.Handle(d.mnow(), mr))
	rd := d.m.Ready()
	for _, w := range rd.Watch {
		d.wmodel[w.Resp.WatchId] = append(d.wmodel[w.Resp.WatchId], w.Resp)
	}
	if r.Watch != nil {
		d.watchLog = append(d.watchLog, describe(r))
		// The stream is asynchronous: wait until the real server has
		// answered the message (if the model did), so that the next
		// request cannot overtake it.
		require.NoError(d.t, d.ws.Send(r.Watch))
		d.waitRealControl()
		return ""
	}
	require.Len(d.t, rd.Replies, 1, "model reply to %s", describe(r))
	got := rd.Replies[0]
	want, werr := d.callReal(r)
	return compareReplies(describe(r), got.Resp, got.Err, want, werr)
}

func (d *diffRun) callReal(r Request) (proto.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	switch {
	case r.Range != nil:
		return d.kv.Range(ctx, r.Range)
	case r.Put != nil:
		return d.kv.Put(ctx, r.Put)
	case r.DeleteRange != nil:
		return d.kv.DeleteRange(ctx, r.DeleteRange)
	case r.Txn != nil:
		return d.kv.Txn(ctx, r.Txn)
	case r.LeaseGrant != nil:
		return d.lc.LeaseGrant(ctx, r.LeaseGrant)
	case r.LeaseRevoke != nil:
		return d.lc.LeaseRevoke(ctx, r.LeaseRevoke)
	case r.LeaseTimeToLive != nil:
		return d.lc.LeaseTimeToLive(ctx, r.LeaseTimeToLive)
	case r.LeaseKeepAlive != nil:
		if err := d.ka.Send(r.LeaseKeepAlive); err != nil {
			return nil, err
		}
		return d.ka.Recv()
	}
	d.t.Fatalf("no operation in %v", r)
	return nil, nil
}

func (d *diffRun) waitRealEvents(id int64) {
	want := countEvents(d.wmodel[id])
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		d.wmu.Lock()
		got := countEvents(d.wreal[id])
		d.wmu.Unlock()
		if got >= want {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (d *diffRun) waitRealControl() {
	want := 0
	for _, rs := range d.wmodel {
		want += countControl(rs)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		d.wmu.Lock()
		got := 0
		for _, rs := range d.wreal {
			got += countControl(rs)
		}
		d.wmu.Unlock()
		if got >= want {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// revokeAll revokes every lease still alive, on both sides.
func (d *diffRun) revokeAll() {
	for _, id := range d.liveLeases() {
		require.Empty(d.t, d.do(Request{LeaseRevoke: &pb.LeaseRevokeRequest{ID: id}}))
	}
}

// avoidExpiryWindows sleeps past any lease's uncertain window.
func (d *diffRun) avoidExpiryWindows() {
	for {
		now := d.mnow()
		var until time.Duration
		for _, l := range d.m.lessor.leases {
			if l.forever {
				continue
			}
			if now >= l.expiry-400*time.Millisecond && now < l.expiry+d.window {
				until = max(until, l.expiry+d.window)
			}
		}
		if until == 0 {
			return
		}
		time.Sleep(until - now)
		require.NoError(d.t, d.m.Tick(d.mnow()))
		d.collectModelWatch()
	}
}

func (d *diffRun) collectModelWatch() {
	for _, w := range d.m.Ready().Watch {
		d.wmodel[w.Resp.WatchId] = append(d.wmodel[w.Resp.WatchId], w.Resp)
	}
}

// compareWatches waits (up to 3s) for the real stream to deliver as many
// events as the model did, then compares each watch's control responses
// and its event sequence.
func (d *diffRun) compareWatches() string {
	require.NoError(d.t, d.m.Tick(d.mnow()))
	d.collectModelWatch()
	deadline := time.Now().Add(3 * time.Second)
	for {
		d.wmu.Lock()
		done := true
		for id, rs := range d.wmodel {
			if countEvents(d.wreal[id]) < countEvents(rs) || countControl(d.wreal[id]) < countControl(rs) {
				done = false
			}
		}
		d.wmu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	ids := sortedKeys(d.wmodel)
	for _, id := range sortedKeys(d.wreal) {
		if _, ok := d.wmodel[id]; !ok {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		mc, me := splitWatch(d.wmodel[id])
		rc, re := splitWatch(d.wreal[id])
		if diff := compareList(fmt.Sprintf("watch %d control responses", id), mc, rc); diff != "" {
			return diff
		}
		if diff := compareList(fmt.Sprintf("watch %d events", id), me, re); diff != "" {
			return diff + "\nwatch requests sent:\n" + strings.Join(d.watchLog, "\n")
		}
	}
	return ""
}

func countControl(rs []*pb.WatchResponse) int {
	n := 0
	for _, r := range rs {
		if len(r.Events) == 0 {
			n++
		}
	}
	return n
}

func countEvents(rs []*pb.WatchResponse) int {
	n := 0
	for _, r := range rs {
		n += len(r.Events)
	}
	return n
}

func splitWatch(rs []*pb.WatchResponse) (ctrl, evs []proto.Message) {
	for _, r := range rs {
		if len(r.Events) == 0 {
			c := proto.Clone(r).(*pb.WatchResponse)
			normHeader(c.Header)
			ctrl = append(ctrl, c)
			continue
		}
		for _, e := range r.Events {
			evs = append(evs, e)
		}
	}
	return ctrl, evs
}

func compareList(what string, model, real []proto.Message) string {
	for i := 0; i < max(len(model), len(real)); i++ {
		if i >= len(model) || i >= len(real) || !proto.Equal(model[i], real[i]) {
			return fmt.Sprintf("%s differ at %d: model has %d, real %d\nmodel: %s\nreal:  %s",
				what, i, len(model), len(real), textAt(model, i), textAt(real, i))
		}
	}
	return ""
}

func textAt(ms []proto.Message, i int) string {
	if i >= len(ms) {
		return "(none)"
	}
	return prototext.Format(ms[i])
}

func normHeader(h *pb.ResponseHeader) {
	if h != nil {
		h.ClusterId, h.MemberId, h.RaftTerm = 0, 0, 0
	}
}

type headered interface {
	proto.Message
	GetHeader() *pb.ResponseHeader
}

// compareReplies compares a model reply with the real one after
// normalization; "" when they agree.
func compareReplies(what string, got proto.Message, gerr error, want proto.Message, werr error) string {
	if gerr != nil || werr != nil {
		gs, ws := status.Convert(gerr), status.Convert(werr)
		if gerr == nil || werr == nil || gs.Code() != ws.Code() || gs.Message() != ws.Message() {
			return fmt.Sprintf("%s: model error %v, real error %v (model reply %v)", what, gerr, werr, got)
		}
		return ""
	}
	g, w := proto.Clone(got), proto.Clone(want)
	for _, m := range []proto.Message{g, w} {
		if h, ok := m.(headered); ok {
			normHeader(h.GetHeader())
		}
	}
	if gt, ok := g.(*pb.LeaseTimeToLiveResponse); ok {
		wt := w.(*pb.LeaseTimeToLiveResponse)
		if gt.TTL-wt.TTL <= 1 && wt.TTL-gt.TTL <= 1 {
			gt.TTL = wt.TTL
		}
		slices.SortFunc(wt.Keys, func(a, b []byte) int { return slices.Compare(a, b) })
	}
	if !proto.Equal(g, w) {
		return fmt.Sprintf("%s:\nmodel: %s\nreal:  %s", what, prototext.Format(g), prototext.Format(w))
	}
	return ""
}

func cloneRequest(dst *Request, r Request) {
	*dst = Request{ID: r.ID, Stream: r.Stream}
	c := func(m proto.Message) proto.Message { return proto.Clone(m) }
	switch {
	case r.Range != nil:
		dst.Range = c(r.Range).(*pb.RangeRequest)
	case r.Put != nil:
		dst.Put = c(r.Put).(*pb.PutRequest)
	case r.DeleteRange != nil:
		dst.DeleteRange = c(r.DeleteRange).(*pb.DeleteRangeRequest)
	case r.Txn != nil:
		dst.Txn = c(r.Txn).(*pb.TxnRequest)
	case r.LeaseGrant != nil:
		dst.LeaseGrant = c(r.LeaseGrant).(*pb.LeaseGrantRequest)
	case r.LeaseRevoke != nil:
		dst.LeaseRevoke = c(r.LeaseRevoke).(*pb.LeaseRevokeRequest)
	case r.LeaseKeepAlive != nil:
		dst.LeaseKeepAlive = c(r.LeaseKeepAlive).(*pb.LeaseKeepAliveRequest)
	case r.LeaseTimeToLive != nil:
		dst.LeaseTimeToLive = c(r.LeaseTimeToLive).(*pb.LeaseTimeToLiveRequest)
	case r.Watch != nil:
		dst.Watch = c(r.Watch).(*pb.WatchRequest)
	}
}

func describe(r Request) string {
	for _, m := range []proto.Message{r.Range, r.Put, r.DeleteRange, r.Txn, r.LeaseGrant, r.LeaseRevoke, r.LeaseKeepAlive, r.LeaseTimeToLive, r.Watch} {
		if !isNil(m) {
			return fmt.Sprintf("request %d %T{%s}", r.ID, m, prototext.MarshalOptions{}.Format(m))
		}
	}
	return fmt.Sprintf("request %d (empty)", r.ID)
}

func isNil(m proto.Message) bool {
	return m == nil || !m.ProtoReflect().IsValid()
}
