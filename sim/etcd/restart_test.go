package etcd

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestDifferentialRestart kills the real server (SIGKILL) and crashes the
// model in the same state, restarts both, and requires that everything
// acknowledged survived on both, identically; and that a lease outlives
// its TTL after the restart by the election timeout (lessor.Promote):
// checked at restart + TTL + 750ms, when the key is still there only if
// the lease was extended.
func TestDifferentialRestart(t *testing.T) {
	real := requireRealEtcd(t)
	if real.external {
		t.Skip("LOCKSIM_ETCD_ENDPOINT is a server this test cannot restart")
	}
	d := newDiffRun(t, real, 7, nil)
	require.Empty(t, d.run(80))
	id := d.leaseBase + 500
	for _, r := range []Request{
		{LeaseGrant: &pb.LeaseGrantRequest{ID: id, TTL: 5}},
		{Put: &pb.PutRequest{Key: []byte(d.prefix + "leased"), Value: []byte("v"), Lease: id}},
	} {
		require.Empty(t, d.do(r))
	}

	real.kill()
	d.m.Crash()
	time.Sleep(time.Second)
	real.start(t)
	real.connect(t) // returns once the restarted server has elected itself and serves
	ready := d.mnow()
	d.m.Start(ready - d.m.cfg.HeartbeatInterval)
	require.NoError(t, d.m.Tick(ready))
	d.wreal, d.wmodel = map[int64][]*pb.WatchResponse{}, map[int64][]*pb.WatchResponse{}
	d.openStreams()

	all := &pb.RangeRequest{Key: []byte(d.prefix), RangeEnd: []byte(d.prefix[:len(d.prefix)-1] + "0")}
	require.Empty(t, d.do(Request{Range: all}), "state after the restart")
	require.Empty(t, d.do(Request{LeaseTimeToLive: &pb.LeaseTimeToLiveRequest{ID: id, Keys: true}}))

	// Without the extension the lease would be revoked by ready + 5.5s.
	time.Sleep(ready + 5750*time.Millisecond - d.mnow())
	d.raw = true
	require.Empty(t, d.do(Request{Range: &pb.RangeRequest{Key: []byte(d.prefix + "leased")}}), "the lease was not extended on one side")
	resp, err := d.kv.Range(t.Context(), &pb.RangeRequest{Key: []byte(d.prefix + "leased")})
	require.NoError(t, err)
	require.Len(t, resp.Kvs, 1, "the real server revoked the lease before TTL + election timeout")
	d.raw = false
	require.Empty(t, d.run(40))
}
