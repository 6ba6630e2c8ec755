package etcd

import (
	"fmt"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"google.golang.org/protobuf/proto"
)

// Request is one client request to a member. Set exactly one operation.
// ID is the caller's and comes back on the Reply; Stream names the watch
// stream a Watch message belongs to (any number the caller picks per
// stream).
type Request struct {
	ID     uint64
	Stream uint64

	Range           *pb.RangeRequest
	Put             *pb.PutRequest
	DeleteRange     *pb.DeleteRangeRequest
	Txn             *pb.TxnRequest
	LeaseGrant      *pb.LeaseGrantRequest
	LeaseRevoke     *pb.LeaseRevokeRequest
	LeaseKeepAlive  *pb.LeaseKeepAliveRequest
	LeaseTimeToLive *pb.LeaseTimeToLiveRequest
	Watch           *pb.WatchRequest
}

// Reply answers the Request with the same ID: Resp is the etcd response
// message (*pb.RangeResponse, ...), or Err a gRPC status error with etcd's
// code and message. Watch messages are answered on the stream (Ready.Watch),
// not here.
type Reply struct {
	ID   uint64
	Resp proto.Message
	Err  error
}

// Ready is what the member has produced since the last Ready call, like
// raft's Ready: replies to requests, watch stream messages, and the
// monotonic time at which it next wants Tick (0: no deadline, i.e. the
// member is down).
type Ready struct {
	Replies      []Reply
	Watch        []WatchOut
	Expired      []Expired
	NextDeadline time.Duration
}

// Expired reports a lease the lessor revoked because it expired (not a
// client's LeaseRevoke), with the keys that went with it: what a watcher
// of the keyspace sees as deletes, told apart from a release. In a cluster
// only the leader that proposed the revocation reports it, when it
// applies it.
type Expired struct {
	Lease  int64
	Keys   []string // in key order
	Values []string // the keys' values when they were deleted
	Revs   []int64  // the keys' create revisions
}

// Member is one etcd member (a single-member cluster: it is its own
// leader). It is a pure state machine: it never reads a clock, starts a
// goroutine or touches the network; every call passes the member's
// monotonic clock reading, and outputs are collected by Ready.
type Member struct {
	cfg     Config
	store   *store
	lessor  *lessor
	watches *watches
	ids     *idGen

	running   bool
	now       time.Duration
	term      uint64
	leaderAt  time.Duration // when the booting member becomes leader
	leader    bool
	queued    []Request // requests that arrived before it was leader
	nextCheck time.Duration

	// onExpired, when set (a raft Node), proposes the revocation of an
	// expired lease instead of revoking it at once.
	onExpired func(id int64)

	out Ready
}

// NewMember returns a stopped member with an empty store; Start boots it.
func NewMember(cfg Config) (*Member, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Member{
		cfg:     cfg,
		store:   newStore(),
		lessor:  newLessor(cfg.MinLeaseTTL()),
		watches: newWatches(),
		ids:     newIDGen(cfg.MemberID, cfg.Seed),
		term:    1,
	}, nil
}

// Start boots (or reboots) the member at monotonic time now. A single
// member elects itself at its first raft tick (etcd fast-forwards a
// single-member cluster's election ticks), so it serves from now +
// HeartbeatInterval; requests before that wait. Becoming leader promotes
// the lessor: every lease restarts its full TTL plus the election timeout.
func (m *Member) Start(now time.Duration) {
	m.running, m.leader = true, false
	m.now = now
	m.leaderAt = now + m.cfg.HeartbeatInterval
	m.nextCheck = now
	m.lessor.demote()
}

// Crash stops the member. Everything it acknowledged survives (etcd syncs
// its WAL before answering), leases included; what is lost is volatile:
// watch streams, queued requests, held keep-alives and outputs not yet
// collected.
func (m *Member) Crash() {
	m.running, m.leader = false, false
	m.queued = nil
	m.watches = newWatches()
	m.lessor.demote()
	m.out = Ready{}
}

// Running reports whether the member is up.
func (m *Member) Running() bool { return m.running }

// Tick advances the member to monotonic time now, running what was due:
// its election after a boot, and the lessor's expiry checks.
func (m *Member) Tick(now time.Duration) error {
	if !m.running {
		return ErrStopped
	}
	if now < m.now {
		return fmt.Errorf("%w: %v after %v", ErrTimeBackwards, now, m.now)
	}
	for {
		next := m.nextCheck
		if !m.leader && m.leaderAt < next {
			next = m.leaderAt
		}
		if next > now {
			break
		}
		m.now = next
		if !m.leader && m.leaderAt == next {
			m.becomeLeader()
			continue
		}
		for _, l := range m.lessor.expiredLeases(m.now) {
			if m.onExpired != nil {
				m.onExpired(l.id)
				continue
			}
			_ = m.revoke(l.id, true) // found just now: cannot be missing
		}
		m.nextCheck += m.cfg.LeaseCheckInterval
	}
	m.now = now
	return nil
}

func (m *Member) becomeLeader() {
	m.leader = true
	m.term++
	m.lessor.promote(m.now, m.cfg.electionTimeout())
	queued := m.queued
	m.queued = nil
	for _, r := range queued {
		m.serve(r)
	}
}

// Handle takes one request at monotonic time now. Its reply (if any yet)
// comes out of Ready.
func (m *Member) Handle(now time.Duration, r Request) error {
	if err := m.Tick(now); err != nil {
		return err
	}
	if n := countOps(r); n != 1 {
		return fmt.Errorf("%w (request %d sets %d)", ErrBadRequest, r.ID, n)
	}
	if !m.leader {
		m.queued = append(m.queued, r)
		return nil
	}
	m.serve(r)
	return nil
}

// Ready returns and clears the outputs, with the next deadline.
func (m *Member) Ready() Ready {
	out := m.out
	m.out = Ready{}
	if m.running {
		out.NextDeadline = m.nextCheck
		if !m.leader && m.leaderAt < out.NextDeadline {
			out.NextDeadline = m.leaderAt
		}
	}
	return out
}

func countOps(r Request) int {
	n := 0
	for _, set := range []bool{r.Range != nil, r.Put != nil, r.DeleteRange != nil, r.Txn != nil,
		r.LeaseGrant != nil, r.LeaseRevoke != nil, r.LeaseKeepAlive != nil, r.LeaseTimeToLive != nil, r.Watch != nil} {
		if set {
			n++
		}
	}
	return n
}

func (m *Member) serve(r Request) {
	switch {
	case r.Range != nil:
		resp, err := m.rangeReq(r.Range)
		m.reply(r.ID, resp, err)
	case r.Put != nil:
		resp, err := m.put(r.Put)
		m.reply(r.ID, resp, err)
	case r.DeleteRange != nil:
		resp, err := m.deleteRange(r.DeleteRange)
		m.reply(r.ID, resp, err)
	case r.Txn != nil:
		resp, err := m.txn(r.Txn)
		m.reply(r.ID, resp, err)
	case r.LeaseGrant != nil:
		resp, err := m.leaseGrant(r.LeaseGrant)
		m.reply(r.ID, resp, err)
	case r.LeaseRevoke != nil:
		resp, err := m.leaseRevoke(r.LeaseRevoke)
		m.reply(r.ID, resp, err)
	case r.LeaseKeepAlive != nil:
		if resp, ok := m.leaseKeepAlive(r.ID, r.LeaseKeepAlive); ok {
			m.reply(r.ID, resp, nil)
		}
	case r.LeaseTimeToLive != nil:
		m.reply(r.ID, m.leaseTimeToLive(r.LeaseTimeToLive), nil)
	case r.Watch != nil:
		m.watchRequest(r.Stream, r.Watch)
	}
}

// reply queues a reply; a typed-nil response becomes a nil Resp.
func (m *Member) reply(id uint64, resp proto.Message, err error) {
	if err != nil {
		resp = nil
	}
	m.out.Replies = append(m.out.Replies, Reply{ID: id, Resp: resp, Err: err})
}

func (m *Member) sendWatch(sid uint64, r *pb.WatchResponse) {
	m.out.Watch = append(m.out.Watch, WatchOut{Stream: sid, Resp: r})
}

// header is a full response header at revision rev.
func (m *Member) header(rev int64) *pb.ResponseHeader {
	return &pb.ResponseHeader{ClusterId: m.cfg.ClusterID, MemberId: m.cfg.MemberID, Revision: rev, RaftTerm: m.term}
}

// fill is v3rpc's header.fill: identity and term, and the current revision
// if the response did not set one.
func (m *Member) fill(h *pb.ResponseHeader) {
	h.ClusterId, h.MemberId, h.RaftTerm = m.cfg.ClusterID, m.cfg.MemberID, m.term
	if h.Revision == 0 {
		h.Revision = m.store.rev
	}
}
