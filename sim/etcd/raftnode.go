package etcd

import (
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Node is one member of a replicated etcd cluster: a Member (the state
// machine and the local serving: watches, lessor) behind a go.etcd.io/raft
// RawNode. Like the Member it is pure: time is an input, and raft messages
// to peers are outputs (NodeReady.Messages) that the caller delivers with
// Step.
//
// Elections. raft draws its randomized election timeout from a global
// random source, which would break determinism. The Node therefore gives
// raft an ElectionTick far beyond any run (raft never times out by itself),
// and runs the election timer itself: a follower or candidate that has not
// heard from a leader (MsgApp, MsgHeartbeat, MsgSnap) or granted a vote for
// a timeout drawn uniformly from [ElectionTicks, 2*ElectionTicks) heartbeat
// intervals (raft's own range) from a source seeded by Config.Seed and the
// node ID, calls Campaign, which is exactly what raft's tickElection does
// when its timer fires (Step(MsgHup)). Votes, log matching, commitment and
// ReadIndex are raft's own code. What this costs: CheckQuorum must be off
// (its lease check uses the same election timeout), so a leader cut off in
// a minority stays leader, unable to commit, until it hears a higher term;
// etcd 3.4 runs with CheckQuorum on, where it would step down after an
// election timeout.
//
// Requests. Put, DeleteRange, write Txns and lease grant/revoke are proposed
// as etcd's InternalRaftRequest and applied on every node in log order; the
// node that took the request answers it after applying. Range and read-only
// Txns are linearizable reads through raft's ReadIndex. Keep-alives and
// TimeToLive are served by the leader only: a follower refuses them with
// "etcdserver: not leader" where etcd would forward them to the leader
// (leasehttp). Requests that raft drops (no leader known) are refused with
// "etcdserver: no leader"; a proposal lost in a leader change is never
// answered (etcd answers "request timed out" after ~7s; the client's own
// timeout plays that part here).
type Node struct {
	id      uint64
	peers   []uint64
	cfg     Config
	m       *Member
	st      *raft.MemoryStorage
	rn      *raft.RawNode
	rng     *rand.Rand
	applied uint64 // durable, like etcd's consistent index

	now        time.Duration
	nextTick   time.Duration
	electionAt time.Duration
	seq        uint64
	pending    map[uint64]uint64 // raft request header ID -> client request ID (volatile)
	reads      map[uint64]Request
	readWait   []readWait
	revoking   map[int64]bool
	msgs       []*raftpb.Message
}

type readWait struct {
	index uint64
	req   Request
}

// NodeReady is a Node's output: its Member's (replies, watch messages,
// deadline) and the raft messages for peers.
type NodeReady struct {
	Ready
	Messages []*raftpb.Message
}

// ErrNotLeader refuses a lease keep-alive or time-to-live on a follower.
var ErrNotLeader = rpctypes.ErrGRPCNotLeader

// NewNode returns a stopped node id of a cluster of peers (IDs, id among
// them). cfg.MemberID is set to id.
func NewNode(cfg Config, id uint64, peers []uint64) (*Node, error) {
	cfg.MemberID = id
	m, err := NewMember(cfg)
	if err != nil {
		return nil, err
	}
	st := raft.NewMemoryStorage()
	snap := &raftpb.Snapshot{Metadata: &raftpb.SnapshotMetadata{Index: proto.Uint64(1), Term: proto.Uint64(1),
		ConfState: &raftpb.ConfState{Voters: append([]uint64{}, peers...)}}}
	if err := st.ApplySnapshot(snap); err != nil {
		return nil, fmt.Errorf("etcd node %d: bootstrap raft storage: %w", id, err)
	}
	n := &Node{id: id, peers: peers, cfg: m.cfg, m: m, st: st, applied: 1,
		rng: rand.New(rand.NewPCG(cfg.Seed, id))}
	m.onExpired = n.proposeRevoke
	return n, nil
}

var discardLogger = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

// Start boots (or reboots) the node at monotonic time now: its Member
// keeps its durable state, raft restarts from its durable log and hard
// state.
func (n *Node) Start(now time.Duration) error {
	rn, err := raft.NewRawNode(&raft.Config{
		ID: n.id, ElectionTick: 1 << 30, HeartbeatTick: 1, Storage: n.st, Applied: n.applied,
		MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, Logger: discardLogger,
	})
	if err != nil {
		return fmt.Errorf("etcd node %d: %w", n.id, err)
	}
	n.rn = rn
	n.m.Start(now)
	n.m.leaderAt = time.Duration(1<<63 - 1) // raft decides
	n.now, n.nextTick = now, now+n.cfg.HeartbeatInterval
	n.resetElection()
	n.pending, n.reads, n.readWait, n.revoking, n.msgs = map[uint64]uint64{}, map[uint64]Request{}, nil, map[int64]bool{}, nil
	return nil
}

// Crash stops the node; see Member.Crash. The raft log and hard state are
// durable (etcd's WAL).
func (n *Node) Crash() {
	n.m.Crash()
	n.rn = nil
}

func (n *Node) resetElection() {
	et := n.cfg.ElectionTicks
	n.electionAt = n.now + time.Duration(et+n.rng.IntN(et))*n.cfg.HeartbeatInterval
}

// Leader reports whether the node is the raft leader.
func (n *Node) Leader() bool { return n.rn != nil && n.rn.BasicStatus().RaftState == raft.StateLeader }

// Member is the node's state machine, for inspection.
func (n *Node) Member() *Member { return n.m }

// Tick advances the node to now: raft ticks every heartbeat interval, the
// election timer, the lessor's checks.
func (n *Node) Tick(now time.Duration) error {
	if n.rn == nil {
		return ErrStopped
	}
	if now < n.now {
		return fmt.Errorf("%w: %v after %v", ErrTimeBackwards, now, n.now)
	}
	for n.nextTick <= now {
		n.now = n.nextTick
		n.rn.Tick()
		n.nextTick += n.cfg.HeartbeatInterval
		n.process()
	}
	n.now = now
	if !n.Leader() && now >= n.electionAt {
		_ = n.rn.Campaign()
		n.resetElection()
	}
	if err := n.m.Tick(now); err != nil {
		return err
	}
	n.process()
	return nil
}

// Step delivers a raft message from a peer.
func (n *Node) Step(now time.Duration, msg *raftpb.Message) error {
	if err := n.Tick(now); err != nil {
		return err
	}
	switch msg.GetType() {
	case raftpb.MessageType_MsgApp, raftpb.MessageType_MsgHeartbeat, raftpb.MessageType_MsgSnap:
		n.resetElection()
	}
	before := n.vote()
	if err := n.rn.Step(msg); err != nil {
		return nil // raft ignores a message from a removed or unknown peer; so does the node
	}
	if msg.GetType() == raftpb.MessageType_MsgVote && n.vote() == msg.GetFrom() && before != msg.GetFrom() {
		n.resetElection() // granted a vote, as raft resets its election timer then
	}
	n.process()
	return nil
}

func (n *Node) vote() uint64 {
	st := n.rn.BasicStatus()
	return st.HardState.GetVote()
}

// Handle takes one client request at now.
func (n *Node) Handle(now time.Duration, r Request) error {
	if err := n.Tick(now); err != nil {
		return err
	}
	if c := countOps(r); c != 1 {
		return fmt.Errorf("%w (request %d sets %d)", ErrBadRequest, r.ID, c)
	}
	switch {
	case r.Watch != nil:
		n.m.serve(r)
	case r.LeaseKeepAlive != nil || r.LeaseTimeToLive != nil:
		if !n.Leader() {
			n.m.reply(r.ID, nil, ErrNotLeader)
			return nil
		}
		n.m.serve(r)
	case r.Range != nil || (r.Txn != nil && txnReadonly(r.Txn)):
		n.seq++
		ctx := make([]byte, 8)
		binary.BigEndian.PutUint64(ctx, n.seq)
		n.reads[n.seq] = r
		n.rn.ReadIndex(ctx)
	default:
		n.propose(r)
	}
	n.process()
	return nil
}

func (n *Node) propose(r Request) {
	n.seq++
	hid := n.id<<48 | n.seq
	ir := &pb.InternalRaftRequest{Header: &pb.RequestHeader{ID: hid}, Put: r.Put, DeleteRange: r.DeleteRange,
		Txn: r.Txn, LeaseGrant: r.LeaseGrant, LeaseRevoke: r.LeaseRevoke}
	if r.LeaseGrant != nil && r.LeaseGrant.ID == 0 {
		// etcd picks the ID before proposing, so every member applies the same one.
		g := proto.Clone(r.LeaseGrant).(*pb.LeaseGrantRequest)
		for g.ID == 0 {
			g.ID = int64(n.m.ids.next() & (1<<63 - 1))
		}
		ir.LeaseGrant = g
	}
	data, err := proto.Marshal(ir)
	if err != nil {
		n.m.reply(r.ID, nil, fmt.Errorf("etcd node %d: encode proposal: %w", n.id, err))
		return
	}
	if err := n.rn.Propose(data); err != nil {
		n.m.reply(r.ID, nil, rpctypes.ErrGRPCNoLeader)
		return
	}
	n.pending[hid] = r.ID
}

// proposeRevoke is the leader's lessor finding an expired lease: etcd
// proposes a LeaseRevoke (once; a duplicate would only fail).
func (n *Node) proposeRevoke(id int64) {
	if n.revoking[id] || n.rn == nil {
		return
	}
	n.revoking[id] = true
	data, _ := proto.Marshal(&pb.InternalRaftRequest{LeaseRevoke: &pb.LeaseRevokeRequest{ID: id}})
	_ = n.rn.Propose(data)
}

// process drains raft's Ready: persist, queue messages, follow leadership,
// apply committed entries, serve reads whose index is applied.
func (n *Node) process() {
	for n.rn.HasReady() {
		rd := n.rn.Ready()
		if rd.HardState != nil && !raft.IsEmptyHardState(rd.HardState) {
			_ = n.st.SetHardState(rd.HardState)
			n.m.term = rd.HardState.GetTerm()
		}
		if len(rd.Entries) > 0 {
			_ = n.st.Append(rd.Entries)
		}
		n.msgs = append(n.msgs, rd.Messages...)
		if rd.SoftState != nil && rd.SoftState.RaftState != raft.StateLeader && n.m.leader {
			n.m.leader = false
			n.m.lessor.demote()
			n.revoking = map[int64]bool{} // the next leader finds them expired again
		}
		for _, rs := range rd.ReadStates {
			seq := binary.BigEndian.Uint64(rs.RequestCtx)
			if r, ok := n.reads[seq]; ok {
				delete(n.reads, seq)
				n.readWait = append(n.readWait, readWait{index: rs.Index, req: r})
			}
		}
		for _, e := range rd.CommittedEntries {
			n.apply(e)
		}
		n.rn.Advance(rd)
	}
	kept := n.readWait[:0]
	for _, w := range n.readWait {
		if w.index <= n.applied {
			n.m.serve(w.req)
		} else {
			kept = append(kept, w)
		}
	}
	n.readWait = kept
}

// apply applies one committed entry to the Member. The empty entry a new
// leader appends opens its term: applying it on the leader promotes the
// lessor, as etcd's applyEntryNormal does.
func (n *Node) apply(e *raftpb.Entry) {
	n.applied = e.GetIndex()
	if e.GetType() != raftpb.EntryType_EntryNormal {
		return
	}
	if len(e.Data) == 0 {
		if n.rn.BasicStatus().RaftState == raft.StateLeader {
			n.m.leader = true
			n.m.lessor.promote(n.now, n.cfg.electionTimeout())
		}
		return
	}
	ir := &pb.InternalRaftRequest{}
	if err := proto.Unmarshal(e.Data, ir); err != nil {
		return
	}
	r := Request{Put: ir.Put, DeleteRange: ir.DeleteRange, Txn: ir.Txn, LeaseGrant: ir.LeaseGrant, LeaseRevoke: ir.LeaseRevoke}
	hid := ir.GetHeader().GetID()
	if ir.LeaseRevoke != nil {
		id := ir.LeaseRevoke.ID
		expired := hid == 0 && n.revoking[id] // this leader's own proposal for an expired lease
		delete(n.revoking, id)
		if expired {
			_ = n.m.revoke(id, true) // no client waits for its reply
			return
		}
	}
	client, mine := n.pending[hid]
	delete(n.pending, hid)
	before := len(n.m.out.Replies)
	n.m.serve(r)
	if len(n.m.out.Replies) > before {
		rep := n.m.out.Replies[before]
		n.m.out.Replies = n.m.out.Replies[:before]
		if mine && hid != 0 {
			rep.ID = client
			n.m.out.Replies = append(n.m.out.Replies, rep)
		}
	}
}

// Ready returns and clears the node's outputs.
func (n *Node) Ready() NodeReady {
	out := NodeReady{Ready: n.m.Ready(), Messages: n.msgs}
	n.msgs = nil
	if n.rn != nil {
		out.NextDeadline = min(out.NextDeadline, n.nextTick)
		if !n.Leader() {
			out.NextDeadline = min(out.NextDeadline, n.electionAt)
		}
	}
	return out
}
