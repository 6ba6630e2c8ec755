package etcd

import (
	"fmt"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// The random request generator of the differential test: a few keys under
// one prefix, so that ops collide; revisions, versions and leases drawn
// near the live values, so that compares go both ways.

var diffValues = []string{"", "v1", "v2", "v3", "x"}

func (d *diffRun) key() []byte {
	return []byte(d.prefix + string(rune('a'+d.rng.IntN(5))))
}

func (d *diffRun) keyRange() ([]byte, []byte) {
	switch n := d.rng.IntN(20); {
	case n < 10:
		return d.key(), nil
	case n < 15:
		a, b := d.key(), d.key()
		return a, b // may be empty or inverted: etcd answers that too
	case n < 19 || !d.fresh:
		p := []byte(d.prefix)
		end := append([]byte{}, p...)
		end[len(end)-1]++
		return p, end
	default:
		return d.key(), []byte{0} // every key >= key: only on a fresh server
	}
}

func (d *diffRun) value() []byte { return []byte(diffValues[d.rng.IntN(len(diffValues))]) }

func (d *diffRun) rev() int64 { return d.m.store.rev }

func (d *diffRun) liveLeases() []int64 { return sortedKeys(d.m.lessor.leases) }

func (d *diffRun) shortLeaseAlive() bool {
	for _, l := range d.m.lessor.leases {
		if l.ttl <= 3 {
			return true
		}
	}
	return false
}

// leaseID: a live lease, a lease that does not exist, or none.
func (d *diffRun) leaseID() int64 {
	live := d.liveLeases()
	switch n := d.rng.IntN(10); {
	case n < 5 && len(live) > 0:
		return live[d.rng.IntN(len(live))]
	case n < 6:
		return d.leaseBase + 999999
	default:
		return 0
	}
}

func (d *diffRun) rangeReq() *pb.RangeRequest {
	k, e := d.keyRange()
	r := &pb.RangeRequest{Key: k, RangeEnd: e}
	if d.rng.IntN(3) == 0 {
		r.Limit = int64(d.rng.IntN(4))
	}
	if d.rng.IntN(3) == 0 {
		r.SortOrder = pb.RangeRequest_SortOrder(d.rng.IntN(3))
		r.SortTarget = pb.RangeRequest_SortTarget(d.rng.IntN(5))
	}
	r.KeysOnly = d.rng.IntN(6) == 0
	r.CountOnly = d.rng.IntN(8) == 0
	switch n := d.rng.IntN(10); {
	case n < 2:
		r.Revision = 1 + d.rng.Int64N(d.rev())
	case n < 3:
		r.Revision = d.rev() + 1 + d.rng.Int64N(2)
	case n < 4:
		r.Revision = -d.rng.Int64N(3)
	}
	if d.rng.IntN(10) == 0 {
		r.MinModRevision = d.rng.Int64N(d.rev() + 1)
	}
	if d.rng.IntN(10) == 0 {
		r.MaxCreateRevision = d.rng.Int64N(d.rev() + 1)
	}
	return r
}

func (d *diffRun) putReq() *pb.PutRequest {
	r := &pb.PutRequest{Key: d.key(), Value: d.value(), Lease: d.leaseID(), PrevKv: d.rng.IntN(2) == 0}
	switch d.rng.IntN(12) {
	case 0:
		r.IgnoreValue, r.Value = true, nil
	case 1:
		r.IgnoreLease, r.Lease = true, 0
	case 2:
		r.IgnoreValue = true // with a value: refused
	}
	return r
}

func (d *diffRun) deleteReq() *pb.DeleteRangeRequest {
	k, e := d.keyRange()
	return &pb.DeleteRangeRequest{Key: k, RangeEnd: e, PrevKv: d.rng.IntN(2) == 0}
}

func (d *diffRun) compare() *pb.Compare {
	c := &pb.Compare{Key: d.key(), Result: pb.Compare_CompareResult(d.rng.IntN(4)), Target: pb.Compare_CompareTarget(d.rng.IntN(5))}
	if d.rng.IntN(5) == 0 {
		c.Key, c.RangeEnd = d.keyRange()
	}
	switch c.Target {
	case pb.Compare_VERSION:
		c.TargetUnion = &pb.Compare_Version{Version: d.rng.Int64N(4)}
	case pb.Compare_CREATE:
		c.TargetUnion = &pb.Compare_CreateRevision{CreateRevision: d.rng.Int64N(d.rev() + 2)}
	case pb.Compare_MOD:
		c.TargetUnion = &pb.Compare_ModRevision{ModRevision: d.rng.Int64N(d.rev() + 2)}
	case pb.Compare_VALUE:
		c.TargetUnion = &pb.Compare_Value{Value: d.value()}
	case pb.Compare_LEASE:
		c.TargetUnion = &pb.Compare_Lease{Lease: d.leaseID()}
	}
	return c
}

func (d *diffRun) txnOps(depth int) []*pb.RequestOp {
	var out []*pb.RequestOp
	for range d.rng.IntN(4) {
		switch n := d.rng.IntN(10); {
		case n < 3:
			out = append(out, &pb.RequestOp{Request: &pb.RequestOp_RequestRange{RequestRange: d.rangeReq()}})
		case n < 6:
			out = append(out, &pb.RequestOp{Request: &pb.RequestOp_RequestPut{RequestPut: d.putReq()}})
		case n < 8:
			out = append(out, &pb.RequestOp{Request: &pb.RequestOp_RequestDeleteRange{RequestDeleteRange: d.deleteReq()}})
		case depth < 2:
			out = append(out, &pb.RequestOp{Request: &pb.RequestOp_RequestTxn{RequestTxn: d.txnReq(depth + 1)}})
		}
	}
	return out
}

func (d *diffRun) txnReq(depth int) *pb.TxnRequest {
	r := &pb.TxnRequest{}
	for range d.rng.IntN(3) {
		r.Compare = append(r.Compare, d.compare())
	}
	r.Success, r.Failure = d.txnOps(depth), d.txnOps(depth)
	return r
}

func (d *diffRun) grantReq() *pb.LeaseGrantRequest {
	d.nextLease++
	r := &pb.LeaseGrantRequest{ID: d.leaseBase + d.nextLease, TTL: []int64{30, 60, 45, 9000000001}[d.rng.IntN(4)]}
	if live := d.liveLeases(); len(live) > 0 && d.rng.IntN(8) == 0 {
		r.ID = live[d.rng.IntN(len(live))] // exists already
	}
	if !d.shortLeaseAlive() && d.rng.IntN(3) == 0 {
		r.TTL = []int64{-1, 0, 1, 2, 3}[d.rng.IntN(5)]
	}
	return r
}

// next draws one request.
func (d *diffRun) next() Request {
	switch n := d.rng.IntN(100); {
	case n < 3 && d.shortLeaseAlive():
		d.waitForShortLease()
		return Request{Range: d.rangeReq()}
	case n < 20:
		return Request{Range: d.rangeReq()}
	case n < 38:
		return Request{Put: d.putReq()}
	case n < 46:
		return Request{DeleteRange: d.deleteReq()}
	case n < 68:
		return Request{Txn: d.txnReq(0)}
	case n < 74:
		return Request{LeaseGrant: d.grantReq()}
	case n < 78:
		return Request{LeaseRevoke: &pb.LeaseRevokeRequest{ID: d.leaseID()}}
	case n < 84:
		return Request{LeaseKeepAlive: &pb.LeaseKeepAliveRequest{ID: d.leaseID()}}
	case n < 89:
		return Request{LeaseTimeToLive: &pb.LeaseTimeToLiveRequest{ID: d.leaseID(), Keys: d.rng.IntN(2) == 0}}
	case n < 97:
		k, e := d.keyRange()
		c := &pb.WatchCreateRequest{Key: k, RangeEnd: e, PrevKv: d.rng.IntN(2) == 0}
		switch d.rng.IntN(3) {
		case 0:
			c.StartRevision = 1 + d.rng.Int64N(d.rev())
		case 1:
			c.StartRevision = d.rev() + 1 + d.rng.Int64N(2)
		}
		if d.rng.IntN(8) == 0 {
			c.Filters = []pb.WatchCreateRequest_FilterType{pb.WatchCreateRequest_FilterType(d.rng.IntN(2))}
		}
		return Request{Watch: &pb.WatchRequest{RequestUnion: &pb.WatchRequest_CreateRequest{CreateRequest: c}}}
	default:
		return Request{Watch: &pb.WatchRequest{RequestUnion: &pb.WatchRequest_CancelRequest{
			CancelRequest: &pb.WatchCancelRequest{WatchId: d.rng.Int64N(6)}}}}
	}
}

// waitForShortLease sleeps until the short lease has expired and been
// revoked on both sides: then the next requests see it gone.
func (d *diffRun) waitForShortLease() {
	for _, l := range d.m.lessor.leases {
		if l.ttl <= 3 && !l.forever {
			if until := l.expiry + d.window; until > d.mnow() {
				time.Sleep(until - d.mnow())
			}
		}
	}
	d.avoidExpiryWindows()
}

// run draws and compares n requests, comparing watches every 50 and at the
// end; it returns the first difference.
func (d *diffRun) run(n int) string {
	for i := range n {
		r := d.next()
		if diff := d.do(r); diff != "" {
			return fmt.Sprintf("op %d: %s", i, diff)
		}
		if (i+1)%50 == 0 || i == n-1 {
			if diff := d.compareWatches(); diff != "" {
				return fmt.Sprintf("after op %d: %s", i, diff)
			}
		}
	}
	return ""
}
