package simlock

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
	"github.com/locksim/locksim/sim/etcd"
)

// etcdExclusion runs five clients of the etcd lock against members etcd
// members for 20 virtual seconds and returns the cycles completed, the
// most holders at once, and the trace hash.
func etcdExclusion(t *testing.T, seed uint64, members int) (cycles, most int, hash string) {
	w := sim.NewWorld(seed)
	defer w.Close()
	holders := 0
	etcdWorkers(t, w, members, func(rt *sim.Runtime, cli locks.Etcd) {
		l, err := locks.NewEtcd(Runtime(rt), cli, locks.EtcdOptions{Key: "lock", TTL: 4 * time.Second})
		if err != nil {
			panic(err)
		}
		bg := context.Background()
		for {
			lease, err := l.Lock(bg)
			if err != nil {
				continue
			}
			holders++
			most = max(most, holders)
			_ = rt.Sleep(bg, time.Duration(rt.Rand().IntN(20))*time.Millisecond)
			holders--
			if l.Unlock(bg, lease) == nil {
				cycles++
			}
		}
	})
	w.Run(20 * time.Second)
	return cycles, most, w.TraceHash()
}

// Without faults the etcd lock excludes and makes progress, on one member
// and on a raft cluster, and the same seed gives the same trace.
func TestEtcdLockExcludesAndReplays(t *testing.T) {
	for _, members := range []int{1, 3} {
		cycles, most, h1 := etcdExclusion(t, 7, members)
		require.Greater(t, cycles, 100, "members %d", members)
		require.Equal(t, 1, most, "members %d: two holders at once without a fault", members)
		_, _, h2 := etcdExclusion(t, 7, members)
		require.Equal(t, h1, h2, "members %d: same seed, other trace", members)
		_, _, h3 := etcdExclusion(t, 8, members)
		require.NotEqual(t, h1, h3, "members %d: another seed, same trace", members)
	}
}

// A holder whose process crashes stops its keep-alives: the member's lessor
// revokes its session lease one TTL later (within a lease check), reports
// the key it deleted as expired, and the next client acquires.
func TestEtcdHolderCrashExpires(t *testing.T) {
	w := sim.NewWorld(3)
	defer w.Close()
	s, err := etcd.AddMember(w, "etcd-1", etcd.Config{})
	require.NoError(t, err)
	var expired []sim.Event
	w.OnEvent(func(e sim.Event) {
		if e.Kind == etcd.EvExpire {
			expired = append(expired, e)
		}
	})
	var crashAt, secondAt time.Duration
	holder, other := w.AddNode("holder"), w.AddNode("other")
	w.Spawn(holder, "holder", func(rt *sim.Runtime) {
		l, err := locks.NewEtcd(Runtime(rt), Etcd([]*sim.Conn{w.Connect(holder, s.Node())}), locks.EtcdOptions{Key: "lock", TTL: 3 * time.Second})
		require.NoError(t, err)
		_, err = l.Lock(context.Background())
		require.NoError(t, err)
		crashAt = w.Elapsed()
		w.Crash(holder)
	})
	w.Spawn(other, "other", func(rt *sim.Runtime) {
		_ = rt.Sleep(context.Background(), 500*time.Millisecond)
		l, err := locks.NewEtcd(Runtime(rt), Etcd([]*sim.Conn{w.Connect(other, s.Node())}), locks.EtcdOptions{Key: "lock", TTL: 3 * time.Second})
		require.NoError(t, err)
		_, err = l.Lock(context.Background())
		require.NoError(t, err)
		secondAt = w.Elapsed()
	})
	w.Run(30 * time.Second)
	require.NotZero(t, secondAt, "the second client never acquired")
	require.GreaterOrEqual(t, secondAt-crashAt, 3*time.Second, "acquired before the holder's lease could expire")
	require.Less(t, secondAt-crashAt, 4*time.Second, "the lease outlived its TTL and a lease check")
	require.Len(t, expired, 1)
	require.Contains(t, expired[0].Key, "lock/")
}
