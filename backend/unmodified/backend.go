package unmodified

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/scenario"
	"github.com/locksim/locksim/sim"
)

// ErrNoBubble is returned by a run of an unmodified lock outside any
// bubble runner: from go test use Check (or NewBackend(t)); a command
// wraps its main in Main.
var ErrNoBubble = errors.New("unmodified: no synctest bubble: run from a test with unmodified.Check or NewBackend(t), or wrap main in unmodified.Main")

// Backend runs Worlds inside testing/synctest bubbles, one bubble per run,
// with the unmodified libraries' goroutines beside the World (see hub). It
// implements scenario.Backend.
type Backend struct {
	t      *testing.T // nil: the process's runner (Main)
	before func()     // runs before each run, outside its bubble (Check)
	// reorder, a test hook, perturbs the order in which each quiescent
	// point's foreign items are delivered.
	reorder func([]item)
}

var _ scenario.Backend = (*Backend)(nil)

// NewBackend returns a backend whose bubbles are subtests of t
// (synctest.Test(t, ...)): for go test.
func NewBackend(t *testing.T) *Backend { return &Backend{t: t} }

// processBackend is the backend of the registered rows: its bubbles come
// from the runner Main installs.
var processBackend = &Backend{}

var (
	runnerMu sync.Mutex
	runner   func(f func()) // runs f in a fresh bubble (Main)
)

// Refuse names the first fault of cfg an unmodified library cannot be
// given: a clock fault on a client, or a fault triggered at a seam call.
// Every goroutine of a bubble reads one time.Now, so a client's clock
// cannot drift or step on its own; Redis nodes' clocks are the simulator's
// and can. A seam trigger counts the lock's own calls into locksim's
// runtime, and a library makes none: it would fire at some later call of
// the workload instead of inside the library, so the cell would measure
// something else than it claims.
func (b *Backend) Refuse(cfg scenario.Config) error {
	for i, f := range cfg.Faults.Faults {
		if f.When != nil && f.When.Seam != "" {
			return fmt.Errorf("faults[%d]: a %s triggered at a %s seam call cannot be given to unmodified code, which makes no calls into locksim's runtime (trigger it at a history event or a time instead)", i, f.Kind, f.When.Seam)
		}
		if f.Kind != faults.ClockDrift && f.Kind != faults.ClockStep {
			continue
		}
		if f.Node == faults.Holder || strings.HasPrefix(f.Node, "client-") {
			return fmt.Errorf("faults[%d]: a %s on %s, a client, cannot be given to unmodified code, whose goroutines all read the one clock of their synctest bubble (clock faults on Redis nodes can)", i, f.Kind, f.Node)
		}
	}
	return nil
}

// Execute runs run in a fresh bubble with the hub's idle hook, and closes
// the foreign side once the World is done; the bubble then waits for every
// foreign goroutine to end. A panic in the bubble is raised again on the
// caller's goroutine.
func (b *Backend) Execute(run func(opts ...sim.Option)) error {
	var panicked any
	body := func() {
		defer func() {
			if p := recover(); p != nil {
				// Keep the bubble's stack: raised again on the caller's
				// goroutine, the panic would otherwise point at Execute.
				panicked = fmt.Sprintf("%v\n\nin the bubble:\n%s", p, debug.Stack())
			}
		}()
		h := newHub()
		h.reorder = b.reorder
		defer h.close()
		defer func() {
			if h.w != nil {
				hubs.Delete(h.w)
			}
		}()
		run(sim.WithIdleHook(h.hook()), func(w *sim.World) {
			h.w = w
			hubs.Store(w, h)
		})
	}
	if b.before != nil {
		b.before()
	}
	if b.t != nil {
		synctest.Test(b.t, func(*testing.T) { body() })
	} else {
		runnerMu.Lock()
		r := runner
		runnerMu.Unlock()
		if r == nil {
			return ErrNoBubble
		}
		r(body)
	}
	if panicked != nil {
		panic(panicked)
	}
	return nil
}

// hubs maps a running World to its hub, for the lock constructors, which
// get the World from their Runtime. Nothing iterates it.
var hubs sync.Map

func hubOf(w *sim.World) (*hub, error) {
	v, ok := hubs.Load(w)
	if !ok {
		return nil, errors.New("unmodified: the lock's World does not run on the unmodified backend (set scenario.Options.Backend)")
	}
	return v.(*hub), nil
}
