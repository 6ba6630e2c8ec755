package model

import (
	"context"

	"github.com/anishathalye/porcupine"
)

// DefaultSearchBudget is the number of model steps a linearizability check
// may take, over all its keys, when Options.SearchBudget is zero. The
// longest search of the named scenarios (20 seeds each) took 51,580 steps;
// a redlock history of 222 operations under random faults needs more than
// a million. A step took about a microsecond on a 2-core machine, so the
// default bounds a search to a few seconds there; what is beyond it is
// Unknown on every machine.
const DefaultSearchBudget = 2_000_000

// stepBudget counts the model steps of porcupine searches: a budget that,
// unlike a wall-clock timeout, gives the same verdict on any machine. A
// search's steps are the same on every machine because porcupine searches
// a history without Partition in one goroutine, depth first, in an order
// fixed by the history; the models here define no Partition.
type stepBudget struct {
	left int64 // steps still allowed
	// exhausted records that some step was refused.
	exhausted bool
	// slow, if set, runs before each step (Options.onStep): a test's
	// stand-in for a slow machine, or its step counter.
	slow func()
}

func newStepBudget(opts Options) *stepBudget {
	return &stepBudget{left: opts.searchBudget(), slow: opts.onStep}
}

// wrap returns m, whose steps draw on b. Once b is spent every step is
// refused: the search then fails fast (porcupine offers no way to stop it
// but time) and the caller, seeing b.exhausted, reports Unknown instead of
// the Illegal porcupine returns.
func (b *stepBudget) wrap(m porcupine.Model) porcupine.Model {
	if m.Partition != nil || m.PartitionEvent != nil {
		panic("model: a step budget needs a model without partitions (they are searched in parallel)")
	}
	step := m.StepContext
	if step == nil {
		plain := m.Step
		step = func(_ context.Context, s, in, out any) (bool, any) { return plain(s, in, out) }
	}
	m.Step = nil
	m.StepContext = func(ctx context.Context, s, in, out any) (bool, any) {
		if b.slow != nil {
			b.slow()
		}
		if b.left <= 0 {
			b.exhausted = true
			return false, s
		}
		b.left--
		return step(ctx, s, in, out)
	}
	return m
}

// searchCacheBytes bounds the memory of one porcupine search. Porcupine
// remembers every (linearized set, state) pair it reaches, each with a
// bitset of one bit per operation, so a search of n operations may take at
// most memorySteps(n) steps: a long history (a 24-hour run has over a
// hundred thousand critical sections) is searched for fewer steps, or not
// at all when it could not even be linearized once, and is Unknown; its
// memory never runs away. Like the step budget, the bound counts, never
// times, so the verdict is the same on any machine.
const searchCacheBytes = 256 << 20

// memorySteps is the number of steps a search of n operations may take
// within searchCacheBytes: one remembered pair per step, each a bitset of
// n bits plus about 64 bytes of bookkeeping.
func memorySteps(n int) int64 {
	return searchCacheBytes / (int64(n)/8 + 64)
}
