package locks_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/locksim/locksim/locks"
)

// The lua lock with go-redis. A miniredis stands in for the server so the
// example runs anywhere; point Addr at a real Redis instead.
func ExampleNewLua() {
	srv, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()

	lock, err := locks.NewLua(locks.Real(), locks.NewRedisConn(rdb), locks.LuaOptions{
		Key: "wallet:42",
		TTL: 10 * time.Second,
	})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	lease, err := lock.Lock(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("held until about now+TTL:", time.Until(lease.Validity) > 9*time.Second)

	// A second client cannot take it while it is held.
	other, _ := locks.NewLua(locks.Real(), locks.NewRedisConn(rdb), locks.LuaOptions{Key: "wallet:42", Tries: 1})
	_, err = other.Lock(ctx)
	fmt.Println("second client:", errors.Is(err, locks.ErrNotAcquired))

	// Only the owner's lease releases it.
	fmt.Println("release with a forged lease:", errors.Is(other.Unlock(ctx, locks.Lease{Key: "wallet:42", Value: "x"}), locks.ErrNotOwner))
	fmt.Println("release:", lock.Unlock(ctx, lease))
	// Output:
	// held until about now+TTL: true
	// second client: true
	// release with a forged lease: true
	// release: <nil>
}

// Redlock over three independent Redis servers with go-redis (three
// miniredis here).
func ExampleNewRedlock() {
	var conns []locks.Conn
	for range 3 {
		srv, err := miniredis.Run()
		if err != nil {
			panic(err)
		}
		defer srv.Close()
		rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		defer rdb.Close()
		conns = append(conns, locks.NewRedisConn(rdb))
	}

	rl, err := locks.NewRedlock(locks.Real(), conns, locks.RedlockOptions{
		Key:    "job:7",
		Expiry: 8 * time.Second, // go-redsync's defaults, written out
		Tries:  32,
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	lease, err := rl.Lock(ctx)
	if err != nil {
		panic(err)
	}
	// Validity = now + expiry − elapsed − expiry×0.01 (drift).
	left := time.Until(lease.Validity)
	fmt.Println("quorum:", rl.Quorum(), "valid for under 7.92s:", left <= 7920*time.Millisecond && left > 7*time.Second)

	lease, err = rl.Extend(ctx, lease)
	fmt.Println("extended:", err == nil)
	fmt.Println("unlocked:", rl.Unlock(ctx, lease))
	fmt.Println("unlock again:", errors.Is(rl.Unlock(ctx, lease), locks.ErrNoQuorum))
	// Output:
	// quorum: 2 valid for under 7.92s: true
	// extended: true
	// unlocked: <nil>
	// unlock again: true
}

// Building locks by name, as the CLI does.
func ExampleNew() {
	srv, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()

	fmt.Println(locks.Names())
	l, err := locks.New("fenced", locks.Env{Runtime: locks.Real(), Conns: []locks.Conn{locks.NewRedisConn(rdb)}},
		locks.Options{Key: "ledger", TTL: 2 * time.Second})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for range 3 {
		lease, err := l.Lock(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Println("token", lease.Token)
		if err := l.Unlock(ctx, lease); err != nil {
			panic(err)
		}
	}
	_, err = locks.New("setnx", locks.Env{Runtime: locks.Real(), Conns: []locks.Conn{locks.NewRedisConn(rdb)}},
		locks.Options{Key: "ledger", TTL: time.Second})
	fmt.Println(err)
	// Output:
	// [etcd etcd-fenced fenced lua mutex redlock setnx]
	// token 1
	// token 2
	// token 3
	// locks: invalid options: setnx: TTL is set, but setnx does not use it
}
