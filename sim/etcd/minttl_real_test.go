package etcd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestRealMinLeaseTTLAndServerChosenIDs checks against the real server what
// the model derives: a TTL-1 grant gets the 2s minimum, and a server-chosen
// ID is positive. (The IDs themselves differ: etcd seeds its generator with
// the boot time, the model with Config.Seed.)
func TestRealMinLeaseTTLAndServerChosenIDs(t *testing.T) {
	real := requireRealEtcd(t)
	lc := pb.NewLeaseClient(real.cli.ActiveConnection())
	h := newTM(t)
	for _, ttl := range []int64{1, 2, 7} {
		resp, err := lc.LeaseGrant(t.Context(), &pb.LeaseGrantRequest{TTL: ttl})
		require.NoError(t, err)
		model := h.grant(0, ttl)
		assert.Equal(t, resp.TTL, model.TTL, "TTL %d", ttl)
		assert.Positive(t, resp.ID)
		assert.Positive(t, model.ID)
		_, err = lc.LeaseRevoke(t.Context(), &pb.LeaseRevokeRequest{ID: resp.ID})
		require.NoError(t, err)
	}
	assert.Equal(t, int64(2), h.m.cfg.MinLeaseTTL())
}
