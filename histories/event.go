package histories

import "time"

// Type says what step of an operation an Event records.
type Type string

// The types of an Event. Invoke, OK, Fail and Info are Jepsen's: every client
// operation is an Invoke followed by at most one completion. Observed marks a
// point event that no client saw: a fault, a key expiry on a Redis node, a
// client crash, or an access as the storage node executed it.
const (
	// Invoke: a client started an operation.
	Invoke Type = "invoke"
	// OK: the operation completed and took effect.
	OK Type = "ok"
	// Fail: the operation completed and definitely did not take effect.
	Fail Type = "fail"
	// Info: the operation is indeterminate (a timeout): it may or may not
	// have taken effect, at any time after its invocation.
	Info Type = "info"
	// Observed: a point event recorded by the simulator or the storage
	// node, not by a client; it has no completion.
	Observed Type = "observed"
)

// Op names an operation or an observed event.
type Op string

// Client operations (types Invoke, OK, Fail, Info).
const (
	// OpAcquire takes the lock Key; completes with Value, Token, ValidUntil.
	OpAcquire Op = "acquire"
	// OpRelease releases the lock Key held with Value.
	OpRelease Op = "release"
	// OpExtend extends the lock Key held with Value; completes with a new
	// ValidUntil.
	OpExtend Op = "extend"
	// OpRead reads the protected resource Key: Counter (counter workload)
	// or Balances (ledger workload) on completion.
	OpRead Op = "read"
	// OpWrite writes Counter to the protected counter Key.
	OpWrite Op = "write"
	// OpTransfer writes a ledger transfer of Amount From one account To
	// another; Balances holds the new balances the client writes for From
	// and To (computed from its read).
	OpTransfer Op = "transfer"
)

// Observed events (type Observed).
const (
	// OpFaultStart: fault FaultID of kind Fault begins on Target.
	OpFaultStart Op = "fault-start"
	// OpFaultEnd: fault FaultID heals. An instantaneous fault (a clock
	// jump) records its start and end at the same time.
	OpFaultEnd Op = "fault-end"
	// OpExpire: the lock Key holding Value expired on Redis node Node
	// because its TTL elapsed on that node's clock: a legal lease end.
	OpExpire Op = "expire"
	// OpVanish: the lock Key holding Value disappeared from Redis node Node
	// for any other reason (a restart without persistence): not a legal
	// lease end.
	OpVanish Op = "vanish"
	// OpCrash: client Process on Node crashed. None of its pending
	// operations completes; they are indeterminate.
	OpCrash Op = "crash"
	// OpStorageRead: the storage node Node executed a read of resource Key
	// for client Process (critical section CS, token Token, client
	// operation OpID) with Outcome; Counter or Balances is what it returned.
	OpStorageRead Op = "storage-read"
	// OpStorageWrite: the storage executed a counter write of Counter.
	OpStorageWrite Op = "storage-write"
	// OpStorageTransfer: the storage executed a ledger transfer (From, To,
	// Amount, new Balances).
	OpStorageTransfer Op = "storage-transfer"
	// OpStorageState: a snapshot of resource Key at the storage (Counter
	// or Balances), recorded at least when the resource is created and
	// when the run ends.
	OpStorageState Op = "storage-state"
)

// Outcome is the storage's decision on an access.
type Outcome string

// Outcomes. An access rejected by fencing (a token below the highest seen)
// did not happen.
const (
	Accepted Outcome = "accepted"
	Rejected Outcome = "rejected"
)

// Event is one line of a history.
//
// Times are true virtual time, a time.Duration since the simulation epoch,
// encoded in JSON as integer nanoseconds. Local clock readings (LocalTime,
// ValidUntil) are durations since the same epoch on the client node's own
// wall clock, which may drift and jump; they are comparable only with each
// other.
//
// A field is meaningful only for the ops whose doc names it; the rest stay
// zero and are omitted from JSON.
type Event struct {
	// Time is the true virtual time of the event.
	Time time.Duration `json:"time"`
	// Type is invoke, ok, fail, info or observed.
	Type Type `json:"type"`
	// Op is the operation or observed event.
	Op Op `json:"op"`
	// OpID links a completion to its invoke; unique per invoke, > 0. On a
	// storage access it names the client operation the storage executed
	// (0 if unknown).
	OpID int `json:"op_id,omitempty"`
	// Process is the client id: the client that ran the operation, that
	// sent the storage access, or that crashed.
	Process int `json:"process"`
	// Node is the node the client runs on, the Redis node of an expiry, or
	// the storage node of a storage event.
	Node string `json:"node,omitempty"`
	// Key is the lock key (lock operations, expiries) or the resource key
	// (resource operations, storage events).
	Key string `json:"key,omitempty"`
	// Value is the lock value identifying its owner (acquire completions,
	// release, extend, expire, vanish).
	Value string `json:"value,omitempty"`
	// Token is the fencing token: returned by acquire, sent with resource
	// accesses; 0 means none.
	Token int64 `json:"token,omitempty"`
	// CS is the critical section: the OpID of the acquire that a resource
	// access, extend or release belongs to; 0 means none.
	CS int `json:"cs,omitempty"`
	// LocalTime is the client's local wall clock when the event was
	// recorded (optional).
	LocalTime time.Duration `json:"local_time,omitempty"`
	// ValidUntil is the local wall-clock time until which the client
	// believes it holds the lock (acquire and extend completions).
	ValidUntil time.Duration `json:"valid_until,omitempty"`
	// ValidUntilTrue is ValidUntil translated to true time, when the
	// recorder knows it.
	ValidUntilTrue time.Duration `json:"valid_until_true,omitempty"`
	// Counter is the counter value read (read completion, storage-read),
	// written (write invoke, storage-write), or held (storage-state).
	Counter *int64 `json:"counter,omitempty"`
	// From and To are the ledger accounts of a transfer.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Amount is the amount moved by a transfer.
	Amount int64 `json:"amount,omitempty"`
	// Balances are the ledger balances read (read completion,
	// storage-read), written by a transfer (the new balances of From and
	// To), or held (storage-state).
	Balances map[string]int64 `json:"balances,omitempty"`
	// Outcome is the storage's decision: required on storage-read,
	// storage-write and storage-transfer; optional on a client completion
	// (rejected: the storage refused the access).
	Outcome Outcome `json:"outcome,omitempty"`
	// FaultID pairs fault-start with fault-end.
	FaultID int `json:"fault_id,omitempty"`
	// Fault is the fault kind (crash, partition, pause, clock-jump, ...).
	Fault string `json:"fault,omitempty"`
	// Target is what the fault affects (a node, a link "a->b").
	Target string `json:"target,omitempty"`
	// Detail describes the fault's parameters for a person.
	Detail string `json:"detail,omitempty"`
	// Error says why an operation failed or is indeterminate.
	Error string `json:"error,omitempty"`
}

// Int64 returns a pointer to v, for Event.Counter.
func Int64(v int64) *int64 { return &v }

// IsClient reports whether e is a step of a client operation.
func (e Event) IsClient() bool { return e.Type != Observed }

// IsCompletion reports whether e completes a client operation.
func (e Event) IsCompletion() bool { return e.Type == OK || e.Type == Fail || e.Type == Info }

// IsStorageAccess reports whether e is a resource access executed by the
// storage node.
func (e Event) IsStorageAccess() bool {
	return e.Type == Observed && (e.Op == OpStorageRead || e.Op == OpStorageWrite || e.Op == OpStorageTransfer)
}

// IsResourceOp reports whether e's Op is a client access to the protected
// resource.
func (e Event) IsResourceOp() bool {
	return e.Op == OpRead || e.Op == OpWrite || e.Op == OpTransfer
}

// IsLockOp reports whether e's Op is a client operation on the lock.
func (e Event) IsLockOp() bool {
	return e.Op == OpAcquire || e.Op == OpRelease || e.Op == OpExtend
}
