package faults

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hand-written example of seam triggers parses into the triggers it
// spells, reads as English, and survives a round trip.
func TestSeamTriggerJSON(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "seam-trigger.json"))
	require.NoError(t, err)
	s, err := Parse(data)
	require.NoError(t, err)
	require.NoError(t, Validate(s, Topology{Clients: 2, Redis: 3}))
	want := Schedule{Faults: []Fault{
		{Kind: Pause, When: &Trigger{Op: OpAcquire, Phase: PhaseInvoke, Client: 1, Seam: SeamNow, Call: 2}, Node: Holder, For: 4 * time.Second},
		{Kind: Crash, When: &Trigger{Op: OpRelease, Phase: PhaseInvoke, Seam: SeamDoSent}, Node: Holder, For: time.Second},
		{Kind: ClockStep, When: &Trigger{Op: OpAcquire, Phase: PhaseInvoke, Client: 2, Occurrence: 3, Seam: SeamDoReplied, Call: 1, Until: 20 * time.Second}, Node: "client-2", Step: -time.Second},
	}}
	assert.Equal(t, want, s)
	assert.Equal(t, []string{
		"the 2nd now of client-1 after its 1st acquire is sent",
		"the 1st do-sent of the client after the 1st release of any client is sent",
		"the 1st do-replied of client-2 after its 3rd acquire is sent (before 20s)",
	}, []string{s.Faults[0].When.String(), s.Faults[1].When.String(), s.Faults[2].When.String()})

	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"seam":"now","call":2`)
	back, err := Parse(b)
	require.NoError(t, err)
	assert.Equal(t, s, back)

	plain, err := json.Marshal(Trigger{Op: OpRead, Phase: PhaseOK}.String())
	require.NoError(t, err)
	assert.NotContains(t, string(plain), "seam", "a plain trigger reads as before")
}

func TestSeamTriggerValidation(t *testing.T) {
	topo := Topology{Clients: 2, Redis: 3}
	pause := func(tr Trigger) Schedule {
		return Schedule{Faults: []Fault{{Kind: Pause, Node: Holder, For: time.Second, When: &tr}}}
	}
	acq := Trigger{Op: OpAcquire, Phase: PhaseInvoke}
	with := func(edit func(tr *Trigger)) Trigger { tr := acq; edit(&tr); return tr }
	cases := []struct {
		name string
		tr   Trigger
		want string
	}{
		{"every seam", with(func(tr *Trigger) { tr.Seam = SeamMutexLock; tr.Call = 3 }), ""},
		{"call 0 means 1", with(func(tr *Trigger) { tr.Seam = SeamWait }), ""},
		{"unknown seam", with(func(tr *Trigger) { tr.Seam = "nap" }),
			`faults[0].when.seam: unknown seam call "nap" (want now, sleep, do-sent, do-replied, go, wait or mutex-lock)`},
		{"call without seam", with(func(tr *Trigger) { tr.Call = 2 }),
			`faults[0].when.call: needs seam, the kind of call to count (want now, sleep, do-sent, do-replied, go, wait or mutex-lock)`},
		{"negative call", with(func(tr *Trigger) { tr.Seam = SeamNow; tr.Call = -1 }),
			`faults[0].when.call: must not be negative (0 means the first call)`},
		{"after with seam", with(func(tr *Trigger) { tr.Seam = SeamNow; tr.After = time.Millisecond }),
			`faults[0].when.after: cannot be used with seam (the fault fires at the call itself)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := pause(c.tr)
			for _, err := range []error{Validate(s, topo), validate(s, nil)} {
				if c.want == "" {
					require.NoError(t, err)
					continue
				}
				require.Error(t, err)
				assert.Equal(t, c.want, err.Error())
			}
			b, err := json.Marshal(s)
			require.NoError(t, err)
			_, err = Parse(b)
			if c.want == "" {
				require.NoError(t, err)
			} else {
				require.EqualError(t, err, c.want, "Parse checks it too")
			}
		})
	}
	for _, seam := range Seams {
		require.NoError(t, Validate(pause(with(func(tr *Trigger) { tr.Seam = seam })), topo), seam)
	}
}

// Random aims some pauses, crashes and clock steps at a client's seam
// calls inside Lock and Unlock: on acquire or release invokes, at one of
// the first few calls, acquires more often, every kind of call drawn.
func TestRandomDrawsSeamTriggers(t *testing.T) {
	topo := Topology{Clients: 3, Redis: 5}
	perKind := map[Kind]int{}
	perSeam := map[Seam]int{}
	perOp := map[Op]int{}
	timed := 0
	for seed := range uint64(400) {
		s := Random(seeded(seed), topo, time.Minute, 2*time.Second)
		for _, f := range s.Faults {
			if f.When == nil {
				timed++
				continue
			}
			if f.When.Seam == "" {
				continue
			}
			tr := f.When
			perKind[f.Kind]++
			perSeam[tr.Seam]++
			perOp[tr.Op]++
			assert.Equal(t, PhaseInvoke, tr.Phase)
			assert.Equal(t, Holder, f.Node)
			assert.Zero(t, tr.After)
			assert.GreaterOrEqual(t, tr.Call, 1)
			assert.LessOrEqual(t, tr.Call, 3, "small k: inside the lock's call")
		}
	}
	for _, k := range []Kind{Pause, Crash, ClockStep} {
		assert.Greater(t, perKind[k], 20, "seam-aimed %s", k)
	}
	for _, seam := range Seams {
		assert.Greater(t, perSeam[seam], 5, "seam %s", seam)
	}
	assert.Greater(t, perOp[OpAcquire], 2*perOp[OpRelease], "weighted toward acquires")
	assert.Greater(t, perOp[OpRelease], 10)
	assert.Greater(t, timed, 10*len(perKind)*20, "timed faults stay the bulk")
}
