package model

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/locksim/locksim/histories"
)

// CheckLockLinearizable checks with porcupine, per lock key, that the
// clients' acquires, releases and extends, together with the expiries the
// Redis nodes recorded, are linearizable against a lease mutex that knows
// its owner: a legal lease expiry lets another client acquire (unlike a
// plain mutex), but a key that vanished (a restart without persistence) is
// no lease end. Failed operations did not happen; indeterminate ones may
// have, at any time after their invocation. A holder is an acquisition
// (the client and its acquire's OpID), not a lock value: a release or
// extend belongs to the acquire its CS names (else to the same client
// holding the same value), so clients that share one value are still told
// apart. An expiry matches the holder's value (the acquire's value, or its
// OpID when the lock has no value).
//
// A search that runs out of its step budget gives Unknown. With opts.VisualizeDir set, a
// violation writes porcupine's HTML visualization (VisualizeLockFile).
func CheckLockLinearizable(h histories.History, opts Options) Result {
	byKey, keys := lockOps(h)
	if len(keys) == 0 {
		return unknownResult(NameLockLinearizable, "no lock operation in the history")
	}
	m := leaseMutexModel()
	search := perKeySearch{
		check: NameLockLinearizable, keyPrefix: "lock ", one: "operation", many: "operations",
		visualizeFile: VisualizeLockFile,
		model:         func(string, []porcupine.Operation) porcupine.Model { return m },
		explain: func(key string, _ []porcupine.Operation, lc linCheck) (string, time.Duration, time.Duration) {
			return explainLock(h, key, lc)
		},
	}
	r, total, ok := search.run(h, opts, byKey, keys)
	if !ok {
		return r
	}
	return okResult(NameLockLinearizable, "%s on %s: linearizable as a lease mutex",
		plural(total, "lock operation", "lock operations"), plural(len(keys), "lock", "locks"))
}

// lockOps builds the lease-mutex operations per lock key, with history
// indices as times.
func lockOps(h histories.History) (map[string][]porcupine.Operation, []string) {
	byKey := make(map[string][]porcupine.Operation)
	var keys []string
	add := func(key string, op porcupine.Operation) {
		if _, ok := byKey[key]; !ok {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], op)
	}
	values := make(map[int]string) // acquire OpID -> the value it holds the lock with
	all := h.Operations()
	for _, o := range all {
		inv := o.Invoke
		if inv.Op == histories.OpAcquire {
			values[inv.OpID] = ownerOf(inv.Value, o)
		}
	}
	for _, o := range all {
		inv := o.Invoke
		if !inv.IsLockOp() || o.Status() == histories.Fail {
			continue
		}
		op := &lockOp{key: inv.Key, client: inv.Process, maybe: o.Status() == histories.Info}
		switch inv.Op {
		case histories.OpAcquire:
			op.kind, op.cs, op.value = lockAcquire, inv.OpID, values[inv.OpID]
		case histories.OpRelease, histories.OpExtend:
			op.kind = lockRelease
			if inv.Op == histories.OpExtend {
				op.kind = lockExtend
			}
			switch {
			case inv.CS != 0 && values[inv.CS] != "":
				op.cs, op.value = inv.CS, values[inv.CS]
			case inv.Value != "":
				op.value = inv.Value
			default:
				op.value = fmt.Sprintf("unknown owner (op %d)", inv.OpID)
			}
		}
		ret := int64(math.MaxInt64)
		if !op.maybe {
			ret = int64(o.CompletionIndex)
		}
		q := ""
		if op.maybe {
			q = "?"
		}
		op.desc = fmt.Sprintf("client %d %s %s%s at %s", inv.Process, inv.Op, op.value, q, secs(inv.Time))
		add(inv.Key, porcupine.Operation{ClientId: inv.Process, Input: op, Call: int64(o.InvokeIndex), Return: ret})
	}
	for i, e := range h {
		if e.Op != histories.OpExpire {
			continue
		}
		if _, ok := byKey[e.Key]; !ok {
			continue
		}
		op := &lockOp{kind: lockExpire, key: e.Key, value: e.Value,
			desc: fmt.Sprintf("%s expired %s at %s", e.Node, e.Value, secs(e.Time))}
		// Expiries are not clients; they get ids after every client's.
		add(e.Key, porcupine.Operation{ClientId: -1, Input: op, Call: int64(i), Return: int64(i)})
	}
	for _, ops := range byKey {
		maxClient := 0
		for _, op := range ops {
			maxClient = max(maxClient, op.ClientId)
		}
		for i := range ops {
			if ops[i].ClientId < 0 {
				ops[i].ClientId = maxClient + 1
			}
		}
	}
	return byKey, keys
}

// ownerOf names the owner an acquire establishes: its value, from the
// completion or the invoke, else its OpID.
func ownerOf(value string, o histories.Operation) string {
	if o.Completion != nil && o.Completion.Value != "" {
		return o.Completion.Value
	}
	if value != "" {
		return value
	}
	return fmt.Sprintf("cs %d", o.Invoke.OpID)
}

// explainLock tells the story of the first double acquire of key, if the
// history shows one plainly, and what the porcupine search found.
func explainLock(h histories.History, key string, lc linCheck) (string, time.Duration, time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "lock %q does not behave as a lease mutex.", key)
	s, from, to := doubleAcquire(h, key)
	if s != "" {
		b.WriteString(" " + s)
	}
	if lc.stuck != nil {
		fmt.Fprintf(&b, " The longest legal order covers %d operations; it cannot place: %s.", lc.longest, lc.stuck.Input.(*lockOp))
	}
	return b.String(), from, to
}

// doubleAcquire finds an acquire ok while another owner held the lock with
// neither a release nor an expiry of its value in between, and returns the
// story and its stretch of time.
func doubleAcquire(h histories.History, key string) (string, time.Duration, time.Duration) {
	var holder *histories.Event
	var vanished []string
	for i, e := range h {
		if e.Key != key {
			continue
		}
		switch {
		case e.Op == histories.OpAcquire && e.Type == histories.OK:
			if holder != nil {
				s := fmt.Sprintf("Client %d acquired it at %s (value %s) while client %d held it since %s (value %s): no release by client %d and no expiry of %s was recorded in between",
					e.Process, secs(e.Time), e.Value, holder.Process, secs(holder.Time), holder.Value, holder.Process, holder.Value)
				if e.Value != "" && e.Value == holder.Value {
					s += fmt.Sprintf(" (both hold it with the value %s: the lock cannot tell these holders apart)", e.Value)
				}
				if len(vanished) > 0 {
					s += " (it vanished from " + strings.Join(vanished, ", ") + ", which is not a legal lease end)"
				}
				spans := faultSpans(h)
				return s + fmt.Sprintf(". Faults active: %s.", activeFaults(spans, holder.Time, e.Time)), holder.Time, e.Time
			}
			holder, vanished = &h[i], nil
		case holder == nil:
		case e.Op == histories.OpRelease && e.Type == histories.OK &&
			(e.CS == holder.OpID || e.CS == 0 && e.Process == holder.Process && e.Value == holder.Value):
			holder = nil
		case e.Op == histories.OpExpire && e.Value == holder.Value:
			holder = nil
		case e.Op == histories.OpVanish && e.Value == holder.Value:
			vanished = append(vanished, fmt.Sprintf("%s at %s", e.Node, secs(e.Time)))
		}
	}
	return "", 0, 0
}
