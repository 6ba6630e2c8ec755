package faults

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// etcd members are etcd-N, reached by etcd-* and refused a persistence
// mode (they always keep what they acknowledged); redis-N is not theirs.
func TestEtcdTopology(t *testing.T) {
	topo := Topology{Clients: 2, Redis: 3, Etcd: true}
	require.Equal(t, []string{"client-1", "client-2", "etcd-1", "etcd-2", "etcd-3", "storage"}, topo.Nodes())
	got, err := topo.Expand([]string{"etcd-*"}, "")
	require.NoError(t, err)
	require.Equal(t, []string{"etcd-1", "etcd-2", "etcd-3"}, got)
	require.False(t, topo.Has("redis-1"))
	require.NoError(t, Validate(Schedule{Faults: []Fault{{Kind: Crash, Node: "etcd-2", For: time.Second}}}, topo))
	err = Validate(Schedule{Faults: []Fault{{Kind: Crash, Node: "etcd-2", For: time.Second, Persistence: PersistNone}}}, topo)
	require.ErrorContains(t, err, "faults[0].persistence: etcd members always keep what they acknowledged")
	require.Error(t, Validate(Schedule{Faults: []Fault{{Kind: Pause, Node: "redis-1", For: time.Second}}}, topo))
}
