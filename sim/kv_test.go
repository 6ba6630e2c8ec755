package sim

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// kv is the kernel tests' server model, on the exported API only: a tiny
// key-value store. A request's body is a command, a []string:
//
//	GET k          the value, or nil
//	SET k v        OK; answers the WAITs of k
//	SETNX k v ms   OK if k was absent, else nil; k expires after ms on the
//	               node's monotonic clock (a Timer)
//	DEL k          1 if k existed, else 0
//	WAIT k         a deferred reply: the next SET of k answers it
//	SEND peer k v  a message to server node peer, which SETs k to v there
//
// It forgets everything at a crash and draws from its node's stream at
// every start.
type kv struct {
	NopServer
	n      *Node
	data   map[string]string
	ttl    map[string]*Timer
	waits  map[string][]*Request
	served []time.Duration // true times of the requests served
	draws  []int64         // the node stream's draws, one per start
	events []string        // lifecycle calls, in order
}

func addKV(w *World, name string) (*Node, *kv) {
	s := &kv{}
	s.n = w.AddServer(name, s)
	s.start()
	return s.n, s
}

func (s *kv) start() {
	s.data, s.ttl, s.waits = map[string]string{}, map[string]*Timer{}, map[string][]*Request{}
	s.draws = append(s.draws, s.n.Rand().Int64())
}

func (s *kv) Serve(r *Request) {
	s.served = append(s.served, s.n.World().Elapsed())
	args := r.Body().([]string)
	v, err := s.exec(args, r)
	if err == errDeferred {
		return
	}
	tw := s.n.World().TraceEntry(TraceServer, uint64(s.n.ID()))
	for _, a := range args {
		tw.String(a)
	}
	tw.String(fmt.Sprint(v, err))
	r.Reply(v, err)
}

var errDeferred = fmt.Errorf("deferred")

func (s *kv) exec(args []string, r *Request) (any, error) {
	switch args[0] {
	case "GET":
		if v, ok := s.data[args[1]]; ok {
			return v, nil
		}
		return nil, nil
	case "SET":
		s.set(args[1], args[2])
		return "OK", nil
	case "SETNX":
		if _, ok := s.data[args[1]]; ok {
			return nil, nil
		}
		s.set(args[1], args[2])
		ms, _ := strconv.Atoi(args[3])
		tm := &Timer{}
		s.ttl[args[1]] = tm
		k := args[1]
		s.n.SetTimer(tm, s.n.MonoNow()+time.Duration(ms)*time.Millisecond, func() {
			delete(s.data, k)
			delete(s.ttl, k)
			s.n.World().Trace(TraceFault, uint64(s.n.ID()), 0, "expire "+k)
		})
		return "OK", nil
	case "DEL":
		if _, ok := s.data[args[1]]; ok {
			delete(s.data, args[1])
			if tm := s.ttl[args[1]]; tm != nil {
				tm.Stop()
				delete(s.ttl, args[1])
			}
			return int64(1), nil
		}
		return int64(0), nil
	case "WAIT":
		s.waits[args[1]] = append(s.waits[args[1]], r)
		return nil, errDeferred
	case "SEND":
		for _, p := range s.n.World().Nodes() {
			if p.Name() == args[1] {
				s.n.Send(p, []string{args[2], args[3]})
			}
		}
		return "OK", nil
	}
	return nil, fmt.Errorf("unknown command %q", args[0])
}

func (s *kv) set(k, v string) {
	s.data[k] = v
	ws := s.waits[k]
	delete(s.waits, k)
	for _, r := range ws {
		r.Reply(v, nil)
	}
}

func (s *kv) Message(from *Node, body any) {
	kv := body.([]string)
	s.events = append(s.events, "message from "+from.Name())
	s.set(kv[0], kv[1])
}

func (s *kv) Crashed(host bool) {
	s.events = append(s.events, fmt.Sprintf("crashed host=%v", host))
	s.data, s.ttl, s.waits = nil, nil, nil
}

func (s *kv) Restarted() {
	s.events = append(s.events, "restarted")
	s.start()
}

func (s *kv) Paused()  { s.events = append(s.events, "paused") }
func (s *kv) Resumed() { s.events = append(s.events, "resumed") }

func (s *kv) WallStepping(d time.Duration) {
	s.events = append(s.events, "stepping "+d.String())
}

func (s *kv) WallStepped(d time.Duration) {
	s.events = append(s.events, "stepped "+d.String())
}

// kvDo is one command over c, from a task.
func kvDo(c *Conn, args ...string) (any, error) {
	return c.Call(context.Background(), args)
}

// kvLockWorker takes and releases a lock on the kv server ops times with
// SETNX and DEL, sleeping between attempts.
func kvLockWorker(rt *Runtime, c *Conn, ops int) {
	for i := 0; i < ops; {
		ctx, cancel := rt.WithTimeout(context.Background(), 50*time.Millisecond)
		v, err := c.Call(ctx, []string{"SETNX", "lock", rt.TaskName(), "100"})
		cancel()
		if err == nil && v == "OK" {
			_ = rt.Sleep(context.Background(), time.Duration(rt.Rand().IntN(5))*time.Millisecond)
			_, _ = c.Call(context.Background(), []string{"DEL", "lock"})
			i++
		}
		_ = rt.Sleep(context.Background(), time.Duration(1+rt.Rand().IntN(10))*time.Millisecond)
	}
}
