package faults

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Random schedules put clock faults on the clients too (issue 11): a
// client's clocks decide the validity its lock computes, so drifting or
// stepping them is how random runs find the client-clock bugs. Over 200
// seeds each of these targets must come up.
func TestRandomDrawsClientClockFaults(t *testing.T) {
	seen := map[string]int{}
	for seed := uint64(1); seed <= 200; seed++ {
		for _, f := range Random(seeded(seed), Topology{Clients: 5, Redis: 5}, time.Minute, 2*time.Second).Faults {
			client := strings.HasPrefix(f.Node, "client-")
			switch {
			case f.Kind == ClockDrift && client:
				seen["client drift"]++
			case f.Kind == ClockStep && client:
				seen["client step"]++
			case f.Kind == ClockStep && f.Node == Holder && f.When != nil:
				seen["holder step at a seam"]++
			case (f.Kind == ClockDrift || f.Kind == ClockStep) && strings.HasPrefix(f.Node, "redis-"):
				seen["redis clock"]++
			}
		}
	}
	for _, k := range []string{"client drift", "client step", "holder step at a seam", "redis clock"} {
		assert.Positivef(t, seen[k], "no %s in 200 random schedules: %v", k, seen)
	}
}
