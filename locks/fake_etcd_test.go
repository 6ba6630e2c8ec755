package locks

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// MemEtcd is an in-memory Etcd for tests and for the Examples when no real
// etcd-server is given: one store revision, create revisions, leases that
// end only when revoked (or Expire'd), and a history of deletions that
// WaitDelete replays from a revision. It is not a model of etcd (the
// simulator's is); it is what lets the locks' logic and Examples run
// without a server. Exported for the Examples of package locks_test.
type MemEtcd struct {
	mu      sync.Mutex
	rev     int64
	nextID  EtcdLeaseID
	keys    map[string]memKV
	leases  map[EtcdLeaseID]int64 // id -> ttl
	deletes []memDelete
	changed chan struct{} // closed and replaced on every deletion
}

type memKV struct {
	create int64
	lease  EtcdLeaseID
}

type memDelete struct {
	key string
	rev int64
}

// NewMemEtcd returns an empty MemEtcd.
func NewMemEtcd() *MemEtcd {
	return &MemEtcd{rev: 1, nextID: 0x694d, keys: map[string]memKV{}, leases: map[EtcdLeaseID]int64{}, changed: make(chan struct{})}
}

var _ Etcd = (*MemEtcd)(nil)

func (m *MemEtcd) Grant(ctx context.Context, ttl int64) (EtcdLease, error) {
	if err := ctx.Err(); err != nil {
		return EtcdLease{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	m.leases[m.nextID] = ttl
	return EtcdLease{ID: m.nextID, TTL: ttl}, nil
}

func (m *MemEtcd) KeepAliveOnce(ctx context.Context, id EtcdLeaseID) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ttl, ok := m.leases[id]
	if !ok {
		return 0, ErrEtcdLeaseNotFound
	}
	return ttl, nil
}

func (m *MemEtcd) Revoke(ctx context.Context, id EtcdLeaseID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.Expire(id)
}

// Expire ends lease id as its expiry on the server would: its keys are
// deleted in one revision.
func (m *MemEtcd) Expire(id EtcdLeaseID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.leases[id]; !ok {
		return ErrEtcdLeaseNotFound
	}
	delete(m.leases, id)
	var gone []string
	for k, kv := range m.keys {
		if kv.lease == id {
			gone = append(gone, k)
		}
	}
	if len(gone) > 0 {
		sort.Strings(gone)
		m.rev++
		for _, k := range gone {
			m.deleteLocked(k, m.rev)
		}
	}
	return nil
}

func (m *MemEtcd) deleteLocked(k string, rev int64) {
	delete(m.keys, k)
	m.deletes = append(m.deletes, memDelete{key: k, rev: rev})
	close(m.changed)
	m.changed = make(chan struct{})
}

func (m *MemEtcd) Txn(ctx context.Context, txn EtcdTxn) (EtcdTxnResponse, error) {
	if err := ctx.Err(); err != nil {
		return EtcdTxnResponse{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ok := true
	for _, c := range txn.If {
		ok = ok && m.keys[c.Key].create == c.CreateRevision
	}
	ops := txn.Then
	if !ok {
		ops = txn.Else
	}
	next := m.rev + 1
	wrote := false
	for _, op := range ops {
		if op.Kind == EtcdPut && op.Lease != 0 {
			if _, live := m.leases[op.Lease]; !live {
				return EtcdTxnResponse{}, ErrEtcdLeaseNotFound
			}
		}
	}
	resp := EtcdTxnResponse{Succeeded: ok}
	for _, op := range ops {
		var r EtcdOpResponse
		switch op.Kind {
		case EtcdPut:
			kv, exists := m.keys[op.Key]
			if !exists {
				kv.create = next
			}
			kv.lease = op.Lease
			m.keys[op.Key] = kv
			wrote = true
		case EtcdRange:
			r.KVs = m.rangeLocked(op.Get)
		case EtcdDelete:
			if _, exists := m.keys[op.Key]; exists {
				m.deleteLocked(op.Key, next)
				r.Deleted = 1
				wrote = true
			}
		default:
			return EtcdTxnResponse{}, fmt.Errorf("memetcd: op kind %d", op.Kind)
		}
		resp.Responses = append(resp.Responses, r)
	}
	if wrote {
		m.rev = next
	}
	resp.Revision = m.rev
	return resp, nil
}

func (m *MemEtcd) rangeLocked(g EtcdGet) []EtcdKV {
	var out []EtcdKV
	for k, kv := range m.keys {
		match := k == g.Key || (g.Prefix && strings.HasPrefix(k, g.Key))
		if match && (g.MaxCreateRevision <= 0 || kv.create <= g.MaxCreateRevision) {
			out = append(out, EtcdKV{Key: k, CreateRevision: kv.create})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		switch g.Sort {
		case EtcdOldestFirst:
			return out[i].CreateRevision < out[j].CreateRevision
		case EtcdNewestFirst:
			return out[i].CreateRevision > out[j].CreateRevision
		}
		return out[i].Key < out[j].Key
	})
	if g.Limit > 0 && int64(len(out)) > g.Limit {
		out = out[:g.Limit]
	}
	return out
}

func (m *MemEtcd) Get(ctx context.Context, g EtcdGet) (EtcdGetResponse, error) {
	if err := ctx.Err(); err != nil {
		return EtcdGetResponse{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return EtcdGetResponse{Revision: m.rev, KVs: m.rangeLocked(g)}, nil
}

func (m *MemEtcd) WaitDelete(ctx context.Context, key string, from int64) error {
	for {
		m.mu.Lock()
		for _, d := range m.deletes {
			if d.key == key && d.rev >= from {
				m.mu.Unlock()
				return nil
			}
		}
		ch := m.changed
		m.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
