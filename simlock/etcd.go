package simlock

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
	"github.com/locksim/locksim/sim/etcd"
)

// Etcd returns the locks.Etcd of a simulated client over conns, one
// connection per member of a simulated etcd cluster (sim/etcd). Like
// clientv3 with several endpoints, it sends each call to one member and
// moves to the next after a failure that a healthy member would not give
// (refused connection, "not leader", "request timed out", a call abandoned
// by its context), so
// that a client finds a working member after a crash or a partition.
//
// Calls block the calling task (sim.Conn.Call); it must be a task of the
// connections' From node.
func Etcd(conns []*sim.Conn) locks.Etcd {
	if len(conns) == 0 {
		panic("simlock: Etcd over no connection")
	}
	return &etcdClient{conns: conns}
}

type etcdClient struct {
	conns []*sim.Conn
	cur   int
}

var _ locks.Etcd = (*etcdClient)(nil)

// do sends one request to the current member.
func (c *etcdClient) do(ctx context.Context, body any) (any, error) {
	v, err := c.conns[c.cur].Call(ctx, body)
	if err != nil && failover(err) {
		c.cur = (c.cur + 1) % len(c.conns)
	}
	return v, err
}

// failover reports whether err says to try another member next time.
func failover(err error) bool {
	return errors.Is(err, sim.ErrConnRefused) || errors.Is(err, rpctypes.ErrGRPCNotLeader) || errors.Is(err, rpctypes.ErrGRPCTimeout) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// leaseErr maps etcd's "requested lease not found" to the locks' error.
func leaseErr(err error) error {
	if errors.Is(err, rpctypes.ErrGRPCLeaseNotFound) {
		return fmt.Errorf("%w (%v)", locks.ErrEtcdLeaseNotFound, err)
	}
	return err
}

func (c *etcdClient) Grant(ctx context.Context, ttl int64) (locks.EtcdLease, error) {
	v, err := c.do(ctx, etcd.GrantCall(ttl))
	if err != nil {
		return locks.EtcdLease{}, err
	}
	id, granted, err := etcd.GrantReply(v)
	if err != nil {
		return locks.EtcdLease{}, err
	}
	return locks.EtcdLease{ID: locks.EtcdLeaseID(id), TTL: granted}, nil
}

func (c *etcdClient) KeepAliveOnce(ctx context.Context, id locks.EtcdLeaseID) (int64, error) {
	v, err := c.do(ctx, etcd.KeepAliveCall(int64(id)))
	if err != nil {
		return 0, leaseErr(err)
	}
	ttl := etcd.KeepAliveReply(v)
	if ttl <= 0 {
		return 0, locks.ErrEtcdLeaseNotFound // clientv3: a TTL of 0 is ErrLeaseNotFound
	}
	return ttl, nil
}

func (c *etcdClient) Revoke(ctx context.Context, id locks.EtcdLeaseID) error {
	_, err := c.do(ctx, etcd.RevokeCall(int64(id)))
	return leaseErr(err)
}

func (c *etcdClient) Txn(ctx context.Context, txn locks.EtcdTxn) (locks.EtcdTxnResponse, error) {
	t := etcd.Txn{If: make([]etcd.CreateCmp, len(txn.If)), Then: ops(txn.Then), Else: ops(txn.Else)}
	for i, cmp := range txn.If {
		t.If[i] = etcd.CreateCmp{Key: cmp.Key, CreateRevision: cmp.CreateRevision}
	}
	v, err := c.do(ctx, etcd.TxnCall(t))
	if err != nil {
		return locks.EtcdTxnResponse{}, leaseErr(err)
	}
	r := etcd.TxnReply(v)
	out := locks.EtcdTxnResponse{Revision: r.Revision, Succeeded: r.Succeeded, Responses: make([]locks.EtcdOpResponse, len(r.Ops))}
	for i, op := range r.Ops {
		out.Responses[i] = locks.EtcdOpResponse{KVs: kvs(op.KVs), Deleted: op.Deleted}
	}
	return out, nil
}

func (c *etcdClient) Get(ctx context.Context, get locks.EtcdGet) (locks.EtcdGetResponse, error) {
	v, err := c.do(ctx, etcd.RangeCall(rangeOf(get)))
	if err != nil {
		return locks.EtcdGetResponse{}, err
	}
	rev, got := etcd.RangeReply(v)
	return locks.EtcdGetResponse{Revision: rev, KVs: kvs(got)}, nil
}

func (c *etcdClient) WaitDelete(ctx context.Context, key string, fromRevision int64) error {
	_, err := c.do(ctx, etcd.WaitDeleteCall(key, fromRevision))
	return err
}

func ops(in []locks.EtcdOp) []etcd.Op {
	out := make([]etcd.Op, len(in))
	for i, op := range in {
		switch op.Kind {
		case locks.EtcdPut:
			out[i] = etcd.Op{Put: true, Key: op.Key, Lease: int64(op.Lease)}
		case locks.EtcdRange:
			r := rangeOf(op.Get)
			out[i] = etcd.Op{Range: &r}
		case locks.EtcdDelete:
			out[i] = etcd.Op{Delete: true, Key: op.Key}
		default:
			panic(fmt.Sprintf("simlock: etcd op of kind %d", op.Kind))
		}
	}
	return out
}

func rangeOf(g locks.EtcdGet) etcd.Range {
	r := etcd.Range{Key: g.Key, Prefix: g.Prefix, Limit: g.Limit, MaxCreateRevision: g.MaxCreateRevision}
	switch g.Sort {
	case locks.EtcdOldestFirst:
		r.ByCreate, r.Descend = true, false
	case locks.EtcdNewestFirst:
		r.ByCreate, r.Descend = true, true
	}
	return r
}

func kvs(in []etcd.KV) []locks.EtcdKV {
	if len(in) == 0 {
		return nil
	}
	out := make([]locks.EtcdKV, len(in))
	for i, kv := range in {
		out[i] = locks.EtcdKV{Key: kv.Key, CreateRevision: kv.CreateRevision}
	}
	return out
}
