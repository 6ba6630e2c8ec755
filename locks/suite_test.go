package locks

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// redisTarget is a Redis server the suite runs against: a real one or a
// miniredis over TCP. client returns a client on database db.
type redisTarget struct {
	client func(t *testing.T, db int) *redis.Client
}

// runLockSuite runs the behaviour tests of the Redis locks against target,
// with the production Runtime. Keys are unique per test and deleted after.
func runLockSuite(t *testing.T, target redisTarget) {
	conn := func(t *testing.T, db int) Conn { return NewRedisConn(target.client(t, db)) }
	// key returns a fresh key, deleted (with its token key) from dbs 0-3
	// when the test ends.
	key := func(t *testing.T) string {
		k := fmt.Sprintf("locksim-test:%s:%016x", t.Name(), rand.Uint64())
		t.Cleanup(func() {
			for db := 0; db <= 3; db++ {
				target.client(t, db).Del(context.Background(), k, k+":token")
			}
		})
		return k
	}
	get := func(t *testing.T, db int, k string) string {
		v, err := target.client(t, db).Get(context.Background(), k).Result()
		if err == redis.Nil {
			return ""
		}
		require.NoError(t, err)
		return v
	}
	three := func(t *testing.T) []Conn { return []Conn{conn(t, 1), conn(t, 2), conn(t, 3)} }
	ctx := context.Background()

	// builders of every Redis lock with a TTL (expiring) or none.
	type build func(t *testing.T, k string, ttl time.Duration, tries int) Locker
	expiring := []struct {
		name  string
		build build
		dbs   []int
	}{
		{"lua", func(t *testing.T, k string, ttl time.Duration, tries int) Locker {
			l, err := NewLua(Real(), conn(t, 0), LuaOptions{Key: k, TTL: ttl, Tries: tries, MinRetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond})
			require.NoError(t, err)
			return l
		}, []int{0}},
		{"fenced", func(t *testing.T, k string, ttl time.Duration, tries int) Locker {
			l, err := NewFenced(Real(), conn(t, 0), FencedOptions{LuaOptions: LuaOptions{Key: k, TTL: ttl, Tries: tries, MinRetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond}})
			require.NoError(t, err)
			return l
		}, []int{0}},
		{"redlock", func(t *testing.T, k string, ttl time.Duration, tries int) Locker {
			if tries == 0 {
				tries = 100000
			}
			// A round timeout of half the TTL (not 5%) keeps the 200ms-TTL
			// tests robust on a loaded machine.
			l, err := NewRedlock(Real(), three(t), RedlockOptions{Key: k, Expiry: ttl, Tries: tries, TimeoutFactor: 0.5, MinRetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond})
			require.NoError(t, err)
			return l
		}, []int{1, 2, 3}},
	}
	setnx := func(t *testing.T, k string, tries int) Locker {
		l, err := NewSetnx(Real(), conn(t, 0), SetnxOptions{Key: k, Tries: tries, MinRetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond})
		require.NoError(t, err)
		return l
	}

	for _, lk := range expiring {
		t.Run(lk.name, func(t *testing.T) {
			t.Run("AcquireRelease", func(t *testing.T) {
				k := key(t)
				l := lk.build(t, k, 5*time.Second, 1)
				before := time.Now()
				lease, err := l.Lock(ctx)
				after := time.Now()
				require.NoError(t, err)
				assert.Equal(t, k, lease.Key)
				_, herr := hex.DecodeString(lease.Value)
				assert.NoError(t, herr)
				assert.Len(t, lease.Value, 32)
				assert.True(t, lease.Expires())
				assert.False(t, lease.Validity.After(after.Add(5*time.Second)), "validity past the TTL")
				if lk.name == "redlock" {
					// until = now + expiry − elapsed − expiry·0.01
					assert.False(t, lease.Validity.Before(before.Add(5*time.Second-50*time.Millisecond-time.Second)))
					assert.False(t, lease.Validity.After(after.Add(5*time.Second-50*time.Millisecond)))
				} else {
					assert.False(t, lease.Validity.Before(before.Add(5*time.Second)))
				}
				for _, db := range lk.dbs {
					assert.Equal(t, lease.Value, get(t, db, k), "db %d", db)
				}
				if lk.name == "fenced" {
					assert.True(t, lease.Fenced)
					assert.Positive(t, lease.Token)
				} else {
					assert.False(t, lease.Fenced)
					assert.Zero(t, lease.Token)
				}
				// Held: another client cannot take it.
				_, err = lk.build(t, k, 5*time.Second, 2).Lock(ctx)
				assert.ErrorIs(t, err, ErrNotAcquired)

				require.NoError(t, l.Unlock(ctx, lease))
				for _, db := range lk.dbs {
					assert.Empty(t, get(t, db, k), "db %d", db)
				}
				assert.ErrorIs(t, l.Unlock(ctx, lease), ErrNotOwner, "second unlock")
				// Free again.
				lease2, err := lk.build(t, k, 5*time.Second, 1).Lock(ctx)
				require.NoError(t, err)
				assert.NotEqual(t, lease.Value, lease2.Value)
				if lk.name == "fenced" {
					assert.Greater(t, lease2.Token, lease.Token)
				}
			})

			t.Run("Contention", func(t *testing.T) {
				k := key(t)
				contend(ctx, t, func() Locker { return lk.build(t, k, 10*time.Second, 0) })
			})

			t.Run("ExpiresAfterTTL", func(t *testing.T) {
				k := key(t)
				const ttl = 200 * time.Millisecond
				a := lk.build(t, k, ttl, 1)
				start := time.Now() // before A's SET, so its key expires after start+TTL
				leaseA, err := a.Lock(ctx)
				require.NoError(t, err)
				// Held for now.
				_, err = lk.build(t, k, ttl, 1).Lock(ctx)
				if time.Since(start) < ttl/2 {
					require.ErrorIs(t, err, ErrNotAcquired)
				}
				// A never unlocks (a crashed holder); B gets the lock once
				// the key expires.
				b := lk.build(t, k, ttl, 0)
				bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				leaseB, err := b.Lock(bctx)
				require.NoError(t, err)
				waited := time.Since(start)
				assert.GreaterOrEqual(t, waited, ttl-2*time.Millisecond, "acquired before A's key expired")
				assert.Less(t, waited, 2*time.Second)
				// A's lease is void: its unlock and extend are refused, and B
				// keeps the lock.
				assert.ErrorIs(t, a.Unlock(ctx, leaseA), ErrNotOwner)
				if x, ok := a.(Extender); ok {
					_, err := x.Extend(ctx, leaseA)
					assert.ErrorIs(t, err, ErrNotOwner)
				}
				for _, db := range lk.dbs {
					assert.Equal(t, leaseB.Value, get(t, db, k))
				}
				require.NoError(t, b.Unlock(ctx, leaseB))
			})

			t.Run("NonOwnerReleaseRefused", func(t *testing.T) {
				k := key(t)
				l := lk.build(t, k, 5*time.Second, 1)
				lease, err := l.Lock(ctx)
				require.NoError(t, err)
				other := lk.build(t, k, 5*time.Second, 1)
				forged := Lease{Key: k, Value: strings.Repeat("0", 32)}
				assert.ErrorIs(t, other.Unlock(ctx, forged), ErrNotOwner)
				assert.ErrorIs(t, other.Unlock(ctx, Lease{Key: k}), ErrNotOwner)
				assert.ErrorIs(t, other.Unlock(ctx, Lease{Key: "other", Value: lease.Value}), ErrNotOwner)
				for _, db := range lk.dbs {
					assert.Equal(t, lease.Value, get(t, db, k), "a non-owner released the lock")
				}
				require.NoError(t, l.Unlock(ctx, lease))
			})

			t.Run("Extend", func(t *testing.T) {
				k := key(t)
				const ttl = time.Second
				l := lk.build(t, k, ttl, 1)
				lease, err := l.Lock(ctx)
				require.NoError(t, err)
				for i := 0; i < 4; i++ {
					time.Sleep(ttl * 3 / 10)
					next, err := l.(Extender).Extend(ctx, lease)
					require.NoError(t, err, "extend %d", i)
					assert.True(t, next.Validity.After(lease.Validity))
					assert.Equal(t, lease.Value, next.Value)
					assert.Equal(t, lease.Token, next.Token)
					lease = next
				}
				// 1.2s after Lock, past the first TTL: still held.
				for _, db := range lk.dbs {
					assert.Equal(t, lease.Value, get(t, db, k))
				}
				require.NoError(t, l.Unlock(ctx, lease))
			})

			t.Run("ContextDone", func(t *testing.T) {
				k := key(t)
				holder := lk.build(t, k, 5*time.Second, 1)
				lease, err := holder.Lock(ctx)
				require.NoError(t, err)
				cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
				start := time.Now()
				_, err = lk.build(t, k, 5*time.Second, 0).Lock(cctx)
				assert.ErrorIs(t, err, ErrNotAcquired)
				assert.Less(t, time.Since(start), 2*time.Second)
				require.NoError(t, holder.Unlock(ctx, lease))
			})
		})
	}

	t.Run("setnx", func(t *testing.T) {
		t.Run("AcquireRelease", func(t *testing.T) {
			k := key(t)
			l := setnx(t, k, 1)
			lease, err := l.Lock(ctx)
			require.NoError(t, err)
			assert.False(t, lease.Expires())
			assert.Equal(t, lease.Value, get(t, 0, k))
			_, err = setnx(t, k, 2).Lock(ctx)
			assert.ErrorIs(t, err, ErrNotAcquired)
			require.NoError(t, l.Unlock(ctx, lease))
			assert.Empty(t, get(t, 0, k))
			assert.ErrorIs(t, l.Unlock(ctx, lease), ErrNotOwner)
		})
		t.Run("Contention", func(t *testing.T) {
			k := key(t)
			contend(ctx, t, func() Locker { return setnx(t, k, 0) })
		})
		t.Run("NeverExpires", func(t *testing.T) {
			k := key(t)
			_, err := setnx(t, k, 1).Lock(ctx)
			require.NoError(t, err)
			ttl, err := target.client(t, 0).PTTL(ctx, k).Result()
			require.NoError(t, err)
			assert.Equal(t, time.Duration(-1), ttl, "setnx key must have no TTL")
			time.Sleep(250 * time.Millisecond)
			_, err = setnx(t, k, 2).Lock(ctx)
			assert.ErrorIs(t, err, ErrNotAcquired, "a crashed holder's setnx lock stays held")
		})
		t.Run("ReleaseIsNotOwnerChecked", func(t *testing.T) {
			// The naive lock's documented flaw: any client's DEL releases
			// the holder's lock.
			k := key(t)
			lease, err := setnx(t, k, 1).Lock(ctx)
			require.NoError(t, err)
			forged := Lease{Key: k, Value: "not-the-owner"}
			require.NoError(t, setnx(t, k, 1).Unlock(ctx, forged))
			assert.Empty(t, get(t, 0, k))
			assert.NotEmpty(t, lease.Value)
		})
	})

	t.Run("redlock-quorum", func(t *testing.T) {
		t.Run("QuorumOfThree", func(t *testing.T) {
			k := key(t)
			// Another owner holds the key on db 1 only: 2 of 3 is a quorum.
			require.NoError(t, target.client(t, 1).Set(ctx, k, "someone-else", time.Minute).Err())
			l, err := NewRedlock(Real(), three(t), RedlockOptions{Key: k, Tries: 1})
			require.NoError(t, err)
			assert.Equal(t, 2, l.Quorum())
			lease, err := l.Lock(ctx)
			require.NoError(t, err)
			assert.Equal(t, "someone-else", get(t, 1, k))
			assert.Equal(t, lease.Value, get(t, 2, k))
			assert.Equal(t, lease.Value, get(t, 3, k))
			require.NoError(t, l.Unlock(ctx, lease))
			assert.Equal(t, "someone-else", get(t, 1, k), "unlock released another owner's key")
			assert.Empty(t, get(t, 2, k))

			// Held on dbs 1 and 2: no quorum; the round's grant on db 3 is
			// released before Lock gives up.
			require.NoError(t, target.client(t, 2).Set(ctx, k, "someone-else", time.Minute).Err())
			l2, err := NewRedlock(Real(), three(t), RedlockOptions{Key: k, Tries: 2, RetryDelay: time.Millisecond})
			require.NoError(t, err)
			_, err = l2.Lock(ctx)
			assert.ErrorIs(t, err, ErrNotAcquired)
			assert.Empty(t, get(t, 3, k), "grant of a failed round not released")
		})
		t.Run("UnlockWithoutQuorum", func(t *testing.T) {
			k := key(t)
			l, err := NewRedlock(Real(), three(t), RedlockOptions{Key: k, Tries: 1})
			require.NoError(t, err)
			lease, err := l.Lock(ctx)
			require.NoError(t, err)
			// The key vanishes on two nodes (expiry, restart without fsync).
			target.client(t, 1).Del(ctx, k)
			target.client(t, 2).Del(ctx, k)
			_, err = l.Extend(ctx, lease)
			assert.ErrorIs(t, err, ErrNoQuorum)
			assert.ErrorIs(t, err, ErrNotOwner)
			err = l.Unlock(ctx, lease)
			assert.ErrorIs(t, err, ErrNoQuorum)
			assert.ErrorIs(t, err, ErrNotOwner)
		})
	})
}
