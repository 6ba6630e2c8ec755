package etcd

import (
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
)

// The request checks of etcd's gRPC layer (v3rpc/key.go), done before a
// request reaches the store: same order, same errors.

func checkPut(r *pb.PutRequest) error {
	switch {
	case len(r.Key) == 0:
		return errEmptyKey
	case r.IgnoreValue && len(r.Value) != 0:
		return errValueProvided
	case r.IgnoreLease && r.Lease != 0:
		return errLeaseProvided
	}
	return nil
}

func checkTxn(r *pb.TxnRequest, maxTxnOps int) error {
	opc := max(len(r.Compare), len(r.Success), len(r.Failure))
	if opc > maxTxnOps {
		return errTooManyOps
	}
	for _, c := range r.Compare {
		if len(c.Key) == 0 {
			return errEmptyKey
		}
	}
	for _, ops := range [][]*pb.RequestOp{r.Success, r.Failure} {
		for _, u := range ops {
			if err := checkRequestOp(u, maxTxnOps-opc); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkRequestOp(u *pb.RequestOp, maxTxnOps int) error {
	switch uv := u.GetRequest().(type) {
	case *pb.RequestOp_RequestRange:
		if len(uv.RequestRange.GetKey()) == 0 {
			return errEmptyKey
		}
		return nil
	case *pb.RequestOp_RequestPut:
		return checkPut(uv.RequestPut)
	case *pb.RequestOp_RequestDeleteRange:
		if len(uv.RequestDeleteRange.GetKey()) == 0 {
			return errEmptyKey
		}
		return nil
	case *pb.RequestOp_RequestTxn:
		return checkTxn(uv.RequestTxn, maxTxnOps)
	default:
		return errKeyNotFound // an empty op, as etcd answers it
	}
}

// interval is a delete's key interval in etcd's "affine" string order,
// where an empty end is +infinity: [begin, end). A point k is [k, k+"\x00").
type interval struct{ begin, end string }

func affineLess(a, b string) bool {
	switch {
	case b == "":
		return a != ""
	case a == "":
		return false
	default:
		return a < b
	}
}

func (iv interval) containsPoint(k string) bool {
	return !affineLess(k, iv.begin) && affineLess(k, iv.end)
}

// checkIntervals is v3rpc's checkIntervals: within one branch (and the
// branches nested in it) no key may be put twice, and no put may fall in a
// deleted range; a nested txn's then and else branches may put the same key
// because only one of them runs. A delete's range_end "\x00" is taken
// literally as the interval end, as etcd does, so such a delete covers
// nothing here.
func checkIntervals(reqs []*pb.RequestOp) (map[string]bool, []interval, error) {
	var dels []interval
	for _, req := range reqs {
		d := req.GetRequestDeleteRange()
		if d == nil {
			continue
		}
		if len(d.RangeEnd) != 0 {
			dels = append(dels, interval{string(d.Key), string(d.RangeEnd)})
		} else {
			dels = append(dels, interval{string(d.Key), string(d.Key) + "\x00"})
		}
	}
	inDels := func(k string) bool {
		for _, iv := range dels {
			if iv.containsPoint(k) {
				return true
			}
		}
		return false
	}
	puts := map[string]bool{}
	for _, req := range reqs {
		t := req.GetRequestTxn()
		if t == nil {
			continue
		}
		putsThen, delsThen, err := checkIntervals(t.Success)
		if err != nil {
			return nil, nil, err
		}
		putsElse, delsElse, err := checkIntervals(t.Failure)
		if err != nil {
			return nil, nil, err
		}
		for _, k := range sortedKeys(putsThen) {
			if puts[k] || inDels(k) {
				return nil, nil, errDuplicateKey
			}
			puts[k] = true
		}
		for _, k := range sortedKeys(putsElse) {
			if puts[k] && !putsThen[k] {
				return nil, nil, errDuplicateKey
			}
			if inDels(k) {
				return nil, nil, errDuplicateKey
			}
			puts[k] = true
		}
		dels = append(dels, delsThen...)
		dels = append(dels, delsElse...)
	}
	for _, req := range reqs {
		p := req.GetRequestPut()
		if p == nil {
			continue
		}
		k := string(p.Key)
		if puts[k] || inDels(k) {
			return nil, nil, errDuplicateKey
		}
		puts[k] = true
	}
	return puts, dels, nil
}
