package sim_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/locksim/locksim/sim"
)

// counter is a server model: "incr" adds one and replies with the count;
// "wait" replies later, when the count next changes (a deferred reply).
// It loses its count at a crash.
type counter struct {
	sim.NopServer
	n       int
	waiting []*sim.Request
}

func (s *counter) Serve(r *sim.Request) {
	switch r.Body() {
	case "incr":
		s.n++
		r.Reply(s.n, nil)
		for _, w := range s.waiting {
			w.Reply(s.n, nil)
		}
		s.waiting = nil
	case "wait":
		s.waiting = append(s.waiting, r)
	default:
		r.Reply(nil, fmt.Errorf("unknown request %v", r.Body()))
	}
}

func (s *counter) Crashed(bool) { s.n, s.waiting = 0, nil }

// A server model on the kernel's API: a client waits for a change while
// another increments; a request reaching the crashed server is refused.
func Example() {
	w := sim.NewWorld(1)
	defer w.Close()
	srv := w.AddServer("counter", &counter{})
	a, b := w.AddNode("a"), w.AddNode("b")
	w.Spawn(a, "waiter", func(rt *sim.Runtime) {
		v, err := w.Connect(a, srv).Call(context.Background(), "wait")
		fmt.Println("a saw", v, err)
	})
	w.Spawn(b, "incr", func(rt *sim.Runtime) {
		_ = rt.Sleep(context.Background(), time.Second)
		v, err := w.Connect(b, srv).Call(context.Background(), "incr")
		fmt.Println("b incremented to", v, err)
	})
	w.At(2*time.Second, func() { w.Crash(srv) })
	w.Spawn(b, "late", func(rt *sim.Runtime) {
		_ = rt.Sleep(context.Background(), 3*time.Second)
		_, err := w.Connect(b, srv).Call(context.Background(), "incr")
		fmt.Println("refused:", errors.Is(err, sim.ErrConnRefused))
	})
	w.Run(5 * time.Second)
	// Output:
	// b incremented to 1 <nil>
	// a saw 1 <nil>
	// refused: true
}
