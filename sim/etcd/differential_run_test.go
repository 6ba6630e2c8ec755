package etcd

import (
	"testing"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestDifferentialAgainstRealEtcd is the known-good case: the model and a
// real etcd-server answer the same random sequence identically.
func TestDifferentialAgainstRealEtcd(t *testing.T) {
	real := requireRealEtcd(t)
	d := newDiffRun(t, real, 4, nil)
	require.Empty(t, d.run(300))
}

// TestDifferentialCatchesInvertedCreateCompare is the known-bad case: a
// model whose Txn compares on create_revision are inverted (planted by
// rewriting each request the model sees) must be caught.
func TestDifferentialCatchesInvertedCreateCompare(t *testing.T) {
	real := requireRealEtcd(t)
	d := newDiffRun(t, real, 1, func(r *Request) {
		if r.Txn != nil {
			invertCreate(r.Txn)
		}
	})
	require.NotEmpty(t, d.run(300), "a model with inverted create-revision compares went unnoticed")
}

func invertCreate(t *pb.TxnRequest) {
	for _, c := range t.Compare {
		if c.Target == pb.Compare_CREATE {
			c.Result = map[pb.Compare_CompareResult]pb.Compare_CompareResult{
				pb.Compare_EQUAL: pb.Compare_NOT_EQUAL, pb.Compare_NOT_EQUAL: pb.Compare_EQUAL,
				pb.Compare_GREATER: pb.Compare_LESS, pb.Compare_LESS: pb.Compare_GREATER,
			}[c.Result]
		}
	}
	for _, ops := range [][]*pb.RequestOp{t.Success, t.Failure} {
		for _, op := range ops {
			if n := op.GetRequestTxn(); n != nil {
				invertCreate(n)
			}
		}
	}
}
