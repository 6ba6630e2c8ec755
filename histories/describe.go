package histories

import (
	"fmt"
	"slices"
	"strings"
)

// describe renders one event for a person.
func describe(e Event) string {
	switch e.Type {
	case Observed:
		return describeObserved(e)
	case Invoke:
		return describeInvoke(e)
	default:
		return describeCompletion(e)
	}
}

func describeInvoke(e Event) string {
	s := fmt.Sprintf("%s %q", e.Op, e.Key)
	switch e.Op {
	case OpWrite:
		s += " := " + num(e.Counter)
	case OpTransfer:
		s += fmt.Sprintf(" %d from %s to %s, writing %s", e.Amount, e.From, e.To, balances(e.Balances))
	case OpRelease, OpExtend:
		if e.Value != "" {
			s += fmt.Sprintf(" value=%s", e.Value)
		}
	}
	s += access(e)
	return s + " ..."
}

func describeCompletion(e Event) string {
	s := fmt.Sprintf("%s %q -> %s", e.Op, e.Key, strings.ToUpper(string(e.Type)))
	if e.Type == Info {
		s += " (indeterminate)"
	}
	switch {
	case e.Op == OpAcquire && e.Type == OK:
		s += fmt.Sprintf(" value=%s", e.Value)
		if e.Token != 0 {
			s += fmt.Sprintf(" token=%d", e.Token)
		}
		s += validity(e)
	case e.Op == OpExtend && e.Type == OK:
		s += validity(e)
	case e.Op == OpRead && e.Type == OK:
		if e.Counter != nil {
			s += fmt.Sprintf(" read %d", *e.Counter)
		}
		if e.Balances != nil {
			s += " read " + balances(e.Balances)
		}
	}
	if e.Outcome == Rejected {
		s += " (rejected by the storage)"
	}
	if e.Error != "" {
		s += ": " + e.Error
	}
	return s
}

func validity(e Event) string {
	switch {
	case e.ValidUntilTrue > 0:
		return fmt.Sprintf(", valid until %s", fmtSeconds(e.ValidUntilTrue))
	case e.ValidUntil > 0:
		return fmt.Sprintf(", valid until %s on its own clock", fmtSeconds(e.ValidUntil))
	}
	return ""
}

func access(e Event) string {
	var parts []string
	if e.CS != 0 {
		parts = append(parts, fmt.Sprintf("cs %d", e.CS))
	}
	if e.Token != 0 {
		parts = append(parts, fmt.Sprintf("token %d", e.Token))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func describeObserved(e Event) string {
	switch e.Op {
	case OpFaultStart:
		return fmt.Sprintf("!! fault %d starts: %s", e.FaultID, faultText(e))
	case OpFaultEnd:
		return fmt.Sprintf("!! fault %d ends", e.FaultID)
	case OpExpire:
		return fmt.Sprintf("** key %q (value %s) expired", e.Key, e.Value)
	case OpVanish:
		return fmt.Sprintf("** key %q (value %s) vanished", e.Key, e.Value)
	case OpCrash:
		return fmt.Sprintf("** crashed on %s", e.Node)
	case OpStorageState:
		switch {
		case e.Counter != nil && e.Balances != nil:
			return fmt.Sprintf("state of %q: counter %s, balances %s", e.Key, num(e.Counter), balances(e.Balances))
		case e.Balances != nil:
			return fmt.Sprintf("state of %q: %s", e.Key, balances(e.Balances))
		}
		return fmt.Sprintf("state of %q: %s", e.Key, num(e.Counter))
	}
	what := "read"
	switch e.Op {
	case OpStorageWrite:
		what = "write " + num(e.Counter)
	case OpStorageTransfer:
		what = fmt.Sprintf("transfer %d from %s to %s, %s", e.Amount, e.From, e.To, balances(e.Balances))
	default:
		if e.Counter != nil {
			what = fmt.Sprintf("read %d", *e.Counter)
		} else if e.Balances != nil {
			what = "read " + balances(e.Balances)
		}
	}
	return fmt.Sprintf("%s %s of %q for client %d%s", strings.ToUpper(string(e.Outcome)), what, e.Key, e.Process, access(e))
}

func faultText(e Event) string {
	s := e.Fault
	if e.Target != "" {
		s += " " + e.Target
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func balances(b map[string]int64) string {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, b[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// num renders an optional counter value.
func num(p *int64) string {
	if p == nil {
		return "?"
	}
	return fmt.Sprint(*p)
}
