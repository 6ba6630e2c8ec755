// Package locks holds the distributed locks locksim studies, written as
// production code: the same source runs against real Redis (through
// go-redis) and inside the deterministic simulator.
//
// Every source of time, concurrency and randomness goes through a Runtime,
// and every Redis command through a Conn (see seam.go). Real returns the
// production Runtime and NewRedisConn the production Conn; the simulator
// supplies its own. TestSeamRules inspects this package's source so that no
// lock reaches around the seam (no go statements, channels, select, sync
// mutexes, time.Now, context.WithTimeout, global randomness or map ranges
// outside real.go, and etcdclient.go for the production etcd client).
//
// The locks, each a constructor and a concrete type implementing Locker
// (Lock, Unlock) and, where the algorithm allows, Extender (Extend):
//
//   - mutex (NewMutexLock): an in-process mutex shared through a Process; the
//     baseline, not distributed.
//   - setnx (NewSetnx): SETNX and DEL, no TTL, no owner check; the naive lock
//     that stays held forever when its holder crashes.
//   - lua (NewLua): the article's Lua acquire (EXISTS then SET PX) and an
//     owner-checked Lua release; validity = local time of the acquire + TTL.
//   - redlock (NewRedlock): go-redsync's Redlock over N nodes: quorum, drift
//     factor, per-round timeout, retries with a random delay, release on
//     failure.
//   - fenced (NewFenced): the lua lock with a fencing token (an INCR in the
//     acquire script) on the Lease.
//   - etcd (NewEtcd): go.etcd.io/etcd/client/v3/concurrency's Mutex on a
//     session lease kept alive by a loop in a Runtime Group: enqueue with
//     one Txn, wait for the deletion of every older key of the prefix,
//     release with a guarded delete. It talks to etcd through the Etcd
//     seam; EtcdClient is the production Etcd on clientv3.
//   - etcd-fenced (NewEtcdFenced): etcd with the key's create revision as
//     the fencing token.
//
// A Lease is the proof of a holding: the key, the owner value, the local
// time until which the holder may believe it holds the lock (Validity,
// zero when the lock never expires) and, for fenced, the token. Failures
// wrap the sentinel errors ErrNotAcquired, ErrNotOwner, ErrNoQuorum,
// ErrExpired, ErrInvalidOptions, ErrUnknownLock and ErrUnexpectedReply.
//
// Names, EtcdNames and New build a lock by name from an Env and common
// Options, for callers that choose the lock at run time.
//
// # Usage
//
// With go-redis, the lua lock:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	lock, err := locks.NewLua(locks.Real(), locks.NewRedisConn(rdb), locks.LuaOptions{
//		Key: "wallet:42",
//		TTL: 10 * time.Second,
//	})
//	if err != nil { ... }
//	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
//	defer cancel()
//	lease, err := lock.Lock(ctx) // retries with backoff until ctx is done
//	if err != nil { ... }        // errors.Is(err, locks.ErrNotAcquired)
//	defer lock.Unlock(context.Background(), lease)
//	// ... work, finishing before lease.Validity (on this machine's clock);
//	// storage that must stay safe when it does not should use fenced and
//	// check lease.Token.
//
// Redlock over three independent servers:
//
//	conns := []locks.Conn{
//		locks.NewRedisConn(redis.NewClient(&redis.Options{Addr: "10.0.0.1:6379"})),
//		locks.NewRedisConn(redis.NewClient(&redis.Options{Addr: "10.0.0.2:6379"})),
//		locks.NewRedisConn(redis.NewClient(&redis.Options{Addr: "10.0.0.3:6379"})),
//	}
//	rl, err := locks.NewRedlock(locks.Real(), conns, locks.RedlockOptions{Key: "job:7"})
//	lease, err := rl.Lock(ctx)          // 8s expiry, 32 tries, quorum 2
//	lease, err = rl.Extend(ctx, lease)  // new lease.Validity
//	err = rl.Unlock(ctx, lease)
//
// With etcd (go.etcd.io/etcd/client/v3), one EtcdLock per client:
//
//	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:2379"}})
//	lock, err := locks.NewEtcdFenced(locks.Real(), locks.EtcdClient(cli),
//		locks.EtcdOptions{Key: "wallet-42", TTL: 10 * time.Second})
//	defer lock.Close(ctx)         // stops the keep-alive loop, revokes the lease
//	lease, err := lock.Lock(ctx)  // waits in line (FIFO) while ctx allows
//	// ... work, passing lease.Token to storage that rejects older tokens
//	err = lock.Unlock(ctx, lease)
//
// By name:
//
//	l, err := locks.New("redlock", locks.Env{Runtime: locks.Real(), Conns: conns},
//		locks.Options{Key: "job:7", TTL: 2 * time.Second, RetryDelay: 100 * time.Millisecond})
//
// The in-process baseline shares one Process among the clients of a
// process:
//
//	p := locks.NewProcess(locks.Real())
//	a, _ := locks.NewMutexLock(locks.Real(), p, locks.MutexOptions{Key: "k"})
//	b, _ := locks.NewMutexLock(locks.Real(), p, locks.MutexOptions{Key: "k"}) // excludes a
package locks
