package etcd

import (
	"cmp"
	"slices"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// lease is one lease of the lessor. ttl is durable (etcd persists it in the
// lease bucket); expiry is volatile, on the member's monotonic clock, and
// only meaningful while the member is the primary (leader).
type lease struct {
	id      int64
	ttl     int64
	expiry  time.Duration
	forever bool // not primary: never expires (etcd's Lease.forever)
	keys    map[string]bool
	// waiting are keep-alives that arrived after expiry: etcd's Renew blocks
	// on the lease's revokec until the revocation commits, then answers TTL
	// 0. Each holds the header taken when it arrived.
	waiting []pendingKeepAlive
}

type pendingKeepAlive struct {
	req    uint64
	header *pb.ResponseHeader
	id     int64
}

func (l *lease) remaining(now time.Duration) time.Duration {
	if l.forever {
		return time.Duration(1<<63 - 1)
	}
	return l.expiry - now
}

func (l *lease) expired(now time.Duration) bool { return l.remaining(now) <= 0 }

func (l *lease) sortedKeys() []string { return sortedKeys(l.keys) }

// lessor holds the leases (etcd's lease.lessor). Expiry is checked every
// LeaseCheckInterval (500ms in etcd's runLoop), not at the instant a lease
// runs out, and an expired lease is then revoked through a proposal: a key
// outlives its lease by up to one check interval (plus the proposal's
// commit, which a single member does at once).
type lessor struct {
	leases  map[int64]*lease
	primary bool
	minTTL  int64
}

func newLessor(minTTL int64) *lessor {
	return &lessor{leases: map[int64]*lease{}, minTTL: minTTL}
}

func (le *lessor) lookup(id int64) *lease { return le.leases[id] }

func (le *lessor) attach(id int64, key string) {
	if l := le.leases[id]; l != nil {
		l.keys[key] = true
	}
}

func (le *lessor) detach(id int64, key string) {
	if l := le.leases[id]; l != nil {
		delete(l.keys, key)
	}
}

// grant is lessor.Grant: an existing ID is refused, a TTL below the minimum
// is raised to it, and the lease starts its countdown only on the primary.
func (le *lessor) grant(now time.Duration, id, ttl int64) (*lease, error) {
	if id == 0 {
		return nil, errLeaseNotFound
	}
	if ttl > maxLeaseTTL {
		return nil, errLeaseTTLTooBig
	}
	if _, ok := le.leases[id]; ok {
		return nil, errLeaseExist
	}
	l := &lease{id: id, ttl: max(ttl, le.minTTL), keys: map[string]bool{}}
	le.refresh(l, now, 0)
	le.leases[id] = l
	return l, nil
}

// refresh is Lease.refresh on the primary (expiry = now + extend + TTL) and
// Lease.forever elsewhere.
func (le *lessor) refresh(l *lease, now, extend time.Duration) {
	if !le.primary {
		l.forever = true
		return
	}
	l.forever = false
	l.expiry = now + extend + time.Duration(l.ttl)*time.Second
}

// promote is lessor.Promote(extend). etcd calls it when a leader applies
// the empty entry that opens its term, i.e. once it has applied every entry
// of the previous terms (etcdserver/server.go, applyEntryNormal:
// "if s.isLeader() { s.lessor.Promote(s.Cfg.electionTimeout()) }"), so
// extend is the election timeout, 1s by default. Every lease's expiry is
// reset to now + extend + its full TTL (lease/lessor.go: l.refresh(extend),
// expiry = now + extend + remaining TTL; lease checkpointing, off by
// default in 3.4, is not modelled, so the remaining TTL is the whole TTL).
// That is why leases survive a restart, and a leader change, with their
// whole TTL and then some.
func (le *lessor) promote(now, extend time.Duration) {
	le.primary = true
	for _, id := range sortedKeys(le.leases) {
		le.refresh(le.leases[id], now, extend)
	}
}

// demote is lessor.Demote: leases stop expiring. A crash demotes too.
func (le *lessor) demote() {
	le.primary = false
	for _, l := range le.leases {
		l.forever = true
		l.waiting = nil
	}
}

// expiredLeases lists the leases a check at now finds expired, in expiry
// order (etcd's heap), ties by ID.
func (le *lessor) expiredLeases(now time.Duration) []*lease {
	if !le.primary {
		return nil
	}
	var out []*lease
	for _, l := range le.leases {
		if l.expired(now) {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b *lease) int {
		if c := cmp.Compare(a.expiry, b.expiry); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	return out
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// leaseGrant serves LeaseGrant; ID 0 asks the server to choose, which etcd
// does with its request-ID generator, masked positive.
func (m *Member) leaseGrant(r *pb.LeaseGrantRequest) (*pb.LeaseGrantResponse, error) {
	id := r.ID
	for id == 0 {
		id = int64(m.ids.next() & (1<<63 - 1))
	}
	l, err := m.lessor.grant(m.now, id, r.TTL)
	if err != nil {
		return nil, err
	}
	resp := &pb.LeaseGrantResponse{ID: l.id, TTL: l.ttl, Header: &pb.ResponseHeader{}}
	m.fill(resp.Header)
	return resp, nil
}

// revoke is lessor.Revoke: the lease's keys are deleted in key order in one
// write txn (one revision, if it had keys), and keep-alives waiting on it
// are answered with TTL 0. expired says the lessor revokes it because it
// expired (not a client's LeaseRevoke): it is then reported in
// Ready.Expired with its keys.
func (m *Member) revoke(id int64, expired bool) error {
	l := m.lessor.lookup(id)
	if l == nil {
		return errLeaseNotFound
	}
	keys := l.sortedKeys()
	if expired {
		e := Expired{Lease: id}
		for _, k := range keys {
			v, rev := "", int64(0)
			if kv, ok := m.store.get(k, m.store.rev); ok {
				v, rev = string(kv.Value), kv.CreateRevision
			}
			e.Keys = append(e.Keys, k)
			e.Values = append(e.Values, v)
			e.Revs = append(e.Revs, rev)
		}
		m.out.Expired = append(m.out.Expired, e)
	}
	tw := m.beginWrite()
	for _, k := range keys {
		tw.deleteRange([]byte(k), nil)
	}
	delete(m.lessor.leases, id)
	m.endWrite(tw)
	for _, w := range l.waiting {
		m.reply(w.req, &pb.LeaseKeepAliveResponse{Header: w.header, ID: w.id, TTL: 0}, nil)
	}
	return nil
}

func (m *Member) leaseRevoke(r *pb.LeaseRevokeRequest) (*pb.LeaseRevokeResponse, error) {
	if err := m.revoke(r.ID, false); err != nil {
		return nil, err
	}
	resp := &pb.LeaseRevokeResponse{Header: &pb.ResponseHeader{}}
	m.fill(resp.Header)
	return resp, nil
}

// leaseKeepAlive is one keep-alive of a LeaseKeepAlive stream: the header is
// taken before the renewal (v3rpc does so, so a keep-alive never reports a
// revision after the lease's revocation); an unknown lease answers TTL 0,
// not an error; an expired lease not yet revoked holds the answer until the
// revocation. It returns false when the reply is held.
func (m *Member) leaseKeepAlive(req uint64, r *pb.LeaseKeepAliveRequest) (*pb.LeaseKeepAliveResponse, bool) {
	h := &pb.ResponseHeader{}
	m.fill(h)
	l := m.lessor.lookup(r.ID)
	if l == nil {
		return &pb.LeaseKeepAliveResponse{Header: h, ID: r.ID, TTL: 0}, true
	}
	if l.expired(m.now) {
		l.waiting = append(l.waiting, pendingKeepAlive{req: req, header: h, id: r.ID})
		return nil, false
	}
	m.lessor.refresh(l, m.now, 0)
	return &pb.LeaseKeepAliveResponse{Header: h, ID: r.ID, TTL: l.ttl}, true
}

// leaseTimeToLive: remaining whole seconds (truncated, as etcd's
// int64(Remaining().Seconds())), the granted TTL, the keys (sorted: etcd
// lists them in map order), and TTL -1 for an unknown lease.
func (m *Member) leaseTimeToLive(r *pb.LeaseTimeToLiveRequest) *pb.LeaseTimeToLiveResponse {
	resp := &pb.LeaseTimeToLiveResponse{Header: &pb.ResponseHeader{}, ID: r.ID, TTL: -1}
	if l := m.lessor.lookup(r.ID); l != nil {
		resp.TTL = int64(l.remaining(m.now).Seconds())
		resp.GrantedTTL = l.ttl
		if r.Keys {
			for _, k := range l.sortedKeys() {
				resp.Keys = append(resp.Keys, []byte(k))
			}
		}
	}
	m.fill(resp.Header)
	return resp
}
