package histories

import (
	"errors"
	"fmt"
)

// PositionError locates a problem in a history: "file:line: what is wrong"
// when File is set, otherwise "event N: what is wrong".
type PositionError struct {
	File string
	// What is "line" or "event" when File is empty.
	What string
	N    int
	Err  error
}

func (e *PositionError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.N, e.Err)
	}
	return fmt.Sprintf("%s %d: %v", e.What, e.N, e.Err)
}

func (e *PositionError) Unwrap() error { return e.Err }

// ErrInvalid is wrapped by every validation error, so callers can tell bad
// input from I/O failures with errors.Is.
var ErrInvalid = errors.New("invalid input")

// invalidError is a validation problem; its message is only what is wrong.
type invalidError struct{ err error }

func (e invalidError) Error() string        { return e.err.Error() }
func (e invalidError) Unwrap() error        { return e.err }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

// invalid formats a validation problem (%w is allowed) that wraps ErrInvalid.
func invalid(format string, args ...any) error {
	return invalidError{fmt.Errorf(format, args...)}
}

// validator checks events one at a time, in order.
type validator struct {
	n       int
	last    Event
	pending map[int]Event // open invokes by OpID
	used    map[int]bool  // OpIDs ever invoked
	crashed map[int]int   // OpID of an op pending at its client's crash -> process
	faults  map[int]bool  // open FaultIDs
	closed  map[int]bool  // FaultIDs that ended
}

func newValidator() *validator {
	return &validator{
		pending: make(map[int]Event),
		used:    make(map[int]bool),
		crashed: make(map[int]int),
		faults:  make(map[int]bool),
		closed:  make(map[int]bool),
	}
}

func (v *validator) add(e Event) error {
	if e.Time < 0 {
		return invalid("negative time %d", int64(e.Time))
	}
	if v.n > 0 && e.Time < v.last.Time {
		return invalid("time goes backwards: %v after %v", e.Time, v.last.Time)
	}
	if err := v.check(e); err != nil {
		return err
	}
	v.n++
	v.last = e
	return nil
}

func (v *validator) check(e Event) error {
	switch e.Type {
	case Invoke, OK, Fail, Info:
		return v.client(e)
	case Observed:
		return v.observed(e)
	case "":
		return invalid("missing field \"type\"")
	default:
		return invalid("unknown type %q", e.Type)
	}
}

func (v *validator) client(e Event) error {
	if !e.IsLockOp() && !e.IsResourceOp() {
		switch e.Op {
		case "":
			return invalid("missing field \"op\"")
		case OpFaultStart, OpFaultEnd, OpExpire, OpVanish, OpCrash,
			OpStorageRead, OpStorageWrite, OpStorageTransfer, OpStorageState:
			return invalid("op %q must have type observed, not %q", e.Op, e.Type)
		}
		return invalid("unknown op %q", e.Op)
	}
	if e.OpID <= 0 {
		return invalid("%s %s: missing field \"op_id\" (must be > 0)", e.Type, e.Op)
	}
	if e.Process < 0 {
		return invalid("%s %s: negative process %d", e.Type, e.Op, e.Process)
	}
	if e.Node == "" {
		return invalid("%s %s: missing field \"node\"", e.Type, e.Op)
	}
	if e.Key == "" {
		return invalid("%s %s: missing field \"key\"", e.Type, e.Op)
	}
	if e.Outcome != "" && e.Outcome != Accepted && e.Outcome != Rejected {
		return invalid("unknown outcome %q", e.Outcome)
	}
	if e.Type == Invoke {
		if v.used[e.OpID] {
			return invalid("invoke reuses op_id %d", e.OpID)
		}
		if e.Op == OpWrite && e.Counter == nil {
			return invalid("invoke write: missing field \"counter\"")
		}
		if e.Op == OpTransfer && (e.From == "" || e.To == "") {
			return invalid("invoke transfer: missing field \"from\" or \"to\"")
		}
		v.used[e.OpID] = true
		v.pending[e.OpID] = e
		return nil
	}
	inv, ok := v.pending[e.OpID]
	if !ok {
		if p, crashed := v.crashed[e.OpID]; crashed {
			return invalid("%s %s: op_id %d completes after process %d crashed", e.Type, e.Op, e.OpID, p)
		}
		if v.used[e.OpID] {
			return invalid("%s %s: op_id %d completed twice", e.Type, e.Op, e.OpID)
		}
		return invalid("%s %s: completion without invoke (op_id %d)", e.Type, e.Op, e.OpID)
	}
	if inv.Op != e.Op || inv.Process != e.Process || inv.Key != e.Key {
		return invalid("%s %s: op_id %d was invoked as %s by process %d on key %q",
			e.Type, e.Op, e.OpID, inv.Op, inv.Process, inv.Key)
	}
	if e.Type == OK && e.Op == OpRead && e.Counter == nil && len(e.Balances) == 0 {
		return invalid("ok read: missing field \"counter\" or \"balances\"")
	}
	delete(v.pending, e.OpID)
	return nil
}

func (v *validator) observed(e Event) error {
	switch e.Op {
	case OpFaultStart, OpFaultEnd:
		return v.fault(e)
	case OpExpire, OpVanish:
		if e.Node == "" || e.Key == "" {
			return invalid("%s: missing field \"node\" or \"key\"", e.Op)
		}
	case OpCrash:
		if e.Node == "" {
			return invalid("crash: missing field \"node\"")
		}
		for id, inv := range v.pending {
			if inv.Process == e.Process {
				delete(v.pending, id)
				v.crashed[id] = e.Process
			}
		}
	case OpStorageRead, OpStorageWrite, OpStorageTransfer:
		if e.Node == "" || e.Key == "" {
			return invalid("%s: missing field \"node\" or \"key\"", e.Op)
		}
		switch e.Outcome {
		case Accepted, Rejected:
		case "":
			return invalid("%s: missing field \"outcome\"", e.Op)
		default:
			return invalid("%s: unknown outcome %q", e.Op, e.Outcome)
		}
		if e.Op == OpStorageWrite && e.Counter == nil {
			return invalid("storage-write: missing field \"counter\"")
		}
	case OpStorageState:
		if e.Key == "" {
			return invalid("storage-state: missing field \"key\"")
		}
		if e.Counter == nil && len(e.Balances) == 0 {
			return invalid("storage-state: missing field \"counter\" or \"balances\"")
		}
	case "":
		return invalid("missing field \"op\"")
	default:
		if e.IsLockOp() || e.IsResourceOp() {
			return invalid("client op %q cannot have type observed", e.Op)
		}
		return invalid("unknown op %q", e.Op)
	}
	return nil
}

func (v *validator) fault(e Event) error {
	if e.FaultID <= 0 {
		return invalid("%s: missing field \"fault_id\" (must be > 0)", e.Op)
	}
	if e.Op == OpFaultStart {
		if e.Fault == "" {
			return invalid("fault-start: missing field \"fault\"")
		}
		if v.faults[e.FaultID] || v.closed[e.FaultID] {
			return invalid("fault-start reuses fault_id %d", e.FaultID)
		}
		v.faults[e.FaultID] = true
		return nil
	}
	if !v.faults[e.FaultID] {
		return invalid("fault-end without fault-start (fault_id %d)", e.FaultID)
	}
	delete(v.faults, e.FaultID)
	v.closed[e.FaultID] = true
	return nil
}
