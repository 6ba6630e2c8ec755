package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/locksim/locksim/histories"
)

// CheckResourceLinearizable checks with porcupine that the protected
// resource, as the clients saw it, is linearizable: each critical section
// (its reads and writes, grouped by CS) is one atomic operation on a counter
// or ledger model, per resource key. A failed or rejected write is a no-op;
// an indeterminate write may or may not have happened, at any time after its
// invocation (its operation returns at infinity). The initial state is the
// key's first storage-state snapshot; without one the first read defines it.
//
// A search that runs out of its step budget gives Unknown. On a violation the explanation
// names the key, a lost update when two sections read the same value and
// both wrote, and the first section no legal order can place; with
// opts.VisualizeDir set, porcupine's HTML visualization of the first
// violating key is written there (VisualizeResourceFile).
func CheckResourceLinearizable(h histories.History, opts Options) Result {
	byKey, keys := resourceOps(h)
	if len(keys) == 0 {
		return unknownResult(NameResourceLinearizable, "no critical section read or wrote the resource")
	}
	search := perKeySearch{
		check: NameResourceLinearizable, one: "critical section", many: "critical sections",
		visualizeFile: VisualizeResourceFile,
		model: func(key string, ops []porcupine.Operation) porcupine.Model {
			return keyResourceModel(h, key, ops)
		},
		explain: func(key string, ops []porcupine.Operation, lc linCheck) (string, time.Duration, time.Duration) {
			return explainResource(h, key, ops, lc), 0, 0
		},
	}
	r, total, ok := search.run(h, opts, byKey, keys)
	if !ok {
		return r
	}
	return okResult(NameResourceLinearizable, "%s on %s: linearizable",
		plural(total, "critical section", "critical sections"), plural(len(keys), "resource", "resources"))
}

// keyResourceModel is the model of resource key: a ledger if any of its
// critical sections ops transfers, else a counter, from the key's initial
// state.
func keyResourceModel(h histories.History, key string, ops []porcupine.Operation) porcupine.Model {
	ledger := false
	for _, op := range ops {
		ledger = ledger || op.Input.(*resOp).ledger
	}
	return resourceModel(initialState(h, key, ledger))
}

func explainResource(h histories.History, key string, ops []porcupine.Operation, lc linCheck) string {
	var b strings.Builder
	fmt.Fprintf(&b, "the %s on %q are not linearizable: no order of them agrees with the values read.",
		plural(len(ops), "critical section", "critical sections"), key)
	if lost := lostUpdate(ops); lost != "" {
		b.WriteString(" " + lost)
	}
	if lc.stuck != nil {
		op := lc.stuck.Input.(*resOp)
		fmt.Fprintf(&b, " The longest legal order covers %d of them; it cannot place %s (started at %s).",
			lc.longest, op, secs(op.start))
		spans := faultSpans(h)
		if len(spans) > 0 {
			fmt.Fprintf(&b, " Faults active around then: %s.", activeFaults(spans, op.start, op.start))
		}
	}
	return b.String()
}

// lostUpdate finds two critical sections that read the same value of
// something and both definitely wrote it.
func lostUpdate(ops []porcupine.Operation) string {
	seen := make(map[string]*resOp)
	for _, o := range ops {
		op := o.Input.(*resOp)
		read, wrote := readWrite(op)
		if !wrote {
			continue
		}
		for _, r := range read {
			if prev := seen[r]; prev != nil {
				return fmt.Sprintf("Lost update: client %d (cs %d) and client %d (cs %d) both read %s and both writes were applied (%s; %s).",
					prev.client, prev.cs, op.client, op.cs, r, prev, op)
			}
			seen[r] = op
		}
	}
	return ""
}

// readWrite lists what op read (as "value" or "account=balance") and
// whether it definitely wrote what it read.
func readWrite(op *resOp) ([]string, bool) {
	var read []string
	written := make(map[string]bool)
	wroteCounter := false
	for _, s := range op.steps {
		switch {
		case !s.write && s.hasCounter:
			read = append(read, fmt.Sprint(s.counter))
		case !s.write:
			for _, a := range sortedKeys(s.balances) {
				read = append(read, fmt.Sprintf("%s=%d", a, s.balances[a]))
			}
		case s.maybe:
		case s.hasCounter:
			wroteCounter = true
		default:
			for a := range s.balances {
				written[a] = true
			}
			if s.balances == nil {
				written[s.from], written[s.to] = true, true
			}
		}
	}
	var out []string
	for _, r := range read {
		acct, _, isLedger := strings.Cut(r, "=")
		if (isLedger && written[acct]) || (!isLedger && wroteCounter) {
			out = append(out, r)
		}
	}
	return out, len(out) > 0
}
