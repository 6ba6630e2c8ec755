package etcd

import (
	"errors"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// The errors a reply can carry are etcd's own gRPC status errors
// (rpctypes.ErrGRPC*): the code and message a real etcd-server sends for the
// same request, so a client sees no difference.
var (
	errEmptyKey       = rpctypes.ErrGRPCEmptyKey
	errKeyNotFound    = rpctypes.ErrGRPCKeyNotFound
	errValueProvided  = rpctypes.ErrGRPCValueProvided
	errLeaseProvided  = rpctypes.ErrGRPCLeaseProvided
	errTooManyOps     = rpctypes.ErrGRPCTooManyOps
	errDuplicateKey   = rpctypes.ErrGRPCDuplicateKey
	errCompacted      = rpctypes.ErrGRPCCompacted
	errFutureRev      = rpctypes.ErrGRPCFutureRev
	errLeaseNotFound  = rpctypes.ErrGRPCLeaseNotFound
	errLeaseExist     = rpctypes.ErrGRPCLeaseExist
	errLeaseTTLTooBig = rpctypes.ErrGRPCLeaseTTLTooLarge
)

// Errors of using the model itself (not replies): the glue got the protocol
// wrong.
var (
	// ErrStopped is returned by Handle on a member that is not running
	// (never started, or crashed and not restarted).
	ErrStopped = errors.New("etcd member is not running")
	// ErrTimeBackwards is returned when a call's monotonic reading is before
	// the previous call's.
	ErrTimeBackwards = errors.New("etcd member: monotonic time went backwards")
	// ErrBadRequest is returned for a Request with no operation, or more
	// than one.
	ErrBadRequest = errors.New("etcd member: request must set exactly one operation")
)

// The watch errors of etcd 3.4's mvcc package, sent as a canceled create
// response's cancel_reason.
const (
	reasonEmptyRange  = "mvcc: watcher range is empty"
	reasonDuplicateID = "mvcc: duplicate watch ID provided on the WatchStream"
)
