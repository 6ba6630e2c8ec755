package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/locksim/locksim/locks"
)

// dialEtcd returns a clientv3 client on endpoints, once one linearizable
// Get has answered within 2s; otherwise a *ServerError.
func dialEtcd(ctx context.Context, endpoints []string) (*clientv3.Client, error) {
	addr := strings.Join(endpoints, ",")
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return nil, &ServerError{Kind: "etcd", Addr: addr, Err: err}
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	_, err = cli.Get(pctx, "locksim:bench:ping")
	cancel()
	if err != nil {
		_ = cli.Close()
		return nil, &ServerError{Kind: "etcd", Addr: addr, Err: err}
	}
	return cli, nil
}

// newEtcdRowRun deletes the keys under prefix and builds one etcd lock per
// client, each with its own session, on the one shared client (a gRPC
// connection, as go-redis's pool is one per server).
func newEtcdRowRun(ctx context.Context, cfg Config, s rowSpec, prefix string, cli *clientv3.Client) (*rowRun, error) {
	if err := etcdCleanup(ctx, cli, prefix, nil); err != nil {
		return nil, err
	}
	env := locks.Env{Runtime: locks.Real(), Etcd: locks.EtcdClient(cli)}
	lockers := make([]locks.Locker, cfg.Clients)
	for i := range lockers {
		k := prefix + fmt.Sprint(i)
		if cfg.Contended {
			k = prefix + "shared"
		}
		l, err := locks.New(s.lock, env, locks.Options{Key: k, TTL: cfg.TTL})
		if err != nil {
			return nil, fmt.Errorf("bench: building %s: %w", s.lock, err)
		}
		lockers[i] = l
	}
	return &rowRun{lockers: lockers, etcd: cli, prefix: prefix, hist: newHistogram()}, nil
}

// etcdCleanup ends the sessions of lockers (stopping their keep-alive
// loops and revoking their leases) and deletes every key under prefix.
func etcdCleanup(ctx context.Context, cli *clientv3.Client, prefix string, lockers []locks.Locker) error {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var first error
	for _, l := range lockers {
		if el, ok := l.(*locks.EtcdLock); ok {
			if err := el.Close(dctx); err != nil && first == nil {
				first = err
			}
		}
	}
	if _, err := cli.Delete(dctx, prefix, clientv3.WithPrefix()); err != nil && first == nil {
		first = err
	}
	if first != nil {
		return fmt.Errorf("bench: deleting the keys of an etcd row: %w", first)
	}
	return nil
}
