package faults

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateEveryKind(t *testing.T) {
	require.NoError(t, Validate(everyKind(), Topology{Clients: 3, Redis: 3}))
	require.NoError(t, Validate(Schedule{}, Topology{}))
}

func TestValidateErrors(t *testing.T) {
	topo := Topology{Clients: 2, Redis: 3}
	at := func(f Fault) Fault { f.At = time.Second; return f }
	trig := &Trigger{Op: OpAcquire, Phase: PhaseOK}
	cases := []struct {
		name string
		f    Fault
		want string
	}{
		{"no kind", Fault{Node: "client-1"}, `faults[1].kind: missing (want one of pause, crash, restart, partition, heal, loss, delay, clock-drift, clock-step)`},
		{"bad kind", Fault{Kind: "explode"}, `faults[1].kind: unknown kind "explode" (want one of pause, crash, restart, partition, heal, loss, delay, clock-drift, clock-step)`},
		{"negative at", Fault{Kind: Heal, At: -time.Second}, `faults[1].at: must not be negative`},
		{"at with when", Fault{Kind: Heal, At: time.Second, When: trig}, `faults[1].at: cannot be used with when`},
		{"no op", Fault{Kind: Heal, When: &Trigger{Phase: PhaseOK}}, `faults[1].when.op: missing (want acquire, write, read, release or extend)`},
		{"bad op", Fault{Kind: Heal, When: &Trigger{Op: "lock", Phase: PhaseOK}}, `faults[1].when.op: unknown op "lock" (want acquire, write, read, release or extend)`},
		{"no phase", Fault{Kind: Heal, When: &Trigger{Op: OpRead}}, `faults[1].when.phase: missing (want invoke or ok)`},
		{"bad phase", Fault{Kind: Heal, When: &Trigger{Op: OpRead, Phase: "fail"}}, `faults[1].when.phase: unknown phase "fail" (want invoke or ok)`},
		{"negative client", Fault{Kind: Heal, When: &Trigger{Op: OpRead, Phase: PhaseOK, Client: -1}}, `faults[1].when.client: must not be negative (0 means any client)`},
		{"unknown client", Fault{Kind: Heal, When: &Trigger{Op: OpRead, Phase: PhaseOK, Client: 3}}, `faults[1].when.client: no client 3 in a run with 2`},
		{"negative occurrence", Fault{Kind: Heal, When: &Trigger{Op: OpRead, Phase: PhaseOK, Occurrence: -1}}, `faults[1].when.occurrence: must not be negative`},
		{"negative after", Fault{Kind: Heal, When: &Trigger{Op: OpRead, Phase: PhaseOK, After: -1}}, `faults[1].when.after: must not be negative`},
		{"negative until", Fault{Kind: Heal, When: &Trigger{Op: OpRead, Phase: PhaseOK, Until: -1}}, `faults[1].when.until: must not be negative`},
		{"unused field", at(Fault{Kind: Pause, Node: "client-1", For: time.Second, Rate: 0.5}), `faults[1].rate: not used by pause`},
		{"unused step", at(Fault{Kind: Heal, Step: time.Second}), `faults[1].step: not used by heal`},
		{"missing node", at(Fault{Kind: Pause, For: time.Second}), `faults[1].node: missing`},
		{"bad node", at(Fault{Kind: Pause, Node: "redis1", For: time.Second}), `faults[1].node: unknown node "redis1" (want e.g. client-1, redis-2, etcd-1, storage, redis-*, etcd-*, * or holder)`},
		{"unknown node", at(Fault{Kind: Pause, Node: "redis-9", For: time.Second}), `faults[1].node: unknown node "redis-9"`},
		{"leading zero", at(Fault{Kind: Pause, Node: "redis-01", For: time.Second}), `faults[1].node: unknown node "redis-01" (want e.g. client-1, redis-2, etcd-1, storage, redis-*, etcd-*, * or holder)`},
		{"holder untriggered", at(Fault{Kind: Pause, Node: Holder, For: time.Second}), `faults[1].node: "holder" needs a when trigger`},
		{"pause for 0", at(Fault{Kind: Pause, Node: "client-1"}), `faults[1].for: must be positive (a pause always ends)`},
		{"negative for", at(Fault{Kind: Crash, Node: "client-1", For: -time.Second}), `faults[1].for: must not be negative`},
		{"bad persistence", at(Fault{Kind: Crash, Node: "redis-1", Persistence: "aof"}), `faults[1].persistence: unknown mode "aof" (want none, everysec or always)`},
		{"client persistence", at(Fault{Kind: Restart, Node: "client-1", Persistence: PersistNone}), `faults[1].persistence: only for Redis nodes, not client-1`},
		{"no side a", at(Fault{Kind: Partition, B: []string{"*"}}), `faults[1].a: missing (want a list of nodes)`},
		{"no side b", at(Fault{Kind: Partition, A: []string{"redis-1"}}), `faults[1].b: missing (want a list of nodes)`},
		{"bad side node", at(Fault{Kind: Partition, A: []string{"redis-1"}, B: []string{"client-1", "redis-4"}}), `faults[1].b[1]: unknown node "redis-4"`},
		{"both sides", at(Fault{Kind: Partition, A: []string{"redis-1"}, B: []string{"redis-1"}}), `faults[1].b[0]: redis-1 is also in a`},
		{"empty b", at(Fault{Kind: Partition, A: []string{"*"}, B: []string{"redis-*"}}), `faults[1].b: no node left once the nodes of a are taken out`},
		{"no loss rate", at(Fault{Kind: Loss}), `faults[1].rate: missing (want a probability in (0, 1])`},
		{"loss rate too big", at(Fault{Kind: Loss, Rate: 1.5}), `faults[1].rate: must be in (0, 1], not 1.5`},
		{"loss half link", at(Fault{Kind: Loss, Rate: 0.5, From: "client-1"}), `faults[1].to: missing (from and to name the link)`},
		{"loss bad link", at(Fault{Kind: Loss, Rate: 0.5, From: "client-1", To: "client-7"}), `faults[1].to: unknown node "client-7"`},
		{"no delay", at(Fault{Kind: Delay, From: "client-1", To: "redis-1"}), `faults[1].delay: missing (want a positive duration)`},
		{"negative delay", at(Fault{Kind: Delay, From: "client-1", To: "redis-1", Delay: -1}), `faults[1].delay: must be positive`},
		{"delay no from", at(Fault{Kind: Delay, To: "redis-1", Delay: time.Second}), `faults[1].from: missing (from and to name the link)`},
		{"no drift", at(Fault{Kind: ClockDrift, Node: "redis-1"}), `faults[1].rate: missing (want a fraction such as 0.05, or ppm)`},
		{"drift too big", at(Fault{Kind: ClockDrift, Node: "redis-1", Rate: 5}), `faults[1].rate: must be between -1 and 1 (a fraction: 0.05 is 5% fast), not 5`},
		{"no step", at(Fault{Kind: ClockStep, Node: "redis-1"}), `faults[1].step: missing (want a non-zero duration, negative steps back)`},
		{"step for", at(Fault{Kind: ClockStep, Node: "redis-1", Step: time.Second, For: time.Second}), `faults[1].for: not used by clock-step`},
		{"pattern matches nothing", at(Fault{Kind: Pause, Node: "redis-*", For: time.Second}), ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Schedule{Faults: []Fault{{Kind: Heal}, c.f}}
			topo := topo
			if c.want == "" { // a pattern matching no node of a topology without Redis
				topo.Redis = 0
				c.want = `faults[1].node: "redis-*" matches no node`
			}
			err := Validate(s, topo)
			require.Error(t, err)
			assert.Equal(t, c.want, err.Error())
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.NotContains(t, fe.Msg, "\n")
		})
	}
}

func TestValidateTopology(t *testing.T) {
	assert.EqualError(t, Validate(Schedule{}, Topology{Clients: -1}), "topology.clients: must not be negative")
	assert.EqualError(t, Validate(Schedule{}, Topology{Redis: -1}), "topology.redis: must not be negative")
}

func TestExpandAndSides(t *testing.T) {
	topo := Topology{Clients: 2, Redis: 3}
	got, err := topo.Expand([]string{"redis-*", "client-2", "redis-1", Holder}, "client-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"client-1", "client-2", "redis-1", "redis-2", "redis-3"}, got)
	_, err = topo.Expand([]string{Holder}, "")
	assert.Error(t, err)
	a, b, err := topo.Sides(SplitRedis(topo, 0, time.Second), "")
	require.NoError(t, err)
	assert.Equal(t, []string{"redis-1"}, a)
	assert.Equal(t, []string{"client-1", "client-2", "redis-2", "redis-3", "storage"}, b)
	a, b, err = topo.Sides(Isolate("storage", 0, 0), "")
	require.NoError(t, err)
	assert.Equal(t, []string{"storage"}, a)
	assert.Equal(t, []string{"client-1", "client-2", "redis-1", "redis-2", "redis-3"}, b)
	assert.Equal(t, []string{"redis-1", "redis-2"}, SplitRedis(Topology{Redis: 5}, 0, 0).A)
	assert.True(t, topo.Has("storage"))
	assert.False(t, topo.Has("client-0"))
	assert.False(t, topo.Has("client-3"))
}

// TestValidateHorizon: a fault that starts after the run, lasts or delays
// more than MaxSpan, or steps a clock by more than MaxClockStep is refused naming
// the fault and field; one that starts at the end, or on a trigger, is not.
func TestValidateHorizon(t *testing.T) {
	end := time.Minute
	cases := []struct {
		f    Fault
		want string
	}{
		{Fault{Kind: Pause, At: end, Node: "client-1", For: time.Second}, ""},
		{Fault{Kind: Pause, At: end + 1, Node: "client-1", For: time.Second}, "faults[0].at: 1m0.000000001s is after the end of the run (1m0s)"},
		{Fault{Kind: Pause, At: 500 * time.Hour, Node: "client-1", For: time.Second}, "faults[0].at: 500h0m0s is after"},
		{Fault{Kind: Pause, When: &Trigger{Op: "acquire"}, Node: "client-1", For: time.Second}, ""},
		{Fault{Kind: Pause, At: time.Second, Node: "client-1", For: math.MaxInt64}, "faults[0].for: "},
		{Fault{Kind: Pause, At: time.Second, Node: "client-1", For: 2 * end}, ""},
		{Fault{Kind: Delay, At: time.Second, From: "client-1", To: "redis-1", Delay: MaxSpan + 1, For: time.Second}, "faults[0].delay: "},
		{Fault{Kind: ClockStep, At: time.Second, Node: "redis-1", Step: -MaxClockStep}, ""},
		{Fault{Kind: ClockStep, At: time.Second, Node: "redis-1", Step: -MaxClockStep - 1}, "faults[0].step: "},
	}
	for _, tc := range cases {
		err := ValidateHorizon(Schedule{Faults: []Fault{tc.f}}, end)
		if tc.want == "" {
			require.NoError(t, err, "%+v", tc.f)
			continue
		}
		var fe *FieldError
		require.ErrorAs(t, err, &fe, "%+v", tc.f)
		require.Contains(t, err.Error(), tc.want)
	}
}
