package redis_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/locksim/locksim/sim"
	"github.com/locksim/locksim/sim/redis"
)

// A client takes a lock key with SET NX PX while a second client finds it
// taken; a forward step of the Redis node's wall clock expires it early.
func Example() {
	w := sim.NewWorld(42)
	defer w.Close()
	rn := redis.AddNode(w, "redis", redis.PersistNone)
	a, b := w.AddNode("a"), w.AddNode("b")
	w.OnEvent(func(e sim.Event) {
		if e.Kind == redis.EvExpire {
			fmt.Printf("%s expired on %s at %v\n", e.Key, e.Node, e.At.Round(time.Millisecond))
		}
	})
	try := func(n *sim.Node, at time.Duration) {
		w.At(at, func() {
			w.Spawn(n, "try", func(rt *sim.Runtime) {
				ctx, cancel := rt.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				_, err := rn.Conn(n).Do(ctx, "SET", "lock", n.Name(), "NX", "PX", 10000)
				switch {
				case err == nil:
					fmt.Println(n.Name(), "holds the lock")
				case errors.Is(err, goredis.Nil): // locks.ErrNil
					fmt.Println(n.Name(), "finds it taken")
				default:
					fmt.Println(n.Name(), "error:", err)
				}
			})
		})
	}
	try(a, 0)
	try(b, time.Second)
	w.At(2*time.Second, func() { rn.Node().StepWall(time.Minute) })
	try(b, 3*time.Second)
	w.Run(5 * time.Second)
	// Output:
	// a holds the lock
	// b finds it taken
	// lock expired on redis at 2s
	// b holds the lock
}

// A fast path known only by the SHA-1 of the script it implements (a
// library's script, whose text locksim does not copy) serves the EVAL of
// the exact body and its EVALSHA; a body one byte off runs interpreted.
func ExampleNewFastPathSHA1() {
	incr := redis.NewFastPathSHA1("incr", "f793247de6e1e3c553cd42d39c812df499e679e4", func(c *redis.ScriptCall) bool {
		if len(c.Keys) != 1 {
			return false // the interpreter runs (and fails) the odd call
		}
		return c.Return(c.Call("INCR", c.Keys[0]))
	})
	w := sim.NewWorld(1, redis.WithFastPaths(incr))
	defer w.Close()
	rn := redis.AddNode(w, "redis", redis.PersistNone)
	c := w.AddNode("client")
	const body = `return redis.call("INCR", KEYS[1])` // as the library sends it
	w.Spawn(c, "client", func(rt *sim.Runtime) {
		conn := rn.Conn(c)
		for _, cmd := range [][]any{
			{"EVAL", body, 1, "n"},
			{"EVALSHA", incr.SHA1(), 1, "n"},
			{"EVAL", body + " ", 1, "n"},
		} {
			v, err := conn.Do(context.Background(), cmd...)
			fast, interpreted := rn.ScriptStats()
			fmt.Println(cmd[0], v, err, "fast", fast, "interpreted", interpreted)
		}
	})
	w.Run(time.Minute)
	// Output:
	// EVAL 1 <nil> fast 1 interpreted 0
	// EVALSHA 2 <nil> fast 2 interpreted 0
	// EVAL 3 <nil> fast 2 interpreted 1
}
