package etcd

import (
	"bytes"
	"slices"

	"go.etcd.io/etcd/api/v3/mvccpb"
)

// record is one version of one key: a put (kv set) or a tombstone. Records
// of a key are kept in revision order, so a read at revision r takes the
// last record whose main revision is <= r, as etcd's keyIndex does.
type record struct {
	main, sub int64
	kv        *mvccpb.KeyValue
	tombstone bool
}

// change is one entry of the store's global log, in (main, sub) order: what
// a watch created at an old revision replays.
type change struct {
	main, sub int64
	kv        *mvccpb.KeyValue
	tombstone bool
}

// store is the MVCC key-value store: a global revision and the full history
// of every key. Nothing is ever compacted (etcd's Compact is not modelled),
// so every revision since 1 stays readable.
type store struct {
	rev int64 // current revision; 1 on a fresh store, as in etcd
	// compactMainRev is etcd's compactMainRev: -1 until a compaction, which
	// the model never does. It still matters: a txn Range with revision < -1
	// is refused as compacted, as etcd's checkRequestRange does.
	compactMainRev int64
	hist           map[string][]record
	keys           []string // every key ever written, sorted
	log            []change
}

func newStore() *store {
	return &store{rev: 1, compactMainRev: -1, hist: map[string][]record{}}
}

// get returns key's value at revision rev, or false if it did not exist.
func (s *store) get(key string, rev int64) (*mvccpb.KeyValue, bool) {
	h := s.hist[key]
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].main <= rev {
			if h[i].tombstone {
				return nil, false
			}
			return cloneKV(h[i].kv), true
		}
	}
	return nil, false
}

// keysIn returns the keys of [key, end) in key order, with etcd's mvcc
// convention: end nil is the single key, end empty (non-nil) is every key
// >= key.
func (s *store) keysIn(key, end []byte) []string {
	if end == nil {
		if _, ok := s.hist[string(key)]; ok {
			return []string{string(key)}
		}
		return nil
	}
	i, _ := slices.BinarySearch(s.keys, string(key))
	var out []string
	for ; i < len(s.keys); i++ {
		if len(end) > 0 && bytes.Compare([]byte(s.keys[i]), end) >= 0 {
			break
		}
		out = append(out, s.keys[i])
	}
	return out
}

// rangeAt returns the live key-values of [key, end) at revision rev, in key
// order.
func (s *store) rangeAt(key, end []byte, rev int64) []*mvccpb.KeyValue {
	var out []*mvccpb.KeyValue
	for _, k := range s.keysIn(key, end) {
		if kv, ok := s.get(k, rev); ok {
			out = append(out, kv)
		}
	}
	return out
}

func (s *store) append(key string, r record) {
	if _, ok := s.hist[key]; !ok {
		i, _ := slices.BinarySearch(s.keys, key)
		s.keys = slices.Insert(s.keys, i, key)
	}
	s.hist[key] = append(s.hist[key], r)
	s.log = append(s.log, change{main: r.main, sub: r.sub, kv: cloneKV(r.kv), tombstone: r.tombstone})
}

func cloneKV(kv *mvccpb.KeyValue) *mvccpb.KeyValue {
	out := &mvccpb.KeyValue{
		CreateRevision: kv.CreateRevision,
		ModRevision:    kv.ModRevision,
		Version:        kv.Version,
		Lease:          kv.Lease,
	}
	if kv.Key != nil {
		out.Key = bytes.Clone(kv.Key)
	}
	if kv.Value != nil {
		out.Value = bytes.Clone(kv.Value)
	}
	return out
}
