package unmodified

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/scenario"
)

// TestRefuseNamesWhatUnmodifiedCodeCannotTake: client clock faults and
// seam-call triggers are refused with a sentence naming the fault; faults
// the backend can give (Redis node clocks, pauses at history events) pass.
func TestRefuseNamesWhatUnmodifiedCodeCannotTake(t *testing.T) {
	acquired := &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseOK, Client: 1}
	cases := []struct {
		name  string
		fault faults.Fault
		want  string // "" means accepted
	}{
		{"client clock step", faults.Fault{Kind: faults.ClockStep, Node: faults.Holder, When: acquired, Step: -time.Second}, "faults[0]: a clock-step on holder, a client, cannot be given"},
		{"client drift", faults.Fault{Kind: faults.ClockDrift, Node: faults.ClientNode(2), Rate: 0.05}, "faults[0]: a clock-drift on client-2"},
		{"seam trigger", faults.Fault{Kind: faults.Pause, Node: faults.Holder, For: time.Second,
			When: &faults.Trigger{Op: faults.OpExtend, Phase: faults.PhaseInvoke, Client: 1, Seam: faults.SeamNow, Call: 2}},
			"faults[0]: a pause triggered at a now seam call cannot be given to unmodified code"},
		{"redis clock step", faults.Fault{Kind: faults.ClockStep, Node: faults.RedisNode(1), Step: time.Second}, ""},
		{"pause at an event", faults.Fault{Kind: faults.Pause, Node: faults.Holder, When: acquired, For: time.Second}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := scenario.Config{Faults: faults.Schedule{Faults: []faults.Fault{c.fault}}}
			err := (&Backend{}).Refuse(cfg)
			if c.want == "" {
				assert.NoError(t, err)
				return
			}
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), c.want)
			}
		})
	}
}
