package etcd

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// TestDifferentialAgainstRealEtcd is the known-good case: the model and a
// real etcd-server answer the same random sequence identically.
//
// LOCKSIM_ETCD_DIFF_SEEDS=first-last explores more seeds than the default
// one (each costs ~20s of real time, mostly lease expiries).
func TestDifferentialAgainstRealEtcd(t *testing.T) {
	real := requireRealEtcd(t)
	first, last := uint64(4), uint64(4)
	if s := os.Getenv("LOCKSIM_ETCD_DIFF_SEEDS"); s != "" {
		_, err := fmt.Sscanf(s, "%d-%d", &first, &last)
		require.NoError(t, err, "LOCKSIM_ETCD_DIFF_SEEDS must be FIRST-LAST")
	}
	for seed := first; seed <= last; seed++ {
		d := newDiffRun(t, real, seed, nil)
		require.Empty(t, d.run(300), "seed %d", seed)
		d.revokeAll() // or they expire, and change revisions, during the next seed
	}
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
