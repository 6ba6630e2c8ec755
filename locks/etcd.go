package locks

import (
	"context"
	"errors"
)

// Etcd is the part of etcd v3's API that the etcd locks use, and nothing
// more: leases (grant, one keep-alive, revoke), a transaction whose
// compares test create revisions and whose operations put with a lease,
// range and delete, a range on its own, and a watch that waits for the
// deletion of one key. It is to the etcd locks what Conn is to the Redis
// locks: EtcdClient implements it over the real go.etcd.io/etcd/client/v3
// client, and the simulator implements it over its etcd model, without
// gRPC. Its types are this package's own, not clientv3's, so that an
// implementation needs no etcd import.
//
// Revisions are etcd's: the store has one revision, incremented by every
// transaction that writes; a key's create revision is the revision of the
// write that created it (since it last did not exist), and 0 means the key
// does not exist.
//
// Errors. An implementation returns ctx.Err() (or an error wrapping it)
// when ctx is done first, ErrEtcdLeaseNotFound when the server answered that
// the lease does not exist (it expired or was revoked: a determinate
// answer), and any other error for a failure of the call. After any error
// but ErrEtcdLeaseNotFound the call is indeterminate: a Txn or Revoke that
// timed out may have been applied, a Grant may have created a lease the
// caller never learns of (it expires after its TTL), a KeepAliveOnce may
// have renewed the lease. Callers must not assume either outcome.
//
// An Etcd must be safe for concurrent use: a lock's keep-alive loop calls
// it while Lock waits on it.
type Etcd interface {
	// Grant creates a lease of ttl seconds (ttl >= 1) and returns its ID and
	// the TTL the server granted, in seconds, which may be longer than
	// asked (etcd raises a TTL below its minimum, about 1.5 times the
	// election timeout, e.g. 1 to 2 with the default settings).
	Grant(ctx context.Context, ttl int64) (EtcdLease, error)
	// KeepAliveOnce renews lease id once, as one LeaseKeepAlive request
	// and response, and returns the TTL it was renewed to, in seconds
	// (counted from when the server handled the request). A lease that has
	// expired or was revoked gives ErrEtcdLeaseNotFound.
	KeepAliveOnce(ctx context.Context, id EtcdLeaseID) (ttl int64, err error)
	// Revoke deletes lease id and every key attached to it, in one
	// revision. A lease that does not exist gives ErrEtcdLeaseNotFound.
	Revoke(ctx context.Context, id EtcdLeaseID) error
	// Txn runs txn atomically: if every compare of txn.If holds, the
	// operations of txn.Then, else those of txn.Else, in order, each
	// seeing the writes of those before it. The response says which branch
	// ran and holds one EtcdOpResponse per operation of that branch. A put
	// with a lease that does not exist fails the whole Txn with
	// ErrEtcdLeaseNotFound (nothing is applied).
	Txn(ctx context.Context, txn EtcdTxn) (EtcdTxnResponse, error)
	// Get is a range outside a transaction (etcd's Range, serializable=false:
	// linearizable).
	Get(ctx context.Context, get EtcdGet) (EtcdGetResponse, error)
	// WaitDelete watches key from revision fromRevision (inclusive) and
	// returns nil at the first DELETE event of key it sees, including one
	// that happened between fromRevision and the call: events are replayed
	// from the store's history, as etcd's watch with WithRev does. It
	// returns ctx's error when ctx is done first, and another error when
	// the watch ends without a delete (e.g. fromRevision was compacted, or
	// the connection was lost), in which case the caller knows nothing.
	WaitDelete(ctx context.Context, key string, fromRevision int64) error
}

// EtcdLeaseID is an etcd lease ID; 0 means no lease.
type EtcdLeaseID int64

// EtcdLease is a granted lease: its ID and the TTL the server granted, in
// seconds.
type EtcdLease struct {
	ID  EtcdLeaseID
	TTL int64
}

// EtcdCmp is the only compare the locks need: it holds when Key's create
// revision equals CreateRevision (0: Key does not exist).
type EtcdCmp struct {
	Key            string
	CreateRevision int64
}

// EtcdOpKind says what an EtcdOp does.
type EtcdOpKind int

// The operations of a transaction.
const (
	// EtcdPut puts Key with an empty value, attached to Lease (0: none).
	EtcdPut EtcdOpKind = iota + 1
	// EtcdRange is the range Get.
	EtcdRange
	// EtcdDelete deletes Key (one key, no range).
	EtcdDelete
)

// EtcdOp is one operation of a transaction; build it with EtcdOpPut,
// EtcdOpGet or EtcdOpDelete.
type EtcdOp struct {
	Kind EtcdOpKind
	// Key is the key of a put or delete.
	Key string
	// Lease is the lease a put attaches Key to.
	Lease EtcdLeaseID
	// Get is the range of an EtcdRange.
	Get EtcdGet
}

// EtcdOpPut puts key with an empty value, attached to lease.
func EtcdOpPut(key string, lease EtcdLeaseID) EtcdOp {
	return EtcdOp{Kind: EtcdPut, Key: key, Lease: lease}
}

// EtcdOpGet is the range get inside a transaction.
func EtcdOpGet(get EtcdGet) EtcdOp { return EtcdOp{Kind: EtcdRange, Get: get} }

// EtcdOpDelete deletes key.
func EtcdOpDelete(key string) EtcdOp { return EtcdOp{Kind: EtcdDelete, Key: key} }

// EtcdSort orders the keys of a range by create revision.
type EtcdSort int

// Orders of a range.
const (
	// EtcdByKey is etcd's default order: by key, ascending.
	EtcdByKey EtcdSort = iota
	// EtcdOldestFirst sorts by create revision, ascending (clientv3's
	// WithFirstCreate with Limit 1).
	EtcdOldestFirst
	// EtcdNewestFirst sorts by create revision, descending (clientv3's
	// WithLastCreate with Limit 1).
	EtcdNewestFirst
)

// EtcdGet is a range: the key Key, or with Prefix every key that starts
// with Key; only those whose create revision is at most MaxCreateRevision
// when it is positive; sorted by Sort; at most Limit of them when Limit is
// positive.
type EtcdGet struct {
	Key               string
	Prefix            bool
	Sort              EtcdSort
	Limit             int64
	MaxCreateRevision int64
}

// EtcdKV is a key of a range's result, with what the locks read of it.
type EtcdKV struct {
	Key            string
	CreateRevision int64
}

// EtcdTxn is a transaction: If every compare holds, Then, else Else.
type EtcdTxn struct {
	If         []EtcdCmp
	Then, Else []EtcdOp
}

// EtcdTxnResponse is the answer to a Txn: the store's revision after it
// (the header revision: the revision of its writes when it wrote), which
// branch ran, and one response per operation of that branch.
type EtcdTxnResponse struct {
	Revision  int64
	Succeeded bool
	Responses []EtcdOpResponse
}

// EtcdOpResponse is the answer to one operation: the keys of a range, the
// number of keys a delete deleted (0 or 1); nothing for a put.
type EtcdOpResponse struct {
	KVs     []EtcdKV
	Deleted int64
}

// EtcdGetResponse is the answer to a Get: the store's revision at which it
// was read, and the keys.
type EtcdGetResponse struct {
	Revision int64
	KVs      []EtcdKV
}

// ErrEtcdLeaseNotFound is etcd's "requested lease not found": the lease
// expired or was revoked. An Etcd returns it (or an error wrapping it) for
// that answer of the server, and for a keep-alive answered with TTL 0.
var ErrEtcdLeaseNotFound = errors.New("locks: etcd: requested lease not found")
