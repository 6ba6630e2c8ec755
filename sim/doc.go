// Package sim is locksim's deterministic kernel: a World of nodes with
// drifting, stepping clocks, a lossy, partitionable network, server nodes
// running server models (packages of their own) and tasks — goroutines of which exactly one runs at
// a time — all driven by one seed, through one random stream per subsystem
// (NewStream). Same seed and same calls,
// same trace, byte for byte; TraceHash fingerprints it.
//
// Lock code runs unchanged on a World through the seam of package locks,
// which sim does not import (package simlock adapts one to the other): a
// task's *Runtime has the seam's methods (node wall clock, sleeps and
// timeouts on the node's monotonic clock, scheduler-visible groups and
// mutexes, a per-task random source), and a server model's connection
// (a Conn underneath) carries its calls over the simulated network.
//
// # Time
//
// True time starts at Epoch and advances only when no task is runnable, by
// jumping to the next timer. Each node has a monotonic clock (drift rate
// only, SetDrift) and a wall clock (the monotonic clock plus steps,
// StepWall). Runtime.Now reads the wall clock; Sleep and WithTimeout run on
// the monotonic clock, so a node with drift r sleeping d wakes after
// d/(1+r) of true time, and timers follow later drift changes.
//
// # Scheduling
//
// A task runs until it blocks in a seam call (Sleep, Conn.Call, Call,
// Group.Wait, Mutex.Lock, Yield); the goroutine giving up the baton runs
// the scheduling loop itself and hands the baton straight to the task the
// scheduler's stream picks among the runnable ones. World.At callbacks run between tasks.
//
// # Faults
//
// Crash (every task of the node unwinds at its next seam call, deferred
// seam calls included, and reaches nothing again), Restart (programs
// registered with OnStart run again; a server node's model restores what
// it kept), Pause/Resume (nothing of the node runs, its clocks run
// on, messages to it queue), Partition, PartitionOneWay, Heal, SetLoss,
// SetGlobalLoss, SetExtraDelay, SetLatency, SetDrift, StepWall. Every fault
// is traced and reported to OnEvent observers.
//
// OnSeamCall sees every seam call of every task (Now, Sleep, a server
// request sent and its reply returned, Group.Go, Group.Wait, Mutex.Lock)
// inside the call, before it does its work, and may fault the world
// there: a pause or crash of the caller's node holds or unwinds the call
// at that point, and a clock step is read by it. That is how a fault lands
// between two steps of a lock's own code.
//
// # Server models
//
// The kernel knows no server protocol. A server model is a package of its
// own, below sim/, on the exported API of server.go: a
// node added with AddServer runs a Server, which serves the requests a
// client sends over a Conn (Conn.Call from a task, blocking until the
// reply or its context ends; Conn.Submit from foreign code), each as an
// opaque body, and replies to them (Request.Reply) at once or later. Requests
// and replies travel as messages: latency, loss, partitions and FIFO
// apply, a request reaching the node down or restarted since it was sent
// is refused (ErrConnRefused), a paused node serves nothing and sends
// nothing until it resumes. The Server is told of its node's crash (the
// node's Timers are cancelled first), restart, pause, resume and wall
// clock steps; it arms Timers on the node's monotonic clock (SetTimer),
// sends messages to other server nodes (Node.Send, Server.Message), draws
// from the node's own stream (Node.Rand), keeps per-World state
// (World.Value), reports events (World.Report) and writes trace entries
// (World.Trace, TraceEntry). Stats.Requests counts the requests served.
//
// # Usage
//
//	w := sim.NewWorld(seed)
//	defer w.Close()                         // unwinds tasks still blocked
//	srv := w.AddServer("server", model)     // model: a Server
//	c := w.AddNode("client")
//	c.OnStart(func(n *sim.Node) {           // runs now and after each restart
//		w.Spawn(n, "worker", func(rt *sim.Runtime) {
//			conn := w.Connect(n, srv)
//			ctx, cancel := rt.WithTimeout(context.Background(), 50*time.Millisecond)
//			defer cancel()
//			reply, err := conn.Call(ctx, request) // the model's reply, ErrConnRefused or ctx's error
//			_, _ = reply, err
//		})
//	})
//	w.At(2*time.Second, func() { w.Pause(c, 3*time.Second) })
//	w.At(4*time.Second, func() { srv.StepWall(time.Minute) })
//	w.OnEvent(func(e sim.Event) { /* record faults and the model's events */ })
//	w.Run(10 * time.Second)
//	fmt.Println(w.TraceHash())
//
// A World is driven from one goroutine; its methods are not safe for
// concurrent use. Seam calls made outside a task panic.
//
// Foreign code (a published library with goroutines of its own) meets the
// World through three exported seams, used by backend/unmodified: an idle
// hook (WithIdleHook), where the World may wait for foreign work before
// true time jumps and takes it in; Runtime.External, which blocks a task
// while foreign code works for it; and Conn.Submit, which sends a request
// through the simulated network without a task. Without a hook
// the World never waits, and its traces are what they always were.
package sim
