package locks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/locksim/locksim/internal/etcdtest"
)

// newEtcdTestClient returns a clientv3 client on the real server, closed
// when the test ends.
func newEtcdTestClient(t *testing.T) *clientv3.Client {
	t.Helper()
	ep := etcdtest.Endpoint(t)
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{ep}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// etcdTestKey is a fresh lock key whose keys are deleted when the test ends.
func etcdTestKey(t *testing.T, cli *clientv3.Client) string {
	k := fmt.Sprintf("locksim-test/%s/%016x", t.Name(), rand.Uint64())
	t.Cleanup(func() { _, _ = cli.Delete(context.Background(), k+"/", clientv3.WithPrefix()) })
	return k
}

// flakyEtcd is an Etcd whose keep-alives can be dropped: the holder that
// "stops keep-alive" (a crashed or partitioned client's loop).
type flakyEtcd struct {
	Etcd
	drop atomic.Bool
}

var errDropped = errors.New("test: keep-alive dropped")

func (f *flakyEtcd) KeepAliveOnce(ctx context.Context, id EtcdLeaseID) (int64, error) {
	if f.drop.Load() {
		return 0, errDropped
	}
	return f.Etcd.KeepAliveOnce(ctx, id)
}

// etcdLocks builds both etcd locks, by name.
var etcdBuilders = []struct {
	name  string
	build func(rt Runtime, cli Etcd, o EtcdOptions) (*EtcdLock, error)
}{{"etcd", NewEtcd}, {"etcd-fenced", NewEtcdFenced}}

// prefixKeys returns the keys of prefix k + "/" on the server, oldest first.
func prefixKeys(t *testing.T, cli *clientv3.Client, k string) []EtcdKV {
	r, err := EtcdClient(cli).Get(context.Background(), EtcdGet{Key: k + "/", Prefix: true, Sort: EtcdOldestFirst})
	require.NoError(t, err)
	return r.KVs
}

// TestEtcdLocksOnRealEtcd runs both etcd locks through the real clientv3
// client against a real etcd-server.
func TestEtcdLocksOnRealEtcd(t *testing.T) {
	cli := newEtcdTestClient(t)
	ctx := context.Background()
	for _, b := range etcdBuilders {
		fenced := b.name == "etcd-fenced"
		mk := func(t *testing.T, e Etcd, k string, ttl time.Duration) *EtcdLock {
			l, err := b.build(Real(), e, EtcdOptions{Key: k, TTL: ttl})
			require.NoError(t, err)
			t.Cleanup(func() { _ = l.Close(context.Background()) })
			return l
		}
		t.Run(b.name, func(t *testing.T) {
			t.Run("AcquireRelease", func(t *testing.T) {
				k := etcdTestKey(t, cli)
				l := mk(t, EtcdClient(cli), k, 10*time.Second)
				before := time.Now()
				lease, err := l.Lock(ctx)
				require.NoError(t, err)
				assert.Equal(t, k, lease.Key)
				id, rev, ok := parseEtcdValue(lease.Value)
				require.True(t, ok, lease.Value)
				assert.False(t, lease.Validity.Before(before.Add(10*time.Second)), "validity before the grant's send time + TTL")
				assert.False(t, lease.Validity.After(time.Now().Add(10*time.Second)), "validity past now + TTL")
				assert.Equal(t, fenced, lease.Fenced)
				if fenced {
					assert.Equal(t, rev, lease.Token)
				} else {
					assert.Zero(t, lease.Token)
				}
				keys := prefixKeys(t, cli, k)
				require.Len(t, keys, 1)
				assert.Equal(t, fmt.Sprintf("%s/%x", k, int64(id)), keys[0].Key)
				assert.Equal(t, rev, keys[0].CreateRevision)
				ttl, err := cli.TimeToLive(ctx, clientv3.LeaseID(id), clientv3.WithAttachedKeys())
				require.NoError(t, err)
				assert.Equal(t, []string{keys[0].Key}, byteStrings(ttl.Keys), "the key is attached to the session lease")

				// Held: another client waits until its ctx is done.
				other := mk(t, EtcdClient(cli), k, 10*time.Second)
				wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				_, err = other.Lock(wctx)
				cancel()
				require.ErrorIs(t, err, ErrNotAcquired)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Len(t, prefixKeys(t, cli, k), 1, "the waiter that gave up removed its key")

				// A second Lock of the same holder is refused, not shared.
				_, err = l.Lock(ctx)
				require.ErrorIs(t, err, ErrNotAcquired)

				ext, err := l.Extend(ctx, lease)
				require.NoError(t, err)
				assert.False(t, ext.Validity.Before(lease.Validity), "extend moves the validity forward")

				require.NoError(t, l.Unlock(ctx, lease))
				assert.Empty(t, prefixKeys(t, cli, k))
				require.ErrorIs(t, l.Unlock(ctx, lease), ErrNotOwner)
				_, err = l.Extend(ctx, lease)
				require.ErrorIs(t, err, ErrNotOwner)

				// Released: the other client takes it at once.
				lease2, err := other.Lock(ctx)
				require.NoError(t, err)
				require.NoError(t, other.Unlock(ctx, lease2))
			})

			t.Run("StaleUnlockOfTheSameSession", func(t *testing.T) {
				// etcd-io/etcd#22082: a stale Unlock of an earlier holding of
				// the same session must not delete the newer holding.
				k := etcdTestKey(t, cli)
				l := mk(t, EtcdClient(cli), k, 10*time.Second)
				first, err := l.Lock(ctx)
				require.NoError(t, err)
				require.NoError(t, l.Unlock(ctx, first))
				second, err := l.Lock(ctx)
				require.NoError(t, err)
				id1, rev1, _ := parseEtcdValue(first.Value)
				id2, rev2, _ := parseEtcdValue(second.Value)
				require.Equal(t, id1, id2, "one session, one key")
				require.Greater(t, rev2, rev1)
				require.ErrorIs(t, l.Unlock(ctx, first), ErrNotOwner)
				require.Len(t, prefixKeys(t, cli, k), 1, "the newer holding survived the stale unlock")
				require.NoError(t, l.Unlock(ctx, second))
			})

			t.Run("ContentionIsExclusiveAndFIFO", func(t *testing.T) {
				k := etcdTestKey(t, cli)
				const n = 5
				ls := make([]*EtcdLock, n)
				for i := range ls {
					ls[i] = mk(t, EtcdClient(cli), k, 10*time.Second)
				}
				holder, err := ls[0].Lock(ctx)
				require.NoError(t, err)
				// Enqueue the waiters one after the other, so that their
				// create revisions give their order.
				var (
					mu      sync.Mutex
					order   []int   // clients in the order they acquired
					revs    []int64 // their create revisions, in that order
					inside  atomic.Int32
					overlap atomic.Int32
					wg      sync.WaitGroup
				)
				for i := 1; i < n; i++ {
					wg.Go(func() {
						lease, err := ls[i].Lock(ctx)
						if !assert.NoError(t, err) {
							return
						}
						if inside.Add(1) > 1 {
							overlap.Add(1)
						}
						_, rev, _ := parseEtcdValue(lease.Value)
						mu.Lock()
						order, revs = append(order, i), append(revs, rev)
						mu.Unlock()
						time.Sleep(20 * time.Millisecond)
						inside.Add(-1)
						assert.NoError(t, ls[i].Unlock(ctx, lease))
					})
					require.Eventually(t, func() bool { return len(prefixKeys(t, cli, k)) == i+1 }, 5*time.Second, 5*time.Millisecond)
				}
				time.Sleep(50 * time.Millisecond)
				mu.Lock()
				assert.Empty(t, order, "nobody acquires while the holder holds")
				mu.Unlock()
				require.NoError(t, ls[0].Unlock(ctx, holder))
				wg.Wait()
				assert.Zero(t, overlap.Load(), "two holders at once")
				assert.Equal(t, []int{1, 2, 3, 4}, order, "waiters acquire in the order they enqueued")
				assert.True(t, sort.SliceIsSorted(revs, func(a, b int) bool { return revs[a] < revs[b] }), "create revisions increase: %v", revs)
			})

			t.Run("HolderSessionExpiryFreesTheLock", func(t *testing.T) {
				k := etcdTestKey(t, cli)
				fe := &flakyEtcd{Etcd: EtcdClient(cli)}
				holder := mk(t, fe, k, 2*time.Second)
				lease, err := holder.Lock(ctx)
				require.NoError(t, err)
				fe.drop.Store(true) // the holder stops keeping its lease alive
				other := mk(t, EtcdClient(cli), k, 10*time.Second)
				lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				lease2, err := other.Lock(lctx)
				require.NoError(t, err, "the lease's expiry frees the lock")
				assert.False(t, time.Now().Before(lease.Validity), "freed before the holder's validity passed")
				// The holder learns it: its session is dead, Extend refuses.
				fe.drop.Store(false)
				_, err = holder.Extend(ctx, lease)
				require.ErrorIs(t, err, ErrNotOwner)
				require.ErrorIs(t, holder.Unlock(ctx, lease), ErrNotOwner)
				if fenced {
					assert.Greater(t, lease2.Token, lease.Token)
				}
				// Its next Lock starts a new session and queues behind.
				require.NoError(t, other.Unlock(ctx, lease2))
				lease3, err := holder.Lock(ctx)
				require.NoError(t, err)
				id1, _, _ := parseEtcdValue(lease.Value)
				id3, _, _ := parseEtcdValue(lease3.Value)
				assert.NotEqual(t, id1, id3, "a new session")
				require.NoError(t, holder.Unlock(ctx, lease3))
			})

			t.Run("WaiterSessionExpiresWhileWaiting", func(t *testing.T) {
				// etcd-io/etcd#19597: concurrency's Lock keeps waiting after
				// its session expired; this lock stops waiting and fails
				// with ErrSessionExpired. Two ways to lose the session: the
				// server answers that the lease is gone (revoked here), and
				// keep-alives fail until the client's belief runs out.
				for _, how := range []string{"revoked", "keepalives-fail"} {
					t.Run(how, func(t *testing.T) {
						k := etcdTestKey(t, cli)
						holder := mk(t, EtcdClient(cli), k, 30*time.Second)
						held, err := holder.Lock(ctx)
						require.NoError(t, err)
						fe := &flakyEtcd{Etcd: EtcdClient(cli)}
						waiter := mk(t, fe, k, 2*time.Second)
						done := make(chan error, 1)
						start := time.Now()
						go func() {
							_, err := waiter.Lock(ctx)
							done <- err
						}()
						require.Eventually(t, func() bool { return len(prefixKeys(t, cli, k)) == 2 }, 5*time.Second, 5*time.Millisecond)
						if how == "revoked" {
							keys := prefixKeys(t, cli, k)
							var id int64
							_, err := fmt.Sscanf(keys[1].Key[len(k)+1:], "%x", &id)
							require.NoError(t, err)
							_, err = cli.Revoke(ctx, clientv3.LeaseID(id))
							require.NoError(t, err)
						} else {
							fe.drop.Store(true)
						}
						select {
						case err := <-done:
							require.ErrorIs(t, err, ErrNotAcquired)
							require.ErrorIs(t, err, ErrSessionExpired)
						case <-time.After(10 * time.Second):
							t.Fatal("the waiter keeps waiting after its session expired")
						}
						assert.Less(t, time.Since(start), 8*time.Second)
						// The holder was never disturbed.
						_, err = holder.Extend(ctx, held)
						require.NoError(t, err)
						fe.drop.Store(false)
						require.Eventually(t, func() bool { return len(prefixKeys(t, cli, k)) == 1 }, 5*time.Second, 20*time.Millisecond, "the waiter's key leaves with its lease")
						require.NoError(t, holder.Unlock(ctx, held))
						// The waiter's next Lock starts a new session.
						again, err := waiter.Lock(ctx)
						require.NoError(t, err)
						require.NoError(t, waiter.Unlock(ctx, again))
					})
				}
			})

			t.Run("TokensIncrease", func(t *testing.T) {
				k := etcdTestKey(t, cli)
				ls := []*EtcdLock{mk(t, EtcdClient(cli), k, 10*time.Second), mk(t, EtcdClient(cli), k, 10*time.Second), mk(t, EtcdClient(cli), k, 10*time.Second)}
				var last int64
				for i := range 9 {
					l := ls[i%len(ls)]
					lease, err := l.Lock(ctx)
					require.NoError(t, err)
					_, rev, _ := parseEtcdValue(lease.Value)
					assert.Greater(t, rev, last, "create revisions strictly increase")
					if fenced {
						assert.Equal(t, rev, lease.Token)
					}
					last = rev
					require.NoError(t, l.Unlock(ctx, lease))
				}
			})

			t.Run("CloseRevokes", func(t *testing.T) {
				k := etcdTestKey(t, cli)
				l := mk(t, EtcdClient(cli), k, 10*time.Second)
				_, err := l.Lock(ctx)
				require.NoError(t, err)
				require.NoError(t, l.Close(ctx))
				assert.Empty(t, prefixKeys(t, cli, k), "revoking the lease deleted the key")
			})
		})
	}
}

func byteStrings(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}
