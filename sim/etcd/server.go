package etcd

import (
	"fmt"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/locksim/locksim/sim"
)

// The kernel glue: a Member (one-member cluster) or a Node (a member of a
// raft cluster) served on a node of a sim.World through the kernel's
// server-model API. The core stays pure; this file only carries its
// inputs (requests, raft messages, the node's monotonic clock at each
// timer) and outputs (replies, watch events, raft messages, the next
// deadline) between it and the kernel.

// EvExpire is the kind of the sim.Event a server reports when its lessor
// revokes an expired lease: one event per key deleted with it, Key the key,
// Value its value and N its create revision. A client's LeaseRevoke or a
// delete reports nothing.
const EvExpire sim.EventKind = "etcd-expire"

// core is what the glue drives: a Member or a Node.
type core interface {
	start(now time.Duration) error
	crash()
	tick(now time.Duration) error
	handle(now time.Duration, r Request) error
	step(now time.Duration, m *raftpb.Message) error
	ready() (Ready, []*raftpb.Message)
	closeStream(sid uint64)
}

type memberCore struct{ *Member }

func (c memberCore) start(now time.Duration) error             { c.Start(now); return nil }
func (c memberCore) crash()                                    { c.Crash() }
func (c memberCore) tick(now time.Duration) error              { return c.Tick(now) }
func (c memberCore) handle(now time.Duration, r Request) error { return c.Handle(now, r) }
func (c memberCore) step(time.Duration, *raftpb.Message) error { return nil }
func (c memberCore) ready() (Ready, []*raftpb.Message)         { return c.Ready(), nil }
func (c memberCore) closeStream(sid uint64)                    { c.CloseStream(sid) }

type nodeCore struct{ *Node }

func (c nodeCore) start(now time.Duration) error                   { return c.Start(now) }
func (c nodeCore) crash()                                          { c.Crash() }
func (c nodeCore) tick(now time.Duration) error                    { return c.Tick(now) }
func (c nodeCore) handle(now time.Duration, r Request) error       { return c.Handle(now, r) }
func (c nodeCore) step(now time.Duration, m *raftpb.Message) error { return c.Step(now, m) }
func (c nodeCore) ready() (Ready, []*raftpb.Message) {
	rd := c.Ready()
	return rd.Ready, rd.Messages
}
func (c nodeCore) closeStream(sid uint64) { c.Member().CloseStream(sid) }

// Server is an etcd member on a node of a World.
type Server struct {
	sim.NopServer
	node    *sim.Node
	core    core
	peers   []*sim.Node // by raft ID - 1 (cluster only)
	timer   sim.Timer
	nextID  uint64
	pending map[uint64]*pendingCall // by request ID; looked up, never ranged
	waits   map[uint64]*deleteWait  // by watch stream
}

// ReqTimeout is how long a member waits for its core to answer a request
// before it answers "etcdserver: request timed out" itself, as etcd's
// ReqTimeout (5s plus two election timeouts, 7s by default) bounds a
// proposal that a leader change lost or a minority leader cannot commit.
const ReqTimeout = 7 * time.Second

// pendingCall is a request the core has not answered yet.
type pendingCall struct {
	r     *sim.Request
	timer sim.Timer
}

// deleteWait is a client waiting for the deletion of a key.
type deleteWait struct {
	r   *sim.Request
	key string
}

// Node returns the World node the member runs on.
func (s *Server) Node() *sim.Node { return s.node }

// Leader reports whether the member leads its cluster (always, once
// booted, for a one-member cluster).
func (s *Server) Leader() bool {
	switch c := s.core.(type) {
	case nodeCore:
		return c.Leader()
	case memberCore:
		return c.leader
	}
	return false
}

// AddMember adds a one-member etcd cluster called name to w, up and
// serving one heartbeat after the World starts. cfg.MemberID and
// cfg.Seed default to the node's ID and a draw from its random stream.
func AddMember(w *sim.World, name string, cfg Config) (*Server, error) {
	s := &Server{}
	s.node = w.AddServer(name, s)
	if cfg.MemberID == 0 {
		cfg.MemberID = uint64(s.node.ID()) + 1
	}
	if cfg.Seed == 0 {
		cfg.Seed = s.node.Rand().Uint64()
	}
	m, err := NewMember(cfg)
	if err != nil {
		return nil, err
	}
	s.core = memberCore{m}
	s.boot()
	return s, nil
}

// AddCluster adds a cluster of len(names) members replicated by raft, one
// per node, all booting with the World.
func AddCluster(w *sim.World, names []string, cfg Config) ([]*Server, error) {
	ids := make([]uint64, len(names))
	for i := range names {
		ids[i] = uint64(i + 1)
	}
	out := make([]*Server, len(names))
	nodes := make([]*sim.Node, len(names))
	for i, name := range names {
		s := &Server{}
		s.node = w.AddServer(name, s)
		nodes[i] = s.node
		out[i] = s
	}
	for i, s := range out {
		c := cfg
		c.MemberID = ids[i]
		if c.Seed == 0 {
			c.Seed = s.node.Rand().Uint64()
		}
		n, err := NewNode(c, ids[i], ids)
		if err != nil {
			return nil, err
		}
		s.core = nodeCore{n}
		s.peers = nodes
	}
	for _, s := range out {
		s.boot()
	}
	return out, nil
}

// boot starts the core at the node's monotonic clock.
func (s *Server) boot() {
	s.pending = map[uint64]*pendingCall{}
	s.waits = map[uint64]*deleteWait{}
	s.check(s.core.start(s.node.MonoNow()))
	s.flush()
}

// check panics when the core refuses an input: the glue gave it one it
// cannot take (a bug here, never a fault of the run).
func (s *Server) check(err error) {
	if err != nil {
		panic(fmt.Sprintf("etcd: member %s refused an input: %v", s.node.Name(), err))
	}
}

// call is the body of a client request: one etcd RPC.
type call struct{ req Request }

// waitDelete is the body of a request answered when key is deleted at a
// revision >= from (a watch with a NOPUT filter, replayed from history).
type waitDelete struct {
	key  string
	from int64
}

// Serve takes a client request.
func (s *Server) Serve(r *sim.Request) {
	s.nextID++
	id := s.nextID
	now := s.node.MonoNow()
	switch b := r.Body().(type) {
	case *call:
		req := b.req
		req.ID = id
		p := &pendingCall{r: r}
		s.pending[id] = p
		s.node.SetTimer(&p.timer, now+ReqTimeout, func() { s.timeout(id) })
		s.check(s.core.handle(now, req))
	case *waitDelete:
		s.waits[id] = &deleteWait{r: r, key: b.key}
		s.check(s.core.handle(now, Request{ID: id, Stream: id, Watch: &pb.WatchRequest{
			RequestUnion: &pb.WatchRequest_CreateRequest{CreateRequest: &pb.WatchCreateRequest{
				Key: []byte(b.key), StartRevision: b.from,
				Filters: []pb.WatchCreateRequest_FilterType{pb.WatchCreateRequest_NOPUT},
			}},
		}}))
	default:
		r.Reply(nil, fmt.Errorf("etcd: unknown request %T", r.Body()))
		return
	}
	s.flush()
}

// Message takes a raft message from a peer.
func (s *Server) Message(_ *sim.Node, body any) {
	m, ok := body.(*raftpb.Message)
	if !ok {
		return
	}
	s.check(s.core.step(s.node.MonoNow(), m))
	s.flush()
}

// Crashed stops the member: what it acknowledged is durable (the core
// keeps it), held requests are void.
func (s *Server) Crashed(bool) {
	s.core.crash()
	s.pending, s.waits = nil, nil
}

// Restarted boots the member again.
func (s *Server) Restarted() { s.boot() }

// Resumed runs what came due during the pause: a paused process checks
// no lease and answers nothing, then catches up at once.
func (s *Server) Resumed() { s.fire() }

// fire is the member's timer.
func (s *Server) fire() {
	if s.node.Paused() {
		return // Resumed fires it
	}
	s.check(s.core.tick(s.node.MonoNow()))
	s.flush()
}

// flush carries the core's outputs to the kernel and arms the timer.
func (s *Server) flush() {
	rd, msgs := s.core.ready()
	w := s.node.World()
	for _, rep := range rd.Replies {
		p := s.pending[rep.ID]
		if p == nil {
			continue // timed out already
		}
		delete(s.pending, rep.ID)
		p.timer.Stop()
		s.trace(rep)
		p.r.Reply(rep.Resp, rep.Err)
	}
	for _, out := range rd.Watch {
		s.watched(out)
	}
	for _, e := range rd.Expired {
		for i, k := range e.Keys {
			w.Report(sim.Event{Kind: EvExpire, Node: s.node.Name(), Key: k, Value: e.Values[i], N: int(e.Revs[i])})
		}
	}
	for _, m := range msgs {
		if to := int(m.GetTo()) - 1; to >= 0 && to < len(s.peers) {
			s.node.Send(s.peers[to], m)
		}
	}
	if rd.NextDeadline > 0 {
		s.node.SetTimer(&s.timer, rd.NextDeadline, s.fire)
	}
}

// timeout answers request id with etcd's request timeout if the core has
// not answered it by now (the core's late answer is then dropped).
func (s *Server) timeout(id uint64) {
	p := s.pending[id]
	if p == nil {
		return
	}
	delete(s.pending, id)
	rep := Reply{ID: id, Err: rpctypes.ErrGRPCTimeout}
	s.trace(rep)
	p.r.Reply(nil, rep.Err)
}

// watched answers a delete wait at its first delete event.
func (s *Server) watched(out WatchOut) {
	dw := s.waits[out.Stream]
	if dw == nil {
		return
	}
	var rev int64
	var err error
	switch {
	case out.Resp.Canceled:
		err = fmt.Errorf("etcd: watch canceled: %s", out.Resp.CancelReason)
	default:
		for _, ev := range out.Resp.Events {
			if ev.Type == mvccpb.DELETE && string(ev.Kv.Key) == dw.key {
				rev = ev.Kv.ModRevision
				break
			}
		}
		if rev == 0 {
			return
		}
	}
	delete(s.waits, out.Stream)
	s.core.closeStream(out.Stream)
	tw := s.node.World().TraceEntry(sim.TraceServer, uint64(s.node.ID()))
	tw.String2("watch-delete ", dw.key)
	tw.Uint64(uint64(rev))
	dw.r.Reply(rev, err)
}

// trace adds a served request to the run's trace: its response type, the
// revision it was served at, and its error.
func (s *Server) trace(rep Reply) {
	tw := s.node.World().TraceEntry(sim.TraceServer, uint64(s.node.ID()))
	if rep.Err != nil {
		tw.String(rep.Err.Error())
		return
	}
	tw.String(string(proto.MessageName(rep.Resp)))
	if h, ok := rep.Resp.(interface{ GetHeader() *pb.ResponseHeader }); ok {
		tw.Uint64(uint64(h.GetHeader().GetRevision()))
	}
	if t, ok := rep.Resp.(*pb.TxnResponse); ok && t.Succeeded {
		tw.Uint64(1)
	}
}
