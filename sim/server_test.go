package sim

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The server-model API (server.go, servertimer.go, model.go), on the kv
// test server of kv_test.go.

func TestServerRoundTripAndDeferredReply(t *testing.T) {
	w := NewWorld(1)
	defer w.Close()
	srv, _ := addKV(w, "server")
	c := w.AddNode("client")
	var got []any
	var waited time.Duration
	w.Spawn(c, "waiter", func(rt *Runtime) {
		t0 := rt.Mono()
		v, err := kvDo(w.Connect(c, srv), "WAIT", "k") // answered by the SET at 1s
		require.NoError(t, err)
		waited = rt.Mono() - t0
		got = append(got, v)
	})
	w.Spawn(c, "setter", func(rt *Runtime) {
		_ = rt.Sleep(context.Background(), time.Second)
		v, err := kvDo(w.Connect(c, srv), "SET", "k", "v")
		require.NoError(t, err)
		got = append(got, v)
	})
	w.Run(2 * time.Second)
	assert.ElementsMatch(t, []any{"v", "OK"}, got)
	assert.Greater(t, waited, time.Second, "the deferred reply came before the SET")
	assert.Equal(t, uint64(2), w.Stats().Requests)
}

func TestServerCrashRefusesAndVoidsDeferredReplies(t *testing.T) {
	w := NewWorld(2)
	defer w.Close()
	srv, s := addKV(w, "server")
	c := w.AddNode("client")
	var waitErr, refusedErr error
	w.Spawn(c, "waiter", func(rt *Runtime) {
		ctx, cancel := rt.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, waitErr = w.Connect(c, srv).Call(ctx, []string{"WAIT", "k"})
	})
	w.At(500*time.Millisecond, func() { w.Crash(srv) })
	w.At(time.Second, func() { w.Restart(srv) })
	w.At(1500*time.Millisecond, func() {
		// the new process: a SET answers no WAIT of the old one
		s.set("k", "v")
	})
	w.Spawn(c, "late", func(rt *Runtime) {
		_ = rt.Sleep(context.Background(), 600*time.Millisecond)
		_, refusedErr = kvDo(w.Connect(c, srv), "GET", "k") // reaches it down
	})
	w.Run(5 * time.Second)
	assert.ErrorIs(t, waitErr, context.DeadlineExceeded)
	require.Error(t, refusedErr)
	assert.True(t, errors.Is(refusedErr, syscall.ECONNREFUSED), "%v", refusedErr)
	assert.Equal(t, []string{"crashed host=false", "restarted"}, s.events)
	assert.Len(t, s.draws, 2, "the node stream is drawn at each start")
}

func TestServerRequestSentBeforeRestartIsRefused(t *testing.T) {
	w := NewWorld(3)
	defer w.Close()
	srv, _ := addKV(w, "server")
	c := w.AddNode("client")
	w.SetExtraDelay(c, srv, 100*time.Millisecond)
	var err error
	w.Spawn(c, "client", func(rt *Runtime) { _, err = kvDo(w.Connect(c, srv), "GET", "k") })
	w.At(10*time.Millisecond, func() { w.Restart(srv) }) // crash and restart while in flight
	w.Run(time.Second)
	assert.ErrorIs(t, err, ErrConnRefused)
}

func TestServerRefuse(t *testing.T) {
	w := NewWorld(4)
	defer w.Close()
	srv := w.AddServer("refuser", refusing{})
	c := w.AddNode("client")
	var err error
	w.Spawn(c, "client", func(rt *Runtime) { _, err = w.Connect(c, srv).Call(context.Background(), "x") })
	w.Run(time.Second)
	assert.ErrorIs(t, err, ErrConnRefused)
}

type refusing struct{ NopServer }

func (refusing) Serve(r *Request) { r.Refuse() }

func TestServerPausedHoldsRepliesAndQueuesRequests(t *testing.T) {
	w := NewWorld(5)
	defer w.Close()
	srv, s := addKV(w, "server")
	c := w.AddNode("client")
	var waitDone, getDone time.Duration
	w.Spawn(c, "waiter", func(rt *Runtime) {
		_, err := kvDo(w.Connect(c, srv), "WAIT", "k")
		require.NoError(t, err)
		waitDone = w.Elapsed()
	})
	w.At(100*time.Millisecond, func() {
		w.Pause(srv, 0)
		s.set("k", "v") // a reply from a paused node: held
	})
	w.Spawn(c, "get", func(rt *Runtime) {
		_ = rt.Sleep(context.Background(), 200*time.Millisecond)
		_, err := kvDo(w.Connect(c, srv), "GET", "k") // queued at the paused node
		require.NoError(t, err)
		getDone = w.Elapsed()
	})
	w.At(time.Second, func() { w.Resume(srv) })
	w.Run(2 * time.Second)
	assert.Greater(t, waitDone, time.Second, "a paused node's reply left before it resumed")
	assert.Greater(t, getDone, time.Second, "a paused node served a request")
	assert.Equal(t, []string{"paused", "resumed"}, s.events)
}

func TestServerTimerFollowsDriftAndDiesWithACrash(t *testing.T) {
	w := NewWorld(6)
	defer w.Close()
	srv, s := addKV(w, "server")
	c := w.AddNode("client")
	srv.SetDrift(1) // twice as fast: a 1s TTL lasts 500ms of true time
	var hit []any
	w.Spawn(c, "client", func(rt *Runtime) {
		conn := w.Connect(c, srv)
		_, _ = kvDo(conn, "SETNX", "a", "1", "1000")
		_ = rt.Sleep(context.Background(), 400*time.Millisecond)
		v, _ := kvDo(conn, "GET", "a")
		hit = append(hit, v)
		_ = rt.Sleep(context.Background(), 200*time.Millisecond)
		v, _ = kvDo(conn, "GET", "a")
		hit = append(hit, v)
	})
	w.Run(2 * time.Second)
	assert.Equal(t, []any{"1", nil}, hit)

	var tm Timer
	assert.False(t, tm.Pending())
	fired := false
	srv.SetTimer(&tm, srv.MonoNow()+time.Second, func() { fired = true })
	assert.True(t, tm.Pending())
	assert.Equal(t, srv.MonoNow()+time.Second, tm.Deadline())
	w.Crash(srv)
	assert.False(t, tm.Pending(), "a crash cancels the node's timers")
	w.RunFor(3 * time.Second)
	assert.False(t, fired)
	srv.SetTimer(&tm, 0, func() { fired = true }) // on a crashed node: nothing
	assert.False(t, tm.Pending())
	_ = s
}

func TestServerTimerStop(t *testing.T) {
	w := NewWorld(7)
	defer w.Close()
	srv, _ := addKV(w, "server")
	var tm Timer
	n := 0
	srv.SetTimer(&tm, time.Second, func() { n++ })
	srv.SetTimer(&tm, 2*time.Second, func() { n += 10 }) // re-arming replaces
	w.RunFor(1500 * time.Millisecond)
	assert.Equal(t, 0, n)
	assert.True(t, tm.Stop())
	assert.False(t, tm.Stop())
	w.RunFor(time.Second)
	assert.Equal(t, 0, n)
	srv.SetTimer(&tm, srv.MonoNow(), func() { n++ })
	w.RunFor(time.Millisecond)
	assert.Equal(t, 1, n)
	assert.False(t, tm.Pending())
}

func TestServerMessagesCrossTheNetwork(t *testing.T) {
	w := NewWorld(8)
	defer w.Close()
	a, sa := addKV(w, "a")
	b, sb := addKV(w, "b")
	c := w.AddNode("client")
	w.Spawn(c, "client", func(rt *Runtime) {
		_, _ = kvDo(w.Connect(c, a), "SEND", "b", "k", "1")
		_ = rt.Sleep(context.Background(), 100*time.Millisecond)
		w.Partition([]*Node{a}, []*Node{b})
		_, _ = kvDo(w.Connect(c, a), "SEND", "b", "k", "2") // lost
		_ = rt.Sleep(context.Background(), 100*time.Millisecond)
		w.Heal()
		w.Crash(a)
	})
	w.Run(time.Second)
	assert.Equal(t, "1", sb.data["k"])
	assert.Equal(t, []string{"message from a"}, sb.events)
	a.Send(b, []string{"k", "3"}) // a crashed node sends nothing
	w.RunFor(time.Second)
	assert.Equal(t, "1", sb.data["k"])
	_ = sa
}

func TestServerWallStepCallbacks(t *testing.T) {
	w := NewWorld(9)
	defer w.Close()
	srv, s := addKV(w, "server")
	var wallAt []time.Time
	w.OnEvent(func(e Event) {
		if e.Kind == EvStep {
			wallAt = append(wallAt, srv.WallNow())
		}
	})
	srv.StepWall(time.Minute)
	w.Crash(srv)
	srv.StepWall(time.Minute) // not told: down
	assert.Equal(t, []string{"stepping 1m0s", "stepped 1m0s", "crashed host=false"}, s.events)
	assert.Len(t, wallAt, 2)
}

func TestServerSubmitWithoutATask(t *testing.T) {
	w := NewWorld(10)
	defer w.Close()
	srv, _ := addKV(w, "server")
	c := w.AddNode("client")
	conn := w.Connect(c, srv)
	var got any
	conn.Submit([]string{"SET", "k", "v"}, func(v any, err error) { got = v })
	w.RunFor(time.Second)
	assert.Equal(t, "OK", got)
	w.Crash(srv)
	conn.Submit([]string{"GET", "k"}, func(v any, err error) { got = err })
	w.RunFor(time.Second)
	assert.ErrorIs(t, got.(error), ErrConnRefused)
	w.Crash(c)
	got = nil
	conn.Submit([]string{"GET", "k"}, func(v any, err error) { got = "called" })
	w.RunFor(time.Second)
	assert.Nil(t, got, "a crashed client sends nothing")
}

func TestServerStatePerConnectionDiesWithTheServer(t *testing.T) {
	w := NewWorld(11)
	defer w.Close()
	srv, _ := addKV(w, "server")
	conn := w.Connect(w.AddNode("client"), srv)
	assert.Nil(t, conn.ServerState())
	conn.SetServerState("db 3")
	assert.Equal(t, "db 3", conn.ServerState())
	w.Crash(srv)
	assert.Nil(t, conn.ServerState())
}

func TestServerReplyTwicePanics(t *testing.T) {
	w := NewWorld(12)
	defer w.Close()
	srv := w.AddServer("twice", twice{})
	c := w.AddNode("client")
	w.Spawn(c, "client", func(rt *Runtime) { _, _ = w.Connect(c, srv).Call(context.Background(), "x") })
	defer func() {
		// the scheduler ran the server on the client task's goroutine
		assert.Contains(t, recover(), "sim: request replied twice")
	}()
	w.Run(time.Second)
	t.Error("no panic")
}

type twice struct{ NopServer }

func (twice) Serve(r *Request) { r.Reply(1, nil); r.Reply(2, nil) }

func TestWorldValues(t *testing.T) {
	w := NewWorld(13)
	defer w.Close()
	type key struct{}
	assert.Nil(t, w.Value(key{}))
	w.SetValue(key{}, 1)
	w.SetValue("other", 2)
	w.SetValue(key{}, 3)
	assert.Equal(t, 3, w.Value(key{}))
	assert.Equal(t, 2, w.Value("other"))
}

// The trace sees what a model traces: the same entries hash alike, one
// field more or different hashes otherwise.
func TestModelTraceEntries(t *testing.T) {
	hash := func(f func(w *World)) string {
		w := NewWorld(14)
		defer w.Close()
		f(w)
		return w.TraceHash()
	}
	base := hash(func(w *World) { w.TraceEntry(TraceServer, 1).String("a") })
	assert.Equal(t, base, hash(func(w *World) { w.TraceEntry(TraceServer, 1).String("a") }))
	assert.NotEqual(t, base, hash(func(w *World) { w.TraceEntry(TraceServer, 2).String("a") }))
	assert.NotEqual(t, base, hash(func(w *World) { w.TraceEntry(TraceFault, 1).String("a") }))
	assert.NotEqual(t, base, hash(func(*World) {}))
	// Trace is an entry with two numbers and a string; String2 is String of
	// the concatenation.
	tr := hash(func(w *World) { w.Trace(TraceFault, 1, 2, "ab") })
	assert.Equal(t, tr, hash(func(w *World) {
		e := w.TraceEntry(TraceFault, 1)
		e.Uint64(2)
		e.String2("a", "b")
	}))
}

func TestAddServerNilPanics(t *testing.T) {
	w := NewWorld(15)
	defer w.Close()
	assert.Panics(t, func() { w.AddServer("x", nil) })
	assert.Nil(t, w.AddNode("plain").Server())
}
