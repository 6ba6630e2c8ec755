package etcd

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// testCluster is a 3-node cluster on a test network: messages are
// delivered within the same 10ms step, in order, unless the link is cut.
type testCluster struct {
	t       testing.TB
	ids     []uint64
	nodes   map[uint64]*Node
	now     time.Duration
	cut     map[[2]uint64]bool
	replies map[uint64]Reply // by request ID
	trace   []byte
	drop    func(*raftpb.Message) bool // loses the messages it matches
	reqID   uint64
}

func newTestCluster(t testing.TB, seed uint64) *testCluster {
	c := &testCluster{t: t, ids: []uint64{1, 2, 3}, nodes: map[uint64]*Node{}, cut: map[[2]uint64]bool{}, replies: map[uint64]Reply{}}
	for _, id := range c.ids {
		n, err := NewNode(Config{ClusterID: 9, Seed: seed}, id, c.ids)
		require.NoError(t, err)
		require.NoError(t, n.Start(0))
		c.nodes[id] = n
	}
	return c
}

func (c *testCluster) drain() {
	for {
		var msgs []*raftpb.Message
		for _, id := range c.ids {
			n := c.nodes[id]
			if n.rn == nil {
				continue
			}
			rd := n.Ready()
			for _, r := range rd.Replies {
				c.replies[r.ID] = r
			}
			msgs = append(msgs, rd.Messages...)
		}
		if len(msgs) == 0 {
			return
		}
		for _, m := range msgs {
			b, _ := proto.Marshal(m)
			c.trace = append(c.trace, b...)
			to := c.nodes[m.GetTo()]
			if c.cut[[2]uint64{m.GetFrom(), m.GetTo()}] || to.rn == nil || (c.drop != nil && c.drop(m)) {
				continue
			}
			require.NoError(c.t, to.Step(c.now, m))
		}
	}
}

func (c *testCluster) run(d time.Duration) {
	for end := c.now + d; c.now < end; {
		c.now += 10 * time.Millisecond
		for _, id := range c.ids {
			if c.nodes[id].rn != nil {
				require.NoError(c.t, c.nodes[id].Tick(c.now))
			}
		}
		c.drain()
	}
}

func (c *testCluster) isolate(id uint64, on bool) {
	for _, o := range c.ids {
		if o != id {
			c.cut[[2]uint64{id, o}], c.cut[[2]uint64{o, id}] = on, on
		}
	}
}

func (c *testCluster) leaders() (out []uint64) {
	for _, id := range c.ids {
		if c.nodes[id].Leader() {
			out = append(out, id)
		}
	}
	return out
}

func (c *testCluster) send(node uint64, r Request) uint64 {
	c.reqID++
	r.ID = c.reqID
	require.NoError(c.t, c.nodes[node].Handle(c.now, r))
	c.drain()
	return r.ID
}

func (c *testCluster) put(node uint64, k, v string, lease int64) uint64 {
	return c.send(node, Request{Put: &pb.PutRequest{Key: []byte(k), Value: []byte(v), Lease: lease}})
}

func TestClusterElectsAndReplicates(t *testing.T) {
	c := newTestCluster(t, 1)
	c.run(3 * time.Second)
	leaders := c.leaders()
	require.Len(t, leaders, 1, "one leader after 3s")
	follower := c.ids[0]
	if follower == leaders[0] {
		follower = c.ids[1]
	}
	id := c.put(follower, "k", "v", 0) // raft forwards the proposal to the leader
	c.run(100 * time.Millisecond)
	require.Contains(t, c.replies, id)
	require.NoError(t, c.replies[id].Err)
	rev := c.replies[id].Resp.(*pb.PutResponse).Header.Revision
	for _, n := range c.nodes {
		kv, ok := n.m.store.get("k", n.m.store.rev)
		require.True(t, ok, "node %d", n.id)
		assert.Equal(t, rev, kv.ModRevision)
	}
	get := c.send(follower, Request{Range: &pb.RangeRequest{Key: []byte("k")}}) // ReadIndex
	c.run(100 * time.Millisecond)
	require.Contains(t, c.replies, get)
	assert.Len(t, c.replies[get].Resp.(*pb.RangeResponse).Kvs, 1)
	ka := c.send(follower, Request{LeaseKeepAlive: &pb.LeaseKeepAliveRequest{ID: 1}})
	assert.ErrorIs(t, c.replies[ka].Err, ErrNotLeader)
}

// A leader cut off from the others cannot commit; the majority elects a new
// leader in a higher term; on healing the old leader steps down and its
// uncommitted write is dropped, never answered.
func TestClusterLeaderPartition(t *testing.T) {
	c := newTestCluster(t, 2)
	c.run(3 * time.Second)
	old := c.leaders()[0]
	oldTerm := c.nodes[old].m.term
	c.isolate(old, true)
	lost := c.put(old, "k", "lost", 0)
	c.run(4 * time.Second)
	var next uint64
	for _, id := range c.leaders() {
		if id != old {
			next = id
		}
	}
	require.NotZero(t, next, "the majority elected a leader")
	assert.Greater(t, c.nodes[next].m.term, oldTerm)
	won := c.put(next, "k", "won", 0)
	c.run(100 * time.Millisecond)
	require.Contains(t, c.replies, won)
	assert.NotContains(t, c.replies, lost)
	c.isolate(old, false)
	c.run(2 * time.Second)
	assert.Equal(t, []uint64{next}, c.leaders())
	assert.NotContains(t, c.replies, lost)
	for _, n := range c.nodes {
		kv, ok := n.m.store.get("k", n.m.store.rev)
		require.True(t, ok)
		assert.Equal(t, "won", string(kv.Value), "node %d", n.id)
	}
}

// A new leader promotes its lessor when it applies its term's first entry:
// the lease gets its whole TTL plus the election timeout from then on, and
// its revocation is replicated.
func TestClusterNewLeaderExtendsLeases(t *testing.T) {
	c := newTestCluster(t, 3)
	c.run(3 * time.Second)
	old := c.leaders()[0]
	grant := c.send(old, Request{LeaseGrant: &pb.LeaseGrantRequest{ID: 5, TTL: 5}})
	c.put(old, "k", "v", 5)
	c.run(100 * time.Millisecond)
	require.NoError(t, c.replies[grant].Err)
	granted := c.now
	c.isolate(old, true)
	var next uint64
	for deadline := c.now + 5*time.Second; next == 0; {
		require.Less(t, c.now, deadline, "no new leader promoted its lessor")
		c.run(10 * time.Millisecond)
		for _, id := range c.leaders() {
			if id != old && c.nodes[id].m.lessor.primary {
				next = id
			}
		}
	}
	promoted := c.now
	l := c.nodes[next].m.lessor.lookup(5)
	require.NotNil(t, l)
	assert.Equal(t, promoted+time.Second+5*time.Second, l.expiry, "Promote(election timeout)")
	assert.Greater(t, l.expiry, granted+5*time.Second)
	c.run(l.expiry - c.now + 600*time.Millisecond)
	for _, id := range c.ids {
		if id == old {
			continue
		}
		_, ok := c.nodes[id].m.store.get("k", c.nodes[id].m.store.rev)
		assert.False(t, ok, "node %d still has the leased key", id)
	}
}

func TestClusterDeterministic(t *testing.T) {
	trace := func() string {
		c := newTestCluster(t, 4)
		c.run(2 * time.Second)
		c.isolate(c.leaders()[0], true)
		c.put(c.ids[0], "a", "1", 0)
		c.run(3 * time.Second)
		return fmt.Sprintf("%x", sha256.Sum256(c.trace))
	}
	assert.Equal(t, trace(), trace())
}

// A crashed follower keeps its log and state; restarted, it catches up.
// A crashed leader is replaced; restarted, it follows.
func TestClusterCrashAndRestart(t *testing.T) {
	c := newTestCluster(t, 5)
	c.run(3 * time.Second)
	leader := c.leaders()[0]
	var follower uint64
	for _, id := range c.ids {
		if id != leader {
			follower = id
			break
		}
	}
	c.put(leader, "a", "1", 0)
	c.run(100 * time.Millisecond)
	c.nodes[follower].Crash()
	c.put(leader, "b", "2", 0)
	c.run(time.Second)
	require.NoError(t, c.nodes[follower].Start(c.now))
	c.run(time.Second)
	_, ok := c.nodes[follower].m.store.get("b", c.nodes[follower].m.store.rev)
	assert.True(t, ok, "the restarted follower caught up")

	c.nodes[leader].Crash()
	c.run(4 * time.Second)
	require.Len(t, c.leaders(), 1)
	assert.NotEqual(t, leader, c.leaders()[0])
	require.NoError(t, c.nodes[leader].Start(c.now))
	c.run(time.Second)
	assert.False(t, c.nodes[leader].Leader())
	id := c.put(c.leaders()[0], "c", "3", 0)
	c.run(100 * time.Millisecond)
	require.NoError(t, c.replies[id].Err)
	for _, n := range c.nodes {
		assert.Equal(t, c.replies[id].Resp.(*pb.PutResponse).Header.Revision, n.m.store.rev, "node %d", n.id)
	}
}

// A follower that lost the leader's appends but got its read index must not
// answer the read until it has applied up to that index.
func TestClusterReadIndexWaitsForApply(t *testing.T) {
	c := newTestCluster(t, 6)
	c.run(3 * time.Second)
	leader := c.leaders()[0]
	var f uint64
	for _, id := range c.ids {
		if id != leader {
			f = id
			break
		}
	}
	c.put(leader, "k", "old", 0)
	c.run(100 * time.Millisecond)
	c.drop = func(m *raftpb.Message) bool {
		return m.GetTo() == f && m.GetType() == raftpb.MessageType_MsgApp
	}
	c.put(leader, "k", "new", 0)
	c.run(50 * time.Millisecond)
	get := c.send(f, Request{Range: &pb.RangeRequest{Key: []byte("k")}})
	c.run(50 * time.Millisecond)
	assert.NotContains(t, c.replies, get, "answered before applying up to the read index")
	c.drop = nil
	c.run(500 * time.Millisecond)
	require.Contains(t, c.replies, get)
	assert.Equal(t, "new", string(c.replies[get].Resp.(*pb.RangeResponse).Kvs[0].Value))
}
