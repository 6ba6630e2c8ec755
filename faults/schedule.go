package faults

import (
	"fmt"
	"strings"
	"time"
)

// Schedule is the fault plan of one run: plain data, in the order the
// faults are listed. Faults due at the same virtual time apply in that
// order.
type Schedule struct {
	Faults []Fault
}

// Len is the number of faults.
func (s Schedule) Len() int { return len(s.Faults) }

// Clone is a deep copy of s: no slice or trigger is shared.
func (s Schedule) Clone() Schedule {
	if s.Faults == nil {
		return Schedule{}
	}
	out := Schedule{Faults: make([]Fault, len(s.Faults))}
	for i, f := range s.Faults {
		out.Faults[i] = f.clone()
	}
	return out
}

func (f Fault) clone() Fault {
	if f.When != nil {
		w := *f.When
		f.When = &w
	}
	if f.A != nil {
		f.A = append([]string(nil), f.A...)
	}
	if f.B != nil {
		f.B = append([]string(nil), f.B...)
	}
	return f
}

// Without is a copy of s without fault i.
func (s Schedule) Without(i int) Schedule {
	out := s.Clone()
	out.Faults = append(out.Faults[:i], out.Faults[i+1:]...)
	if len(out.Faults) == 0 {
		out.Faults = nil
	}
	return out
}

// String lists the faults one a line, for a person.
func (s Schedule) String() string {
	if len(s.Faults) == 0 {
		return "no faults"
	}
	var b strings.Builder
	if len(s.Faults) == 1 {
		b.WriteString("1 fault:")
	} else {
		fmt.Fprintf(&b, "%d faults:", len(s.Faults))
	}
	for i, f := range s.Faults {
		fmt.Fprintf(&b, "\n  %d. %s", i+1, f)
	}
	return b.String()
}

// String is one line, e.g. "at 1.5s: pause client-2 for 5s".
func (f Fault) String() string {
	when := "at " + f.At.String()
	if f.When != nil {
		when = "when " + f.When.String()
	}
	return when + ": " + f.describe()
}

func (f Fault) describe() string {
	lasting := func() string {
		if f.For > 0 {
			return " for " + f.For.String()
		}
		return " until healed"
	}
	link := func() string {
		if f.From == "" && f.To == "" {
			return "on every link"
		}
		return f.From + " -> " + f.To
	}
	switch f.Kind {
	case Pause:
		return "pause " + f.Node + " for " + f.For.String()
	case Crash:
		what := "crash "
		if f.Host {
			what = "crash the host of "
		}
		if f.For > 0 {
			return fmt.Sprintf("%s%s, restart after %s%s", what, f.Node, f.For, f.modeNote())
		}
		return what + f.Node + " (no restart)"
	case Restart:
		return "restart " + f.Node + f.modeNote()
	case Partition:
		sep := " | "
		if f.OneWay {
			sep = " -/-> "
		}
		return "partition [" + strings.Join(f.A, " ") + "]" + sep + "[" + strings.Join(f.B, " ") + "]" + lasting()
	case Heal:
		return "heal the network"
	case Loss:
		return fmt.Sprintf("lose %.4g%% of messages %s%s", f.Rate*100, link(), lasting())
	case Delay:
		return fmt.Sprintf("delay messages %s by %s%s", link(), f.Delay, lasting())
	case ClockDrift:
		d := " for ever"
		if f.For > 0 {
			d = " for " + f.For.String()
		}
		speed := "fast"
		if f.Rate < 0 {
			speed = "slow"
		}
		r := max(f.Rate, -f.Rate)
		if r >= 0.001 {
			return fmt.Sprintf("clock of %s runs %.4g%% %s%s", f.Node, r*100, speed, d)
		}
		return fmt.Sprintf("clock of %s runs %.4g ppm %s%s", f.Node, r*1e6, speed, d)
	case ClockStep:
		sign := "+"
		if f.Step < 0 {
			sign = ""
		}
		return "step the wall clock of " + f.Node + " by " + sign + f.Step.String()
	}
	return "unknown fault " + string(f.Kind)
}

// modeNote is the persistence a restart uses, for nodes that may be Redis.
func (f Fault) modeNote() string {
	if !mayBeRedis(f.Node) {
		return ""
	}
	return " (persistence " + string(f.Mode()) + ")"
}

// LastHeal is a time after which no fault of s is active and none starts:
// every timed fault has ended or been healed. A triggered fault counts from
// the latest time it can fire (Until+After), so one without Until makes it
// Never; so does a fault that never ends (a crash never restarted, a
// partition never healed, a clock drift for ever). Use LastHealFired once
// the run has told which triggers fired when.
func LastHeal(s Schedule) time.Duration { return lastHeal(s, nil) }

// LastHealFired is LastHeal knowing, for each fault i with a trigger,
// fired[i]: the virtual time its event happened, or a negative value if it
// never fired (the fault then never happened). Entries of untriggered
// faults are ignored.
func LastHealFired(s Schedule, fired []time.Duration) time.Duration {
	if fired == nil {
		fired = []time.Duration{}
	}
	return lastHeal(s, fired)
}

type window struct {
	occurs bool
	lo, hi time.Duration // the fault starts somewhere in [lo, hi]
}

func windowOf(s Schedule, i int, fired []time.Duration) window {
	f := s.Faults[i]
	if f.When == nil {
		return window{true, f.At, f.At}
	}
	if fired != nil && i < len(fired) {
		if fired[i] < 0 {
			return window{}
		}
		t := addSat(fired[i], f.When.After)
		return window{true, t, t}
	}
	if f.When.Until <= 0 {
		return window{true, f.When.After, Never}
	}
	return window{true, f.When.After, addSat(f.When.Until, f.When.After)}
}

func lastHeal(s Schedule, fired []time.Duration) time.Duration {
	ws := make([]window, len(s.Faults))
	for i := range s.Faults {
		ws[i] = windowOf(s, i, fired)
	}
	var last time.Duration
	for i, f := range s.Faults {
		w := ws[i]
		if !w.occurs {
			continue
		}
		if w.hi == Never {
			return Never
		}
		end := f.End(w.hi)
		if end == Never {
			end = healedAt(s, ws, i)
		}
		if end == Never {
			return Never
		}
		last = max(last, end)
	}
	return last
}

// healedAt is the first time a fault of known time ends permanent fault i,
// which starts at the latest at ws[i].hi; Never if none does.
func healedAt(s Schedule, ws []window, i int) time.Duration {
	f := s.Faults[i]
	end := Never
	for j, g := range s.Faults {
		wj := ws[j]
		if !wj.occurs || wj.lo != wj.hi {
			continue
		}
		if wj.lo < ws[i].hi || (wj.lo == ws[i].hi && j < i) {
			continue
		}
		ends := false
		switch f.Kind {
		case Partition, Loss, Delay:
			ends = g.Kind == Heal
		case Crash:
			ends = g.Kind == Restart && covers(g.Node, f.Node)
		}
		if ends {
			end = min(end, wj.lo)
		}
	}
	return end
}

// covers reports whether restarting pattern r restarts every node of
// pattern c, whatever the topology.
func covers(r, c string) bool {
	switch {
	case r == Holder || c == Holder:
		return false
	case r == c || r == "*":
		return true
	case r == "redis-*":
		_, ok := nodeIndex(c, "redis-")
		return ok
	case r == "client-*":
		_, ok := nodeIndex(c, "client-")
		return ok
	}
	return false
}

func addSat(a, b time.Duration) time.Duration {
	if a >= Never-b {
		return Never
	}
	return a + b
}
