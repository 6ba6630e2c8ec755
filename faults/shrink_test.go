package faults

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func checkCandidates(t require.TestingT, s Schedule, topo Topology) {
	before := s.Clone()
	cands := s.Shrink()
	require.GreaterOrEqual(t, len(cands), s.Len())
	for i, c := range cands {
		require.True(t, c.Smaller(s), "candidate %d is not smaller:\n%s\nthan\n%s", i, c, s)
		require.False(t, s.Smaller(c))
		require.NoError(t, Validate(c, topo), "candidate %d of\n%s", i, s)
		if LastHeal(s) != Never {
			require.LessOrEqual(t, LastHeal(c), LastHeal(s), "candidate %d:\n%s", i, c)
		}
		for j := range c.Faults { // scribble: s must not change
			c.Faults[j].Node = "x"
			c.Faults[j].A = append(c.Faults[j].A[:0:0], "x")
			if c.Faults[j].When != nil {
				c.Faults[j].When.Client = 99
			}
		}
	}
	require.Equal(t, before, s, "Shrink does not touch s")
}

func TestShrinkEveryKind(t *testing.T) {
	s := everyKind()
	s.Faults[1].When.Occurrence = 5
	s.Faults[5].A = []string{"redis-1", "redis-3"}
	checkCandidates(t, s, Topology{Clients: 3, Redis: 3})
	assert.Empty(t, Schedule{}.Shrink())

	// B may not lose client-1: redis-1 alone is taken out of B by a's pattern.
	p := Schedule{Faults: []Fault{{Kind: Partition, A: []string{"redis-*"}, B: []string{"redis-1", "client-1"}, For: time.Second}}}
	checkCandidates(t, p, Topology{Clients: 1, Redis: 2})
}

func TestShrinkCandidatesProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := GenKinds(genTopo, genHorizon, genTTL).Draw(rt, "schedule")
		checkCandidates(rt, s, genTopo)
	})
}

func TestShrinkRandom(t *testing.T) {
	topo := Topology{Clients: 3, Redis: 5}
	for seed := range uint64(100) {
		checkCandidates(t, Random(seeded(seed), topo, time.Minute, time.Second), topo)
	}
}

func TestShrinkTerminates(t *testing.T) {
	// Always taking the last candidate (the smallest step) still ends.
	s := Random(seeded(7), Topology{Clients: 3, Redis: 5}, time.Minute, time.Second)
	require.NotZero(t, s.Len())
	for steps := 0; ; steps++ {
		require.Less(t, steps, 100000)
		c := s.Shrink()
		if len(c) == 0 {
			break
		}
		s = c[len(c)-1]
	}
	assert.Equal(t, 0, s.Len())
}

// A seam trigger shrinks to an earlier call and to a plain trigger on its
// event.
func TestShrinkSeamTrigger(t *testing.T) {
	tr := &Trigger{Op: OpAcquire, Phase: PhaseInvoke, Client: 1, Seam: SeamDoReplied, Call: 4}
	s := Schedule{Faults: []Fault{{Kind: Pause, Node: Holder, For: time.Second, When: tr}}}
	checkCandidates(t, s, Topology{Clients: 2, Redis: 3})
	var whens []Trigger
	for _, c := range s.Shrink() {
		if c.Len() == 1 && c.Faults[0].For == time.Second {
			whens = append(whens, *c.Faults[0].When)
		}
	}
	assert.Equal(t, []Trigger{
		{Op: OpAcquire, Phase: PhaseInvoke, Client: 1},
		{Op: OpAcquire, Phase: PhaseInvoke, Client: 1, Seam: SeamDoReplied, Call: 2},
	}, whens)
	plain := Schedule{Faults: []Fault{{Kind: Pause, Node: Holder, For: time.Second, When: &Trigger{Op: OpAcquire, Phase: PhaseInvoke, Client: 1}}}}
	assert.True(t, plain.Smaller(s), "a plain trigger is smaller than a seam one")
	assert.False(t, s.Smaller(plain))
}
