package faults

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestString(t *testing.T) {
	assert.Equal(t, "no faults", Schedule{}.String())
	want := `15 faults:
  1. when the 1st acquire of client-2 returns ok, +10ms: pause holder for 5s
  2. when the 1st write of any client is sent (before 30s): pause client-1 for 1.5s
  3. at 1s: crash redis-2, restart after 3s (persistence everysec)
  4. at 2s: crash client-3 (no restart)
  5. at 4s: restart client-3
  6. at 5s: partition [redis-1] | [client-1 client-2] for 5s
  7. at 6s: partition [redis-1 redis-2] -/-> [*] until healed
  8. at 12s: heal the network
  9. at 13s: lose 25% of messages on every link for 1s
  10. at 13s: lose 100% of messages client-1 -> redis-* for 1s
  11. at 14s: delay messages redis-3 -> client-2 by 2.5s for 2s
  12. at 0s: clock of redis-3 runs 5% fast for 20s
  13. at 16s: step the wall clock of redis-1 by -2s
  14. at 17s: restart redis-* (persistence none)
  15. when the 2nd now of client-1 after its 1st acquire is sent: pause holder for 4s`
	assert.Equal(t, want, everyKind().String())
	assert.Equal(t, "the 2nd release of client-1 returns ok", Trigger{Op: OpRelease, Phase: PhaseOK, Client: 1, Occurrence: 2}.String())
	assert.Equal(t, "at 0s: clock of redis-1 runs 200 ppm slow for ever", Fault{Kind: ClockDrift, Node: "redis-1", Rate: -200e-6}.String())
	assert.Equal(t, "11th", ordinal(11))
	assert.Equal(t, "23rd", ordinal(23))
}

func TestLastHeal(t *testing.T) {
	s := time.Second
	pause := func(at, d time.Duration) Fault { return Fault{Kind: Pause, At: at, Node: "client-1", For: d} }
	cases := []struct {
		name  string
		s     Schedule
		fired []time.Duration
		want  time.Duration
	}{
		{"empty", Schedule{}, nil, 0},
		{"timed", Schedule{Faults: []Fault{pause(s, 2*s), pause(4*s, s)}}, nil, 5 * s},
		{"step", Schedule{Faults: []Fault{{Kind: ClockStep, At: 7 * s, Node: "redis-1", Step: -s}}}, nil, 7 * s},
		{"crash for ever", Schedule{Faults: []Fault{{Kind: Crash, At: s, Node: "redis-1"}}}, nil, Never},
		{"crash restarted", Schedule{Faults: []Fault{{Kind: Crash, At: s, Node: "redis-1"}, {Kind: Restart, At: 9 * s, Node: "redis-*"}}}, nil, 9 * s},
		{"restart before crash", Schedule{Faults: []Fault{{Kind: Restart, At: s, Node: "redis-1"}, {Kind: Crash, At: 2 * s, Node: "redis-1"}}}, nil, Never},
		{"restart of another node", Schedule{Faults: []Fault{{Kind: Crash, At: s, Node: "redis-1"}, {Kind: Restart, At: 9 * s, Node: "redis-2"}}}, nil, Never},
		{"partition healed", Schedule{Faults: []Fault{Isolate("redis-1", s, 0), {Kind: Heal, At: 3 * s}, {Kind: Heal, At: 6 * s}}}, nil, 6 * s},
		{"heal at the same time, after", Schedule{Faults: []Fault{Isolate("redis-1", s, 0), {Kind: Heal, At: s}}}, nil, s},
		{"heal at the same time, before", Schedule{Faults: []Fault{{Kind: Heal, At: s}, Isolate("redis-1", s, 0)}}, nil, Never},
		{"drift for ever", Schedule{Faults: []Fault{{Kind: ClockDrift, Node: "redis-1", Rate: 0.01}}}, nil, Never},
		{"trigger unbounded", Schedule{Faults: []Fault{pause(0, s).On(Trigger{Op: OpAcquire, Phase: PhaseOK})}}, nil, Never},
		{"trigger until", Schedule{Faults: []Fault{pause(0, s).On(Trigger{Op: OpAcquire, Phase: PhaseOK, After: s, Until: 5 * s})}}, nil, 7 * s},
		{"trigger fired", Schedule{Faults: []Fault{pause(0, s).On(Trigger{Op: OpAcquire, Phase: PhaseOK, After: s}), pause(s, s)}}, []time.Duration{3 * s, 0}, 5 * s},
		{"trigger never fired", Schedule{Faults: []Fault{pause(0, s).On(Trigger{Op: OpAcquire, Phase: PhaseOK}), pause(s, s)}}, []time.Duration{-1, 0}, 2 * s},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.fired == nil {
				assert.Equal(t, c.want, LastHeal(c.s))
			} else {
				assert.Equal(t, c.want, LastHealFired(c.s, c.fired))
			}
		})
	}
}

func TestWithoutAndClone(t *testing.T) {
	s := everyKind()
	w := s.Without(0)
	assert.Equal(t, s.Len()-1, w.Len())
	assert.Equal(t, s.Faults[1:], w.Faults)
	c := s.Clone()
	c.Faults[5].A[0] = "redis-3"
	c.Faults[0].When.Client = 1
	assert.Equal(t, "redis-1", s.Faults[5].A[0])
	assert.Equal(t, 2, s.Faults[0].When.Client)
	assert.Nil(t, Schedule{Faults: []Fault{{Kind: Heal}}}.Without(0).Faults)
}
