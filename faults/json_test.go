package faults

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/internal/golden"
)

// everyKind holds one fault of each kind and each optional field.
func everyKind() Schedule {
	return Schedule{Faults: []Fault{
		{Kind: Pause, When: &Trigger{Op: OpAcquire, Phase: PhaseOK, Client: 2, Occurrence: 1, After: 10 * time.Millisecond}, Node: Holder, For: 5 * time.Second},
		{Kind: Pause, When: &Trigger{Op: OpWrite, Phase: PhaseInvoke, Until: 30 * time.Second}, Node: "client-1", For: 1500 * time.Millisecond},
		{Kind: Crash, At: time.Second, Node: "redis-2", For: 3 * time.Second, Persistence: PersistEverysec},
		{Kind: Crash, At: 2 * time.Second, Node: "client-3"},
		{Kind: Restart, At: 4 * time.Second, Node: "client-3"},
		{Kind: Partition, At: 5 * time.Second, A: []string{"redis-1"}, B: []string{"client-1", "client-2"}, For: 5 * time.Second},
		{Kind: Partition, At: 6 * time.Second, A: []string{"redis-1", "redis-2"}, B: []string{"*"}, OneWay: true},
		{Kind: Heal, At: 12 * time.Second},
		{Kind: Loss, At: 13 * time.Second, Rate: 0.25, For: time.Second},
		{Kind: Loss, At: 13 * time.Second, Rate: 1, From: "client-1", To: "redis-*", For: time.Second},
		{Kind: Delay, At: 14 * time.Second, From: "redis-3", To: "client-2", Delay: 2500 * time.Millisecond, For: 2 * time.Second},
		{Kind: ClockDrift, At: 0, Node: "redis-3", Rate: 0.05, For: 20 * time.Second},
		{Kind: ClockStep, At: 16 * time.Second, Node: "redis-1", Step: -2 * time.Second},
		{Kind: Restart, At: 17 * time.Second, Node: "redis-*", Persistence: PersistNone},
		{Kind: Pause, When: &Trigger{Op: OpAcquire, Phase: PhaseInvoke, Client: 1, Seam: SeamNow, Call: 2}, Node: Holder, For: 4 * time.Second},
	}}
}

func marshal(t *testing.T, s Schedule) []byte {
	t.Helper()
	b, err := json.MarshalIndent(s, "", "  ")
	require.NoError(t, err)
	return append(b, '\n')
}

func TestJSONGolden(t *testing.T) {
	s := everyKind()
	require.NoError(t, Validate(s, Topology{Clients: 3, Redis: 3}))
	golden.Check(t, "every-kind.json", marshal(t, s))

	data, err := os.ReadFile(filepath.Join("testdata", "every-kind.json"))
	require.NoError(t, err)
	back, err := Parse(data)
	require.NoError(t, err)
	assert.Equal(t, s, back)
	assert.Equal(t, string(data), string(marshal(t, back)), "marshal(parse(golden)) is the golden file")
}

func TestJSONHandWritten(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "hand-written.json"))
	require.NoError(t, err)
	s, err := Parse(data)
	require.NoError(t, err)
	require.NoError(t, Validate(s, Topology{Clients: 2, Redis: 5}))
	want := Schedule{Faults: []Fault{
		{Kind: Pause, When: &Trigger{Op: OpAcquire, Phase: PhaseOK}, Node: Holder, For: 20 * time.Second},
		{Kind: Partition, At: 2 * time.Second, A: []string{"redis-1"}, B: []string{"*"}, For: 5 * time.Second},
		{Kind: ClockDrift, At: 0, Node: "redis-*", Rate: 200e-6},
	}}
	assert.Equal(t, want, s)
	golden.Check(t, "hand-written.canonical.json", marshal(t, s))
}

func TestJSONRandomGolden(t *testing.T) {
	// Pins the generator: a change of Random changes every seed's schedule.
	s := Random(rand.New(rand.NewPCG(1, 2)), Topology{Clients: 3, Redis: 5}, time.Minute, 2*time.Second)
	golden.Check(t, "random-seed-1-2.json", marshal(t, s))
}

func TestJSONRoundTripEmpty(t *testing.T) {
	b, err := json.Marshal(Schedule{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"faults":[]}`, string(b))
	for _, in := range []string{`{"faults":[]}`, `{}`, `null`} {
		s, err := Parse([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, 0, s.Len(), in)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{``, `schedule: invalid JSON at byte 0: unexpected end of JSON input`},
		{`{"faults":[}`, `schedule: invalid JSON at byte 12: invalid character '}' looking for beginning of value`},
		{`[]`, `schedule: must be a JSON object, not an array`},
		{`{"fault":[]}`, `fault: unknown field`},
		{`{"faults":{}}`, `faults: must be a list of node names, not an object`},
		{`{"faults":[{"kind":"pause","at":"1s","node":"client-1","fro":"1s"}]}`, `faults[0].fro: unknown field`},
		{`{"faults":[{"kind":"pause","at":"1x","node":"client-1","for":"1s"}]}`, `faults[0].at: invalid duration "1x" (want a Go duration such as "1.5s")`},
		{`{"faults":[{"kind":"pause","at":"1s","node":"client-1","for":5}]}`, `faults[0].for: must be a string, not a number`},
		{`{"faults":[{"kind":"pause","at":"1s","node":"client-1","for":"0s"}]}`, `faults[0].for: must be positive (a pause always ends)`},
		{`{"faults":[{"kind":"pause","at":"1s","when":{"op":"acquire","phase":"ok"},"node":"client-1","for":"1s"}]}`, `faults[0].at: cannot be used with when`},
		{`{"faults":[{"kind":"pause","when":{"op":"acquire","phase":"ok","client":"2"},"node":"client-1","for":"1s"}]}`, `faults[0].when.client: must be an integer, not a string`},
		{`{"faults":[{"kind":"pause","when":{"op":"acquire","phase":"ok","after":"soon"},"node":"client-1","for":"1s"}]}`, `faults[0].when.after: invalid duration "soon" (want a Go duration such as "1.5s")`},
		{`{"faults":[{"kind":"clock-drift","at":"0s","node":"redis-1","rate":0.1,"ppm":100}]}`, `faults[0].ppm: cannot be used with rate`},
		{`{"faults":[{"kind":"clock-drift","at":"0s","node":"redis-1","ppm":1000000}]}`, `faults[0].ppm: must be between -1000000 and 1000000, not 1e+06`},
		{`{"faults":[{"kind":"loss","at":"0s","ppm":100}]}`, `faults[0].ppm: not used by loss`},
		{`{"faults":[{"kind":"partition","at":"0s","a":"redis-1","b":["*"]}]}`, `faults[0].a: must be a list of node names, not a string`},
		{`{"faults":[{"kind":"crash","at":"0s","node":"redis-1"}]} {}`, `schedule: invalid JSON at byte 58: invalid character '{' after top-level value`},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.in))
		if assert.Error(t, err, c.in) {
			assert.Equal(t, c.want, err.Error(), c.in)
			var fe *FieldError
			assert.ErrorAs(t, err, &fe)
		}
	}
}
