package scenario

import (
	"errors"
	"fmt"
	"time"

	"github.com/locksim/locksim/model"
)

// Budget bounds what one run may consume, so that an input the machine
// cannot hold is refused or stopped instead of running away. Every measure
// is a count of the simulation (never the machine's memory or speed), so a
// run stops at the same point on every machine and its verdict never
// depends on the machine.
type Budget struct {
	// Events bounds the scheduler's work: timers fired plus tasks picked.
	Events uint64
	// RedisCommands bounds the commands all Redis nodes execute.
	RedisCommands uint64
	// LogBytes bounds the memory the Redis nodes' write logs hold.
	LogBytes int64
	// HistoryEvents bounds the length of the recorded history.
	HistoryEvents int
	// Memory bounds an estimate of the run's memory: write logs plus
	// history (HistoryEventBytes per event).
	Memory int64
}

// DefaultBudget fits the simulation of a run in about a gigabyte and some
// minutes of one core. A 24-hour run of the default config of lua or
// redlock fits: it records about 1.5 million history events (about 315
// bytes each once collected), sends 3.5 (lua) or 21 (redlock) million Redis
// commands, and its compacted write logs stay under 2 MB.
var DefaultBudget = Budget{
	Events:        2_000_000_000,
	RedisCommands: 200_000_000,
	LogBytes:      256 << 20,
	HistoryEvents: 2_500_000,
	Memory:        1 << 30,
}

// HistoryEventBytes is the memory estimate of one history event: the
// event and its strings (about 315 bytes measured) with some headroom.
const HistoryEventBytes = 400

// ErrBudget is wrapped by the error of a config that could never fit the
// budget, and names the measure in a run stopped by it.
var ErrBudget = errors.New("budget exceeded")

// NameBudget is the check record a run stopped by its budget carries: its
// verdict is model.Unknown, its explanation "budget exceeded: ...".
const NameBudget = "budget"

// BudgetExceeded returns the reason res was stopped by its budget, if it
// was.
func (res *Result) BudgetExceeded() (string, bool) {
	c, ok := res.Check(NameBudget)
	if !ok || c.Verdict != model.Unknown {
		return "", false
	}
	return c.Explanation, true
}

// budgetCheck is the record of a run stopped by its budget.
func budgetCheck(reason string) model.Result {
	return model.Result{Check: NameBudget, Verdict: model.Unknown, Explanation: fmt.Sprintf("%v: %s", ErrBudget, reason)}
}

// Estimate is what a run of a config is expected to consume, from the
// config alone: the lock serializes the clients' critical sections, each
// lasting at least pace, the mean work and four round trips; the other
// clients give up an acquire every acquire timeout; a waiting client
// retries at least every retryGap on each node.
type Estimate struct {
	Operations    uint64
	HistoryEvents uint64
	RedisCommands uint64
}

// Round-trip floor and retry gap used by the estimate (a link's latency is
// at least 1ms each way; the locks back off to at most 200ms).
const (
	minCycleTrips = 8 * time.Millisecond
	retryGap      = 200 * time.Millisecond
)

// Estimate returns what a run of c (with defaults, validated) is expected
// to consume; it saturates instead of overflowing.
func (c Config) Estimate() Estimate {
	h, ok := c.horizon()
	if !ok {
		h = MaxHorizon
	}
	cycle := c.Pace.D() + (c.WorkMin.D()+c.WorkMax.D())/2 + minCycleTrips
	cycles := uint64(h/cycle) + uint64(c.Clients)*uint64(h/c.AcquireTimeout.D())
	gap := retryGap
	if c.RetryDelay > 0 {
		gap = min(gap, c.RetryDelay.D())
	}
	nodes := uint64(max(c.Nodes, 1))
	perCycle := uint64(4)
	if c.ExtendEvery > 0 {
		perCycle += uint64(c.WorkMax.D() / c.ExtendEvery.D()) // one extend per step of work
	}
	e := Estimate{Operations: perCycle * cycles}
	e.HistoryEvents = e.Operations * 5 / 2 // invoke and completion, plus storage accesses
	e.RedisCommands = nodes*uint64(c.Clients)*uint64(h/gap) + 4*nodes*cycles
	return e
}

// Fits reports, as an error wrapping ErrBudget and ErrBadConfig naming the
// flags that decide it, a config whose estimate exceeds b: it could never
// run within it.
func (b Budget) Fits(c Config) error {
	e := c.Estimate()
	over := func(what string, est, limit uint64) error {
		return fmt.Errorf("%w: duration: a run of %s with %d clients and a TTL of %s would make about %d %s, more than the budget of %d (%w)",
			ErrBadConfig, c.Duration, c.Clients, c.TTL, est, what, limit, ErrBudget)
	}
	switch {
	case b.HistoryEvents > 0 && e.HistoryEvents > uint64(b.HistoryEvents):
		return over("history events", e.HistoryEvents, uint64(b.HistoryEvents))
	case b.RedisCommands > 0 && e.RedisCommands > b.RedisCommands:
		return over("Redis commands", e.RedisCommands, b.RedisCommands)
	case b.Memory > 0 && e.HistoryEvents*HistoryEventBytes > uint64(b.Memory):
		return over("bytes of history", e.HistoryEvents*HistoryEventBytes, uint64(b.Memory))
	}
	return nil
}

// exceeded reports the first measure of r over b ("" if none).
func (b Budget) exceeded(r *run) string {
	st := r.w.Stats()
	var logBytes int64
	for _, rn := range r.redis {
		logBytes += rn.LogBytes()
	}
	hist := r.rec.len()
	switch {
	case b.Events > 0 && st.Timers+st.Picks > b.Events:
		return fmt.Sprintf("%d scheduler events by %s of simulated time, more than %d", st.Timers+st.Picks, r.w.Elapsed(), b.Events)
	case b.RedisCommands > 0 && st.Requests > b.RedisCommands:
		return fmt.Sprintf("%d Redis commands by %s of simulated time, more than %d", st.Requests, r.w.Elapsed(), b.RedisCommands)
	case b.LogBytes > 0 && logBytes > b.LogBytes:
		return fmt.Sprintf("%d bytes of Redis write logs by %s of simulated time, more than %d", logBytes, r.w.Elapsed(), b.LogBytes)
	case b.HistoryEvents > 0 && hist > b.HistoryEvents:
		return fmt.Sprintf("%d history events by %s of simulated time, more than %d", hist, r.w.Elapsed(), b.HistoryEvents)
	case b.Memory > 0 && logBytes+int64(hist)*HistoryEventBytes > b.Memory:
		return fmt.Sprintf("an estimated %d bytes of memory by %s of simulated time, more than %d", logBytes+int64(hist)*HistoryEventBytes, r.w.Elapsed(), b.Memory)
	}
	return ""
}

// overBudget is the checks of a run stopped by its budget: a violation
// found in the history so far stands (it happened), but no progress in a
// run cut short proves nothing, so liveness becomes unknown; and the budget
// record says why the run is undecided.
func overBudget(checks []model.Result, why string) []model.Result {
	for i, c := range checks {
		if c.Check == model.NameLiveness && c.Verdict == model.Violation {
			checks[i] = model.Result{Check: c.Check, Verdict: model.Unknown, Explanation: "the run was stopped by its budget before it could show progress"}
		}
	}
	return append(checks, budgetCheck(why))
}
