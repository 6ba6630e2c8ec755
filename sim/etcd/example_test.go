package etcd_test

import (
	"fmt"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"

	"github.com/locksim/locksim/sim/etcd"
)

// A lock-style acquire: put a key under a lease only if it does not exist,
// then let the lease expire.
func Example() {
	m, err := etcd.NewMember(etcd.Config{MemberID: 1, ClusterID: 1})
	if err != nil {
		panic(err)
	}
	m.Start(0)
	now := 100 * time.Millisecond // elected after one heartbeat
	do := func(r etcd.Request) etcd.Reply {
		if err := m.Handle(now, r); err != nil {
			panic(err)
		}
		return m.Ready().Replies[0]
	}
	grant := do(etcd.Request{ID: 1, LeaseGrant: &pb.LeaseGrantRequest{ID: 7, TTL: 1}})
	fmt.Println("granted TTL:", grant.Resp.(*pb.LeaseGrantResponse).TTL)

	acquire := &pb.TxnRequest{
		Compare: []*pb.Compare{{Key: []byte("lock"), Target: pb.Compare_CREATE, Result: pb.Compare_EQUAL,
			TargetUnion: &pb.Compare_CreateRevision{CreateRevision: 0}}},
		Success: []*pb.RequestOp{{Request: &pb.RequestOp_RequestPut{RequestPut: &pb.PutRequest{Key: []byte("lock"), Value: []byte("me"), Lease: 7}}}},
	}
	txn := do(etcd.Request{ID: 2, Txn: acquire}).Resp.(*pb.TxnResponse)
	fmt.Println("acquired:", txn.Succeeded, "at revision", txn.Header.Revision)

	now = 2600 * time.Millisecond // past 100ms + 2s, at the lessor's 500ms check
	get := do(etcd.Request{ID: 3, Range: &pb.RangeRequest{Key: []byte("lock")}}).Resp.(*pb.RangeResponse)
	fmt.Println("keys after expiry:", len(get.Kvs), "revision", get.Header.Revision)
	// Output:
	// granted TTL: 2
	// acquired: true at revision 2
	// keys after expiry: 0 revision 3
}
