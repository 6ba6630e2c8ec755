package locks_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/locksim/locksim/locks"
)

// exampleEtcd returns the Etcd the Examples run on, and a unique lock key:
// a real etcd-server through clientv3 when LOCKSIM_ETCD_ENDPOINT is set
// (scripts/with-etcd sets it), else an in-memory stand-in, so that the
// Examples run anywhere with the same output. In production:
//
//	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:2379"}})
//	etcd := locks.EtcdClient(cli)
func exampleEtcd(name string) (etcd locks.Etcd, key string, done func()) {
	key = fmt.Sprintf("locksim-example/%s/%016x", name, rand.Uint64())
	ep := os.Getenv("LOCKSIM_ETCD_ENDPOINT")
	if ep == "" {
		return locks.NewMemEtcd(), key, func() {}
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{ep}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		panic(err)
	}
	return locks.EtcdClient(cli), key, func() {
		_, _ = cli.Delete(context.Background(), key+"/", clientv3.WithPrefix())
		_ = cli.Close()
	}
}

// The etcd lock: concurrency.Mutex's algorithm on a session lease kept
// alive in the background.
func ExampleNewEtcd() {
	etcd, key, done := exampleEtcd("NewEtcd")
	defer done()
	ctx := context.Background()

	lock, err := locks.NewEtcd(locks.Real(), etcd, locks.EtcdOptions{Key: key, TTL: 10 * time.Second})
	if err != nil {
		panic(err)
	}
	defer lock.Close(ctx) // stops the keep-alive loop and revokes the lease

	lease, err := lock.Lock(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("held until about now+TTL:", time.Until(lease.Validity) > 9*time.Second)

	// A second client queues behind it until its context gives up.
	other, _ := locks.NewEtcd(locks.Real(), etcd, locks.EtcdOptions{Key: key, TTL: 10 * time.Second})
	defer other.Close(ctx)
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = other.Lock(wctx)
	cancel()
	fmt.Println("second client:", errors.Is(err, locks.ErrNotAcquired))

	lease, err = lock.Extend(ctx, lease) // one keep-alive: a later validity
	fmt.Println("extended:", err == nil)
	fmt.Println("release:", lock.Unlock(ctx, lease))
	fmt.Println("release again:", errors.Is(lock.Unlock(ctx, lease), locks.ErrNotOwner))

	lease, err = other.Lock(ctx)
	fmt.Println("second client now:", err)
	fmt.Println("release:", other.Unlock(ctx, lease))
	// Output:
	// held until about now+TTL: true
	// second client: true
	// extended: true
	// release: <nil>
	// release again: true
	// second client now: <nil>
	// release: <nil>
}

// etcd-fenced: the key's create revision is the fencing token.
func ExampleNewEtcdFenced() {
	etcd, key, done := exampleEtcd("NewEtcdFenced")
	defer done()
	ctx := context.Background()

	var last int64
	for i := range 3 {
		lock, err := locks.NewEtcdFenced(locks.Real(), etcd, locks.EtcdOptions{Key: key, TTL: 5 * time.Second})
		if err != nil {
			panic(err)
		}
		lease, err := lock.Lock(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Println("holding", i, "fenced:", lease.Fenced, "token increased:", lease.Token > last)
		last = lease.Token
		if err := lock.Unlock(ctx, lease); err != nil {
			panic(err)
		}
		_ = lock.Close(ctx)
	}
	// Output:
	// holding 0 fenced: true token increased: true
	// holding 1 fenced: true token increased: true
	// holding 2 fenced: true token increased: true
}

// The etcd locks by name: they take an Env.Etcd instead of Conns, and only
// the Key and TTL options.
func ExampleEtcdNames() {
	etcd, key, done := exampleEtcd("EtcdNames")
	defer done()
	ctx := context.Background()

	fmt.Println(locks.EtcdNames())
	env := locks.Env{Runtime: locks.Real(), Etcd: etcd}
	l, err := locks.New("etcd-fenced", env, locks.Options{Key: key, TTL: 2 * time.Second})
	if err != nil {
		panic(err)
	}
	lease, err := l.Lock(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("token > 0:", lease.Token > 0)
	fmt.Println(l.Unlock(ctx, lease))
	_ = l.(*locks.EtcdLock).Close(ctx)

	_, err = locks.New("etcd", env, locks.Options{Key: key, TTL: 1500 * time.Millisecond})
	fmt.Println(err)
	_, err = locks.New("etcd", env, locks.Options{Key: key, Tries: 3})
	fmt.Println(err)
	// Output:
	// [etcd etcd-fenced]
	// token > 0: true
	// <nil>
	// locks: invalid options: etcd: TTL is 1.5s, want a whole number of seconds, at least 1s (etcd leases count in seconds)
	// locks: invalid options: etcd: Tries is set, but etcd does not use it
}
