package sim_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/locksim/locksim/sim"
)

// A client takes a lock key with SET NX PX while a second client finds it
// taken; a forward step of the Redis node's wall clock expires it early.
func ExampleWorld() {
	w := sim.NewWorld(42)
	defer w.Close()
	rn := w.AddRedisNode("redis", sim.PersistNone)
	a, b := w.AddNode("a"), w.AddNode("b")
	w.OnEvent(func(e sim.Event) {
		if e.Kind == sim.EvExpire {
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
				case errors.Is(err, redis.Nil): // locks.ErrNil
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
