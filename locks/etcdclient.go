package locks

// This file holds the production Etcd, on the real clientv3 client. Like
// real.go it is exempt from the seam rules (see TestSeamRules): clientv3's
// watch is a channel, and this code never runs under the simulator, which
// supplies its own Etcd.

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// EtcdClient returns the production Etcd over a go.etcd.io/etcd/client/v3
// client: Grant, KeepAliveOnce and Revoke are the client's; Txn and Get are
// clientv3 Txn and Get with the matching options (WithPrefix, WithSort by
// create revision, WithLimit, WithMaxCreateRev, WithLease); WaitDelete is a
// Watch WithRev, as concurrency's waitDelete. The server's "requested
// lease not found" becomes ErrEtcdLeaseNotFound. It is safe for concurrent
// use, as the client is. Closing cli is the caller's business.
func EtcdClient(cli *clientv3.Client) Etcd { return etcdClient{c: cli} }

type etcdClient struct{ c *clientv3.Client }

// leaseErr maps the server's lease-not-found answer to ErrEtcdLeaseNotFound,
// keeping the original in the chain.
func leaseErr(err error) error {
	if err != nil && errors.Is(err, rpctypes.ErrLeaseNotFound) {
		return fmt.Errorf("%w: %w", ErrEtcdLeaseNotFound, err)
	}
	return err
}

func (e etcdClient) Grant(ctx context.Context, ttl int64) (EtcdLease, error) {
	r, err := e.c.Grant(ctx, ttl)
	if err != nil {
		return EtcdLease{}, err
	}
	if r.Error != "" {
		return EtcdLease{}, fmt.Errorf("etcd: grant: %s", r.Error)
	}
	return EtcdLease{ID: EtcdLeaseID(r.ID), TTL: r.TTL}, nil
}

func (e etcdClient) KeepAliveOnce(ctx context.Context, id EtcdLeaseID) (int64, error) {
	r, err := e.c.KeepAliveOnce(ctx, clientv3.LeaseID(id))
	if err != nil {
		return 0, leaseErr(err)
	}
	return r.TTL, nil
}

func (e etcdClient) Revoke(ctx context.Context, id EtcdLeaseID) error {
	_, err := e.c.Revoke(ctx, clientv3.LeaseID(id))
	return leaseErr(err)
}

func (e etcdClient) Txn(ctx context.Context, txn EtcdTxn) (EtcdTxnResponse, error) {
	cmps := make([]clientv3.Cmp, len(txn.If))
	for i, c := range txn.If {
		cmps[i] = clientv3.Compare(clientv3.CreateRevision(c.Key), "=", c.CreateRevision)
	}
	then, err := clientOps(txn.Then)
	if err != nil {
		return EtcdTxnResponse{}, err
	}
	els, err := clientOps(txn.Else)
	if err != nil {
		return EtcdTxnResponse{}, err
	}
	r, err := e.c.Txn(ctx).If(cmps...).Then(then...).Else(els...).Commit()
	if err != nil {
		return EtcdTxnResponse{}, leaseErr(err)
	}
	out := EtcdTxnResponse{Revision: r.Header.Revision, Succeeded: r.Succeeded, Responses: make([]EtcdOpResponse, len(r.Responses))}
	for i, op := range r.Responses {
		switch {
		case op.GetResponseRange() != nil:
			out.Responses[i].KVs = kvs(op.GetResponseRange().Kvs)
		case op.GetResponseDeleteRange() != nil:
			out.Responses[i].Deleted = op.GetResponseDeleteRange().Deleted
		}
	}
	return out, nil
}

func (e etcdClient) Get(ctx context.Context, get EtcdGet) (EtcdGetResponse, error) {
	r, err := e.c.Get(ctx, get.Key, getOptions(get)...)
	if err != nil {
		return EtcdGetResponse{}, err
	}
	return EtcdGetResponse{Revision: r.Header.Revision, KVs: kvs(r.Kvs)}, nil
}

// WaitDelete is concurrency's waitDelete: a watch from fromRevision until a
// DELETE event of key.
func (e etcdClient) WaitDelete(ctx context.Context, key string, fromRevision int64) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var last clientv3.WatchResponse
	for wr := range e.c.Watch(wctx, key, clientv3.WithRev(fromRevision)) {
		last = wr
		for _, ev := range wr.Events {
			if ev.Type == mvccpb.DELETE {
				return nil
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := last.Err(); err != nil {
		return fmt.Errorf("etcd: watch of %q from revision %d: %w", key, fromRevision, err)
	}
	return fmt.Errorf("etcd: watch of %q from revision %d ended without a delete", key, fromRevision)
}

func clientOps(ops []EtcdOp) ([]clientv3.Op, error) {
	out := make([]clientv3.Op, len(ops))
	for i, op := range ops {
		switch op.Kind {
		case EtcdPut:
			var opts []clientv3.OpOption
			if op.Lease != 0 {
				opts = append(opts, clientv3.WithLease(clientv3.LeaseID(op.Lease)))
			}
			out[i] = clientv3.OpPut(op.Key, "", opts...)
		case EtcdRange:
			out[i] = clientv3.OpGet(op.Get.Key, getOptions(op.Get)...)
		case EtcdDelete:
			out[i] = clientv3.OpDelete(op.Key)
		default:
			return nil, fmt.Errorf("etcd: txn operation %d has kind %d, want EtcdPut, EtcdRange or EtcdDelete", i, op.Kind)
		}
	}
	return out, nil
}

func getOptions(g EtcdGet) []clientv3.OpOption {
	var opts []clientv3.OpOption
	if g.Prefix {
		opts = append(opts, clientv3.WithPrefix())
	}
	switch g.Sort {
	case EtcdOldestFirst:
		opts = append(opts, clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortAscend))
	case EtcdNewestFirst:
		opts = append(opts, clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortDescend))
	}
	if g.Limit > 0 {
		opts = append(opts, clientv3.WithLimit(g.Limit))
	}
	if g.MaxCreateRevision > 0 {
		opts = append(opts, clientv3.WithMaxCreateRev(g.MaxCreateRevision))
	}
	return opts
}

func kvs(in []*mvccpb.KeyValue) []EtcdKV {
	if len(in) == 0 {
		return nil
	}
	out := make([]EtcdKV, len(in))
	for i, kv := range in {
		out[i] = EtcdKV{Key: string(kv.Key), CreateRevision: kv.CreateRevision}
	}
	return out
}
