package report

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/model"
)

// KeyState is what a Redis node held under the lock key right after a
// command that named it (scenario.KeyState, which the caller records
// while replaying).
type KeyState struct {
	At     time.Duration
	Node   string
	Key    string
	Value  string
	Exists bool
	// By is the node that sent the command ("client-3"): who set a value
	// that no successful acquire returned (a failed attempt).
	By string
}

// Run is what the timeline of one failure is drawn from.
type Run struct {
	History histories.History
	Checks  []model.Result
	// Keys are the lock key's states on the Redis nodes, in time order;
	// nil when they were not recorded (the lanes then show expiries only).
	Keys []KeyState
}

// Lane kinds.
const (
	laneClient = "client"
	laneRedis  = "redis"
)

// timeline is the drawable content of one failure, in true time.
type timeline struct {
	end   time.Duration // of the run
	lanes []*lane
	bands []band
	marks []mark
	// from, to is the window the main view shows: around the violation.
	from, to time.Duration
	// check names the violation marked; stretch is its From..To.
	check                  string
	stretchFrom, stretchTo time.Duration
}

type lane struct {
	name  string // "client 1", "redis-1"
	node  string // the node the lane is about
	kind  string
	spans []span
	ticks []tick
}

// span is a bar on a lane: a lease, time past a lease, a key's lifetime.
type span struct {
	from, to time.Duration
	class    string // CSS class: lease, overrun, key, vanished
	label    string
	title    string // tooltip: the whole story
	color    int    // palette index (the client), -1 none
}

// tick is a point on a lane: an access, an expiry, a crash.
type tick struct {
	at    time.Duration
	class string // access, rejected, expire, crash
	label string
	title string
}

// band is a fault: on some lanes, or on all (lanes nil).
type band struct {
	from, to time.Duration
	lanes    []int
	label    string
	title    string
}

// mark is one operation of the violating pair, or the violation's stretch
// when the check names no operations.
type mark struct {
	at, to time.Duration // to > at: a stretch, not an operation
	lane   int           // -1: all lanes
	id     string
	label  string
}

// violationMargin is the least time shown on each side of the violating
// pair in the main view, and minWindow the least width of that view.
const (
	violationMargin = 500 * time.Millisecond
	minWindow       = 2 * time.Second
)

// build lays out the timeline of r.
func build(r Run) *timeline {
	h := r.History
	t := &timeline{}
	if len(h) > 0 {
		t.end = h[len(h)-1].Time
	}
	t.clientLanes(h)
	t.redisLanes(h, r.Keys)
	t.faultBands(h)
	t.violation(h, r.Checks)
	return t
}

// clientLanes adds a lane per client: its believed leases, the time it
// went on past them, its accesses as the storage executed them, crashes.
func (t *timeline) clientLanes(h histories.History) {
	byClient := map[int]*lane{}
	get := func(p int, node string) *lane {
		l := byClient[p]
		if l == nil {
			l = &lane{name: fmt.Sprintf("client %d", p), kind: laneClient}
			byClient[p] = l
		}
		if l.node == "" && node != "" {
			l.node = node
		}
		return l
	}
	type lease struct {
		p              int
		from, validity time.Duration
		value          string
		lane           *lane
	}
	open := map[int]*lease{}           // by acquire OpID
	tries := map[int]histories.Event{} // acquire invokes by OpID
	closeLease := func(cs int, at time.Duration, how string) {
		ls := open[cs]
		if ls == nil {
			return
		}
		delete(open, cs)
		name := fmt.Sprintf("client %d cs %d", ls.p, cs)
		v := ls.validity
		switch {
		case v <= 0 || v >= at:
			ls.lane.spans = append(ls.lane.spans, span{from: ls.from, to: at, class: "lease", color: ls.p,
				label: fmt.Sprintf("cs %d", cs),
				title: fmt.Sprintf("%s: believed lease from %s until %s (%s; validity %s)", name, secs(ls.from), secs(at), how, validityText(v))})
		default:
			ls.lane.spans = append(ls.lane.spans,
				span{from: ls.from, to: v, class: "lease", color: ls.p, label: fmt.Sprintf("cs %d", cs),
					title: fmt.Sprintf("%s: believed lease from %s until its validity %s", name, secs(ls.from), secs(v))},
				span{from: v, to: at, class: "overrun", color: -1, label: "past validity",
					title: fmt.Sprintf("%s: went on %s past its validity (%s), until %s (%s)", name, millis(at-v), secs(v), secs(at), how)})
		}
	}
	for _, e := range h {
		switch {
		case e.IsClient():
			l := get(e.Process, e.Node)
			switch {
			case e.Op == histories.OpAcquire && e.Type == histories.Invoke:
				tries[e.OpID] = e
			case e.Op == histories.OpAcquire && (e.Type == histories.Fail || e.Type == histories.Info):
				// an attempt that did not get the lock: the client was waiting
				if inv, ok := tries[e.OpID]; ok {
					l.spans = append(l.spans, span{from: inv.Time, to: e.Time, class: "attempt", color: -1,
						title: fmt.Sprintf("client %d tried to acquire from %s to %s: %s (%s)", e.Process, secs(inv.Time), secs(e.Time), e.Type, e.Error)})
				}
			case e.Op == histories.OpAcquire && e.Type == histories.OK:
				open[e.OpID] = &lease{p: e.Process, from: e.Time, validity: trueValidity(e), value: e.Value, lane: l}
			case e.Op == histories.OpExtend && e.Type == histories.OK:
				if ls := open[e.CS]; ls != nil {
					if v := trueValidity(e); v > 0 {
						ls.validity = v
					}
				}
			case e.Op == histories.OpRelease && e.Type == histories.Invoke:
				closeLease(e.CS, e.Time, "released")
			}
		case e.IsStorageAccess():
			l := get(e.Process, "")
			c := "access"
			if e.Outcome != histories.Accepted {
				c = "rejected"
			}
			l.ticks = append(l.ticks, tick{at: e.Time, class: c, label: accessLabel(e),
				title: fmt.Sprintf("%s: storage %s %s for client %d (cs %d)", secs(e.Time), strings.ToUpper(string(e.Outcome)), accessLabel(e), e.Process, e.CS)})
		case e.Op == histories.OpCrash:
			l := get(e.Process, e.Node)
			l.ticks = append(l.ticks, tick{at: e.Time, class: "crash", label: "crash", title: fmt.Sprintf("%s: client %d crashed", secs(e.Time), e.Process)})
			for cs, ls := range open {
				if ls.p == e.Process {
					closeLease(cs, e.Time, "crashed")
				}
			}
		}
	}
	var rest []int
	for cs := range open {
		rest = append(rest, cs)
	}
	slices.Sort(rest)
	for _, cs := range rest {
		closeLease(cs, t.end, "never released")
	}
	var ps []int
	for p := range byClient {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	for _, p := range ps {
		t.lanes = append(t.lanes, byClient[p])
	}
}

// redisLanes adds a lane per Redis node: each value the lock key held
// there, from the command that set it to the one that removed it, its
// expiry, its loss, or the end of the run.
func (t *timeline) redisLanes(h histories.History, keys []KeyState) {
	owner := map[string]int{} // lock value -> client
	for _, e := range h {
		if e.Op == histories.OpAcquire && e.Type == histories.OK && e.Value != "" {
			owner[e.Value] = e.Process
		}
	}
	type change struct {
		at     time.Duration
		node   string
		value  string
		exists bool
		how    string // "" a command, else expire or vanish
	}
	var cs []change
	setBy := map[string]string{} // lock value -> the node that set it
	for _, k := range keys {
		cs = append(cs, change{at: k.At, node: k.Node, value: k.Value, exists: k.Exists})
		if _, ok := setBy[k.Value]; k.Exists && !ok && k.By != "" {
			setBy[k.Value] = k.By
		}
	}
	clientOf := map[string]int{} // client node -> client
	for _, e := range h {
		if e.IsClient() && e.Node != "" {
			clientOf[e.Node] = e.Process
		}
	}
	for _, e := range h {
		if e.Op == histories.OpExpire || e.Op == histories.OpVanish {
			cs = append(cs, change{at: e.Time, node: e.Node, value: e.Value, how: string(e.Op)})
		}
	}
	slices.SortStableFunc(cs, func(a, b change) int { return int(a.at - b.at) })
	byNode := map[string]*lane{}
	type held struct {
		value string
		from  time.Duration
	}
	cur := map[string]*held{}
	var nodes []string
	closeKey := func(l *lane, hd *held, at time.Duration, how string) {
		p, ok := owner[hd.value]
		who, label, color := "no client's acquire returned this value", "?", -1
		switch by, set := setBy[hd.value]; {
		case ok:
			who, label, color = fmt.Sprintf("client %d's value", p), fmt.Sprintf("client %d", p), p
		case set && clientOf[by] > 0:
			p := clientOf[by]
			who, label = fmt.Sprintf("set by client %d in an acquire that did not succeed", p), fmt.Sprintf("client %d, failed attempt", p)
		case set:
			who = "set by " + by + ", which no successful acquire returned"
		}
		c := "key"
		if how == string(histories.OpVanish) {
			c = "key vanished"
		}
		l.spans = append(l.spans, span{from: hd.from, to: at, class: c, color: color, label: label,
			title: fmt.Sprintf("%s held the lock key from %s until %s (%s): %s %s", l.name, secs(hd.from), secs(at), how, who, hd.value)})
		if how == string(histories.OpExpire) || how == string(histories.OpVanish) {
			l.ticks = append(l.ticks, tick{at: at, class: "expire", label: how, title: fmt.Sprintf("%s: the key %sd on %s", secs(at), how, l.name)})
		}
	}
	for _, c := range cs {
		l := byNode[c.node]
		if l == nil {
			l = &lane{name: c.node, node: c.node, kind: laneRedis}
			byNode[c.node] = l
			nodes = append(nodes, c.node)
		}
		hd := cur[c.node]
		switch {
		case c.how != "":
			if hd != nil && hd.value == c.value {
				closeKey(l, hd, c.at, c.how)
				cur[c.node] = nil
				break
			}
			// the key's set was not watched: its end alone is known
			l.ticks = append(l.ticks, tick{at: c.at, class: "expire", label: c.how,
				title: fmt.Sprintf("%s: the lock key (value %s) %sd on %s", secs(c.at), c.value, c.how, l.name)})
		case c.exists && (hd == nil || hd.value != c.value):
			if hd != nil {
				closeKey(l, hd, c.at, "overwritten")
			}
			cur[c.node] = &held{value: c.value, from: c.at}
		case !c.exists && hd != nil:
			closeKey(l, hd, c.at, "deleted")
			cur[c.node] = nil
		}
	}
	slices.Sort(nodes)
	for _, n := range nodes {
		if hd := cur[n]; hd != nil {
			closeKey(byNode[n], hd, t.end, "still held at the end")
		}
		t.lanes = append(t.lanes, byNode[n])
	}
}

var nodeWord = regexp.MustCompile(`[a-z]+-[0-9]+|storage`)

// faultBands adds a band per fault, on the lanes of the nodes its target
// names, or on every lane.
func (t *timeline) faultBands(h histories.History) {
	started := map[int]histories.Event{}
	var ids []int
	ends := map[int]time.Duration{}
	for _, e := range h {
		switch e.Op {
		case histories.OpFaultStart:
			if _, ok := started[e.FaultID]; !ok {
				ids = append(ids, e.FaultID)
			}
			started[e.FaultID] = e
		case histories.OpFaultEnd:
			ends[e.FaultID] = e.Time
		}
	}
	for _, id := range ids {
		e := started[id]
		to, ok := ends[id]
		if !ok {
			to = t.end
		}
		var lanes []int
		for _, w := range nodeWord.FindAllString(e.Target, -1) {
			for i, l := range t.lanes {
				if l.node == w && !slices.Contains(lanes, i) {
					lanes = append(lanes, i)
				}
			}
		}
		slices.Sort(lanes)
		t.bands = append(t.bands, band{from: e.Time, to: to, lanes: lanes,
			label: fmt.Sprintf("%s %s", e.Fault, e.Target),
			title: fmt.Sprintf("fault %d: %s %s, %s..%s: %s", id, e.Fault, e.Target, secs(e.Time), secs(to), e.Detail)})
	}
}

// violation marks the first violation's pair of operations (or its
// stretch) and chooses the window of the main view around it.
func (t *timeline) violation(h histories.History, checks []model.Result) {
	var v *model.Result
	for i := range checks {
		if checks[i].Verdict == model.Violation {
			if v == nil || v.Culprits == nil && checks[i].Culprits != nil {
				v = &checks[i]
			}
		}
	}
	t.from, t.to = 0, t.end
	if v == nil {
		return
	}
	t.check, t.stretchFrom, t.stretchTo = v.Check, v.From, v.To
	first, last := v.From, v.To
	for n, i := range v.Culprits {
		if i < 0 || i >= len(h) {
			continue
		}
		e := h[i]
		at := e.Time
		if n == 0 || at < first {
			first = at
		}
		if n == 0 || at > last {
			last = at
		}
		t.marks = append(t.marks, mark{at: at, lane: t.laneOf(e.Process), id: fmt.Sprintf("violation-%d", n+1),
			label: fmt.Sprintf("%d: client %d %s (cs %d) at %s", n+1, e.Process, accessLabel(e), e.CS, secs(at))})
	}
	if len(t.marks) == 0 {
		t.marks = append(t.marks, mark{at: v.From, to: v.To, lane: -1, id: "violation-1",
			label: fmt.Sprintf("%s violation from %s to %s", v.Check, secs(v.From), secs(v.To))})
	}
	margin := max(violationMargin, (last-first)/2)
	from, to := first-margin, last+margin
	if w := to - from; w < minWindow {
		from -= (minWindow - w) / 2
		to += (minWindow - w) / 2
	}
	if from < 0 {
		to, from = to-from, 0
	}
	if to > t.end && t.end > 0 {
		from, to = max(0, from-(to-t.end)), t.end
	}
	t.from, t.to = from, to
}

// laneOf is the lane of client p, -1 if none.
func (t *timeline) laneOf(p int) int {
	for i, l := range t.lanes {
		if l.kind == laneClient && l.name == fmt.Sprintf("client %d", p) {
			return i
		}
	}
	return -1
}

// trueValidity is a lease's end in true time, 0 if unknown (as
// histories.Timeline reads it).
func trueValidity(e histories.Event) time.Duration {
	switch {
	case e.ValidUntilTrue > 0:
		return e.ValidUntilTrue
	case e.ValidUntil > 0 && e.LocalTime > 0:
		return e.Time + e.ValidUntil - e.LocalTime
	}
	return 0
}

func validityText(v time.Duration) string {
	if v <= 0 {
		return "unknown"
	}
	return secs(v)
}

// accessLabel is a short name of an access: "read 15", "write 16".
func accessLabel(e histories.Event) string {
	op := strings.TrimPrefix(string(e.Op), "storage-")
	switch {
	case e.Counter != nil:
		return fmt.Sprintf("%s %d", op, *e.Counter)
	case e.Op == histories.OpStorageTransfer || e.Op == histories.OpTransfer:
		return fmt.Sprintf("transfer %d %s→%s", e.Amount, e.From, e.To)
	}
	return op
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

func millis(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
