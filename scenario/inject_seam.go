package scenario

import (
	"strings"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/sim"
)

// seamTriggers arms and fires the triggers of a schedule that name a seam
// call: once the trigger's history event has happened, the event's client
// is armed, and the fault fires inside the Call-th seam call of the kind
// that client's tasks make after it (its lock's fan-out tasks included).
// The simulator's seam hook is installed only for a schedule that has
// such a trigger, so other runs pay nothing and trace as before.
type seamTriggers struct {
	in      *injector
	armed   []int          // per fault: the client armed, 0 if none
	counts  []int          // per fault: the calls of the kind seen since armed
	clients map[string]int // the client of a root task name ("client-2")
}

// newSeamTriggers installs the hook if s has a seam trigger; it returns nil
// otherwise.
func newSeamTriggers(in *injector, s faults.Schedule) *seamTriggers {
	any := false
	for _, f := range s.Faults {
		any = any || (f.When != nil && f.When.Seam != "")
	}
	if !any {
		return nil
	}
	st := &seamTriggers{in: in, armed: make([]int, s.Len()), counts: make([]int, s.Len()), clients: map[string]int{}}
	for _, c := range in.r.clients {
		st.clients[faults.ClientNode(c.id)] = c.id // the name run.spawn gives its task
	}
	in.r.w.OnSeamCall(st.call)
	return st
}

// arm starts counting client's seam calls for fault i.
func (st *seamTriggers) arm(i, client int) {
	st.armed[i], st.counts[i] = client, 0
}

// call counts a seam call against the armed triggers of its client and
// fires the fault of one that reaches its count, there, inside the call.
func (st *seamTriggers) call(c sim.SeamCall) {
	root, _, _ := strings.Cut(c.Task, "/")
	client := st.clients[root]
	if client == 0 {
		return
	}
	kind := faults.Seam(c.Kind.String())
	now := st.in.r.w.Elapsed()
	for i, f := range st.in.sched.Faults {
		if st.armed[i] != client || f.When.Seam != kind {
			continue
		}
		if f.When.Until > 0 && now >= f.When.Until {
			st.armed[i] = 0 // disarmed, as an event after Until would be
			continue
		}
		st.counts[i]++
		if st.counts[i] == f.When.NthCall() {
			st.armed[i] = 0
			st.in.start(i, faults.ClientNode(client))
		}
	}
}
