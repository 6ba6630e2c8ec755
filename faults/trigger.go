package faults

import (
	"fmt"
	"time"
)

// Op is a client operation of the history a trigger can watch.
type Op string

// The operations of the workload.
const (
	OpAcquire Op = "acquire"
	OpWrite   Op = "write"
	OpRead    Op = "read"
	OpRelease Op = "release"
	// OpExtend is a holder's extend of its lease (workloads with
	// ExtendEvery): anchoring a seam trigger on its invoke lands a fault
	// inside the lock's Extend.
	OpExtend Op = "extend"
)

// Ops lists the operations.
var Ops = []Op{OpAcquire, OpWrite, OpRead, OpRelease, OpExtend}

// Phase is the moment of an operation a trigger fires on.
type Phase string

// The phases.
const (
	// PhaseInvoke fires when the client sends the operation.
	PhaseInvoke Phase = "invoke"
	// PhaseOK fires when the operation returns ok.
	PhaseOK Phase = "ok"
)

// Phases lists the phases.
var Phases = []Phase{PhaseInvoke, PhaseOK}

// Trigger starts a fault on a history event: the Occurrence-th time (1 =
// the first; 0 means 1) that client Client (0 = any client) reaches Phase
// of Op, plus After. A triggered fault fires at most once. If Until > 0
// the trigger is disarmed at virtual time Until: an event (or seam call)
// after it fires nothing. The target "holder" in the fault names the
// client of the event.
//
// With Seam set, the event only arms the trigger: the fault fires at the
// Call-th (0 means 1) seam call of kind Seam that the event's client
// makes after it, from any of its tasks (a lock's fan-out included),
// inside that call (see Seam), which is how a fault lands inside the
// lock's own code: between the end of redlock's acquire round and its
// validity check is "the 2nd now after the acquire is sent". After must
// then be 0.
//
// With After == 0 the fault takes effect at the instant of the event:
// for PhaseInvoke before the operation's first message leaves the client
// (so a delay aimed at a write delays that write), for PhaseOK before the
// client runs on after the reply (so a pause aimed at an acquire stops
// the holder before it touches the resource).
type Trigger struct {
	Op         Op
	Phase      Phase
	Client     int
	Occurrence int
	After      time.Duration
	Until      time.Duration
	Seam       Seam
	Call       int
}

// Seam is a kind of call a client's code makes into its runtime, which a
// trigger can count. A fault fired at a seam call takes effect inside it,
// before the call does its work: a client paused at "now" reads its clock
// after the pause, one paused at "do-sent" sends after it, one crashed
// there sends nothing.
type Seam string

// The seam calls a trigger can count.
const (
	SeamNow       Seam = "now"        // reading the wall clock
	SeamSleep     Seam = "sleep"      // starting a sleep
	SeamDoSent    Seam = "do-sent"    // a Redis command about to be sent
	SeamDoReplied Seam = "do-replied" // a Redis reply about to be returned
	SeamGo        Seam = "go"         // starting a function of a fan-out
	SeamWait      Seam = "wait"       // waiting for a fan-out
	SeamMutexLock Seam = "mutex-lock" // taking an in-process mutex
)

// Seams lists the seam calls.
var Seams = []Seam{SeamNow, SeamSleep, SeamDoSent, SeamDoReplied, SeamGo, SeamWait, SeamMutexLock}

// NthCall is the seam call the trigger fires at, 1 or more.
func (tr Trigger) NthCall() int {
	if tr.Call < 1 {
		return 1
	}
	return tr.Call
}

// Nth is the occurrence the trigger fires on, 1 or more.
func (tr Trigger) Nth() int {
	if tr.Occurrence < 1 {
		return 1
	}
	return tr.Occurrence
}

// Matches reports whether an event of client (1-based) reaching phase of op
// is of the kind the trigger counts. Counting occurrences is the caller's.
func (tr Trigger) Matches(op Op, phase Phase, client int) bool {
	return tr.Op == op && tr.Phase == phase && (tr.Client == 0 || tr.Client == client)
}

// String reads like "the 1st acquire of client-2 returns ok, +10ms", or
// with a seam call "the 2nd now of client-1 after its 1st acquire is sent".
func (tr Trigger) String() string {
	who := "any client"
	if tr.Client != 0 {
		who = ClientNode(tr.Client)
	}
	what := "is sent"
	if tr.Phase == PhaseOK {
		what = "returns ok"
	}
	s := fmt.Sprintf("the %s %s of %s %s", ordinal(tr.Nth()), tr.Op, who, what)
	if tr.Seam != "" {
		if tr.Client != 0 {
			s = fmt.Sprintf("the %s %s of %s after its %s %s %s", ordinal(tr.NthCall()), tr.Seam, who, ordinal(tr.Nth()), tr.Op, what)
		} else {
			s = fmt.Sprintf("the %s %s of the client after %s", ordinal(tr.NthCall()), tr.Seam, s)
		}
	}
	if tr.After > 0 {
		s += ", +" + tr.After.String()
	}
	if tr.Until > 0 {
		s += " (before " + tr.Until.String() + ")"
	}
	return s
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
