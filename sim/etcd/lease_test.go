package etcd

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

func TestMinLeaseTTL(t *testing.T) {
	tests := []struct {
		cfg  Config
		want int64
	}{
		{Config{}, 2}, // ceil(15 * 100ms)
		{Config{ElectionTicks: 10, HeartbeatInterval: 300 * time.Millisecond}, 5},
		{Config{ElectionTicks: 5, HeartbeatInterval: 100 * time.Millisecond}, 1}, // 3*5/2 = 7 ticks, integer division
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.cfg.MinLeaseTTL(), "%+v", tt.cfg)
	}
	h := newTM(t)
	assert.Equal(t, int64(2), h.grant(1, 1).TTL, "a TTL-1 grant gets the minimum")
	assert.Equal(t, int64(2), h.grant(2, -5).TTL)
	assert.Equal(t, int64(10), h.grant(3, 10).TTL)
}

func TestLeaseGrantRefusals(t *testing.T) {
	h := newTM(t)
	h.grant(1, 10)
	_, err := h.do(Request{LeaseGrant: &pb.LeaseGrantRequest{ID: 1, TTL: 10}})
	require.ErrorIs(t, err, errLeaseExist)
	_, err = h.do(Request{LeaseGrant: &pb.LeaseGrantRequest{ID: 2, TTL: maxLeaseTTL + 1}})
	require.ErrorIs(t, err, errLeaseTTLTooBig)
	a, b := h.grant(0, 10), h.grant(0, 10)
	assert.Positive(t, a.ID)
	assert.Equal(t, a.ID+1, b.ID, "server-chosen IDs come from etcd's counter generator")
	assert.Equal(t, uint64(7), uint64(a.ID)>>48, "prefixed by the member ID")
}

// A lease expires at grant + TTL, but keys go only at the next 500ms check
// of the lessor.
func TestLeaseExpiryAtTheLessorsCheck(t *testing.T) {
	h := newTM(t) // now = 100ms; checks at 0, 500ms, 1s, ...
	h.advance(50 * time.Millisecond)
	h.grant(1, 2) // expires at 2.15s
	h.put("k", "v", 1)
	h.advance(2100 * time.Millisecond) // 2.25s: expired, next check at 2.5s
	assert.Len(t, h.get("k").Kvs, 1, "the key outlives its lease until the lessor's check")
	ttl, _ := h.do(Request{LeaseTimeToLive: &pb.LeaseTimeToLiveRequest{ID: 1}})
	assert.Equal(t, int64(0), ttl.(*pb.LeaseTimeToLiveResponse).TTL)
	h.advance(250 * time.Millisecond) // 2.5s
	assert.Empty(t, h.get("k").Kvs)
	ttl, _ = h.do(Request{LeaseTimeToLive: &pb.LeaseTimeToLiveRequest{ID: 1}})
	assert.Equal(t, int64(-1), ttl.(*pb.LeaseTimeToLiveResponse).TTL)
	assert.Equal(t, 2500*time.Millisecond, h.m.Ready().NextDeadline-500*time.Millisecond)
}

func TestKeepAliveRenewsAndRevokeDeletesInOneRevision(t *testing.T) {
	h := newTM(t)
	h.grant(1, 3)
	h.put("a", "1", 1)
	h.put("b", "2", 1)
	h.put("c", "3", 0)
	h.advance(2 * time.Second)
	resp, err := h.do(Request{LeaseKeepAlive: &pb.LeaseKeepAliveRequest{ID: 1}})
	require.NoError(t, err)
	assert.Equal(t, int64(3), resp.(*pb.LeaseKeepAliveResponse).TTL)
	h.advance(2 * time.Second)
	assert.Len(t, h.get("a").Kvs, 1, "renewed")
	ttl, _ := h.do(Request{LeaseTimeToLive: &pb.LeaseTimeToLiveRequest{ID: 1, Keys: true}})
	assert.Equal(t, [][]byte{[]byte("a"), []byte("b")}, ttl.(*pb.LeaseTimeToLiveResponse).Keys)
	before := h.m.store.rev
	resp, err = h.do(Request{LeaseRevoke: &pb.LeaseRevokeRequest{ID: 1}})
	require.NoError(t, err)
	assert.Equal(t, before+1, resp.(*pb.LeaseRevokeResponse).Header.Revision)
	assert.Empty(t, h.get("a").Kvs)
	assert.Len(t, h.get("c").Kvs, 1)
	_, err = h.do(Request{LeaseRevoke: &pb.LeaseRevokeRequest{ID: 1}})
	require.ErrorIs(t, err, errLeaseNotFound)
	resp, err = h.do(Request{LeaseKeepAlive: &pb.LeaseKeepAliveRequest{ID: 1}})
	require.NoError(t, err, "a keep-alive of an unknown lease is answered, with TTL 0")
	assert.Equal(t, int64(0), resp.(*pb.LeaseKeepAliveResponse).TTL)
}

// etcd's Renew waits for an expired lease's revocation and then answers
// TTL 0, with the header it took on arrival.
func TestKeepAliveOfAnExpiredLeaseWaitsForTheRevocation(t *testing.T) {
	h := newTM(t)
	h.grant(1, 2)
	h.put("k", "v", 1)
	h.advance(2050 * time.Millisecond) // 2.15s: expired, revoked at 2.5s
	resp, _ := h.do(Request{ID: 0, LeaseKeepAlive: &pb.LeaseKeepAliveRequest{ID: 1}})
	assert.Nil(t, resp, "held")
	h.now += 400 * time.Millisecond
	require.NoError(t, h.m.Tick(h.now))
	rd := h.m.Ready()
	require.Len(t, rd.Replies, 1)
	ka := rd.Replies[0].Resp.(*pb.LeaseKeepAliveResponse)
	assert.Equal(t, int64(0), ka.TTL)
	assert.Equal(t, int64(2), ka.Header.Revision, "the header predates the revocation")
	assert.Equal(t, int64(3), h.m.store.rev)
}

// Leases are durable; a restarted member promotes its lessor when elected,
// extending every lease to now + election timeout + its full TTL.
func TestRestartKeepsStateAndExtendsLeases(t *testing.T) {
	h := newTM(t)
	h.grant(1, 5)
	h.put("k", "v", 1)
	h.advance(4 * time.Second) // 4.1s: one second left
	h.m.Crash()
	require.ErrorIs(t, h.m.Handle(h.now, Request{Range: &pb.RangeRequest{Key: []byte("k")}}), ErrStopped)
	h.now += 10 * time.Second // down for 10s: longer than the TTL
	h.m.Start(h.now)          // 14.1s; leader at 14.2s
	resp, err := h.do(Request{Range: &pb.RangeRequest{Key: []byte("k")}})
	require.NoError(t, err)
	assert.Nil(t, resp, "held until the member is elected")
	h.now += 100 * time.Millisecond
	require.NoError(t, h.m.Tick(h.now))
	rd := h.m.Ready()
	require.Len(t, rd.Replies, 1)
	assert.Len(t, rd.Replies[0].Resp.(*pb.RangeResponse).Kvs, 1, "acknowledged writes survive")
	assert.Equal(t, uint64(3), rd.Replies[0].Resp.(*pb.RangeResponse).Header.RaftTerm, "a new term")
	// 14.2s + 1s + 5s = 20.2s
	h.advance(5900 * time.Millisecond) // 20.1s
	assert.Len(t, h.get("k").Kvs, 1)
	h.advance(400 * time.Millisecond) // 20.5s: expired, but the checks run at 14.1s + k*500ms
	assert.Len(t, h.get("k").Kvs, 1)
	h.advance(100 * time.Millisecond) // 20.6s check
	assert.Empty(t, h.get("k").Kvs)
}

func TestMemberMisuse(t *testing.T) {
	m, err := NewMember(Config{})
	require.NoError(t, err)
	require.ErrorIs(t, m.Handle(0, Request{Range: &pb.RangeRequest{Key: []byte("a")}}), ErrStopped)
	m.Start(time.Second)
	require.ErrorIs(t, m.Tick(0), ErrTimeBackwards)
	require.ErrorIs(t, m.Handle(time.Second, Request{}), ErrBadRequest)
	_, err = NewMember(Config{ElectionTicks: -1})
	require.ErrorContains(t, err, "ElectionTicks")
}
