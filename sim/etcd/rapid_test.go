package etcd

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"pgregory.net/rapid"
)

// rapidRequest draws one request over a few keys and leases.
func rapidRequest(t *rapid.T) Request {
	key := func(l string) []byte { return []byte(rapid.SampledFrom([]string{"a", "b", "c", "d"}).Draw(t, l)) }
	lease := func(l string) int64 { return rapid.Int64Range(0, 3).Draw(t, l) }
	op := func(l string) *pb.RequestOp {
		switch rapid.IntRange(0, 2).Draw(t, l) {
		case 0:
			return &pb.RequestOp{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: key(l + "k"), Value: key(l + "v"), Lease: lease(l + "l")}}}
		case 1:
			return &pb.RequestOp{Request: &pb.RequestOp_RequestDeleteRange{RequestDeleteRange: &pb.DeleteRangeRequest{Key: key(l + "k"), RangeEnd: key(l + "e")}}}
		default:
			return &pb.RequestOp{Request: &pb.RequestOp_RequestRange{RequestRange: &pb.RangeRequest{Key: key(l + "k")}}}
		}
	}
	switch rapid.IntRange(0, 6).Draw(t, "kind") {
	case 0, 1:
		return Request{Put: &pb.PutRequest{Key: key("k"), Value: key("v"), Lease: lease("lease")}}
	case 2:
		return Request{DeleteRange: &pb.DeleteRangeRequest{Key: key("k"), RangeEnd: key("end")}}
	case 3:
		return Request{Txn: &pb.TxnRequest{
			Compare: []*pb.Compare{cmpCreate(string(key("ck")), pb.Compare_CompareResult(rapid.IntRange(0, 3).Draw(t, "res")), rapid.Int64Range(0, 10).Draw(t, "rev"))},
			Success: []*pb.RequestOp{op("s1"), op("s2")}, Failure: []*pb.RequestOp{op("f1")}}}
	case 4:
		return Request{LeaseGrant: &pb.LeaseGrantRequest{ID: rapid.Int64Range(1, 3).Draw(t, "id"), TTL: rapid.Int64Range(1, 5).Draw(t, "ttl")}}
	case 5:
		return Request{LeaseRevoke: &pb.LeaseRevokeRequest{ID: lease("id")}}
	default:
		return Request{LeaseKeepAlive: &pb.LeaseKeepAliveRequest{ID: lease("id")}}
	}
}

func liveState(t require.TestingT, m *Member) map[string]*mvccpb.KeyValue {
	out := map[string]*mvccpb.KeyValue{}
	for _, kv := range m.store.rangeAt([]byte{0}, []byte{}, m.store.rev) {
		out[string(kv.Key)] = kv
	}
	return out
}

// TestPropertyInvariants checks, over random request sequences with time
// passing: the revision never goes back and every header is at most the
// current one; create_revision <= mod_revision and version >= 1 for every
// live key; a revocation (explicit or by expiry) deletes exactly the keys of
// its lease; and a watch on everything from revision 1 replays exactly the
// difference between successive states.
func TestPropertyInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m, err := NewMember(Config{})
		require.NoError(t, err)
		m.Start(0)
		now := 100 * time.Millisecond
		require.NoError(t, m.Tick(now))
		require.NoError(t, m.Handle(now, Request{Stream: 1, Watch: &pb.WatchRequest{RequestUnion: &pb.WatchRequest_CreateRequest{
			CreateRequest: &pb.WatchCreateRequest{Key: []byte{0}, RangeEnd: []byte{0}, StartRevision: 1}}}}))
		mirror := map[string]*mvccpb.KeyValue{}
		lastRev := m.store.rev
		for i := range rapid.IntRange(1, 40).Draw(t, "n") {
			before := liveState(t, m)
			leasesBefore := map[int64]bool{}
			for id := range m.lessor.leases {
				leasesBefore[id] = true
			}
			now += time.Duration(rapid.IntRange(0, 1500).Draw(t, "dt")) * time.Millisecond
			r := rapidRequest(t)
			r.ID = uint64(i + 1)
			require.NoError(t, m.Handle(now, r))
			rd := m.Ready()
			for _, rep := range rd.Replies {
				if rep.Err == nil {
					h := rep.Resp.(headered).GetHeader()
					require.LessOrEqual(t, h.Revision, m.store.rev)
				}
			}
			require.GreaterOrEqual(t, m.store.rev, lastRev, "revision went back")
			lastRev = m.store.rev
			after := liveState(t, m)
			for k, kv := range after {
				require.LessOrEqual(t, kv.CreateRevision, kv.ModRevision, k)
				require.GreaterOrEqual(t, kv.Version, int64(1), k)
				require.NotZero(t, kv.Lease == 0 || m.lessor.leases[kv.Lease] != nil, "key %s on a dead lease", k)
			}
			// Leases gone since before: their keys, and only those, are gone
			// (other keys may change only by the request itself).
			for id := range leasesBefore {
				if m.lessor.leases[id] != nil {
					continue
				}
				for k, kv := range before {
					if kv.Lease == id {
						_, still := after[k]
						require.False(t, still && after[k].ModRevision <= kv.ModRevision, "key %s of revoked lease %d survived", k, id)
					}
				}
			}
			for _, w := range rd.Watch {
				for _, ev := range w.Resp.Events {
					if ev.Type == mvccpb.PUT {
						mirror[string(ev.Kv.Key)] = ev.Kv
					} else {
						delete(mirror, string(ev.Kv.Key))
					}
				}
			}
			require.Equal(t, len(after), len(mirror), "watch events do not add up to the state")
			for k, kv := range after {
				require.NotNil(t, mirror[k], k)
				require.True(t, bytes.Equal(kv.Value, mirror[k].Value) && kv.ModRevision == mirror[k].ModRevision &&
					kv.Version == mirror[k].Version && kv.CreateRevision == mirror[k].CreateRevision && kv.Lease == mirror[k].Lease, k)
			}
		}
	})
}

// TestPropertyDeterministic: the same requests at the same times give the
// same outputs, byte for byte.
func TestPropertyDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type step struct {
			at time.Duration
			r  Request
		}
		var steps []step
		now := 100 * time.Millisecond
		for i := range rapid.IntRange(1, 30).Draw(t, "n") {
			now += time.Duration(rapid.IntRange(0, 1000).Draw(t, "dt")) * time.Millisecond
			r := rapidRequest(t)
			r.ID = uint64(i + 1)
			if rapid.Bool().Draw(t, "server-id") && r.LeaseGrant != nil {
				r.LeaseGrant.ID = 0
			}
			steps = append(steps, step{now, r})
		}
		run := func() []string {
			m, err := NewMember(Config{Seed: 5})
			require.NoError(t, err)
			m.Start(0)
			var out []string
			for _, s := range steps {
				require.NoError(t, m.Handle(s.at, s.r))
				rd := m.Ready()
				for _, rep := range rd.Replies {
					out = append(out, describeReply(rep))
				}
			}
			return out
		}
		require.Equal(t, run(), run())
	})
}

func describeReply(r Reply) string {
	if r.Err != nil {
		return r.Err.Error()
	}
	b, _ := protoMarshal(r.Resp)
	return string(b)
}
