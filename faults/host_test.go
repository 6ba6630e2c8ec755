package faults

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A host crash is a crash with "host": true.
func TestHostCrashJSON(t *testing.T) {
	in := `{"faults": [{"kind": "crash", "at": "1s", "node": "redis-1", "for": "2s", "persistence": "everysec", "host": true}]}`
	s, err := Parse([]byte(in))
	require.NoError(t, err)
	require.Len(t, s.Faults, 1)
	f := s.Faults[0]
	assert.True(t, f.Host)
	assert.Equal(t, "at 1s: crash the host of redis-1, restart after 2s (persistence everysec)", f.String())
	out, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"host":true`)
	back, err := Parse(out)
	require.NoError(t, err)
	assert.Equal(t, s, back)

	plain := Fault{Kind: Crash, At: time.Second, Node: "redis-1"}
	out, err = json.Marshal(plain)
	require.NoError(t, err)
	assert.NotContains(t, string(out), "host", "a process crash writes no host field")
}

func TestHostOnlyOnCrash(t *testing.T) {
	_, err := Parse([]byte(`{"faults": [{"kind": "pause", "at": "1s", "node": "redis-1", "for": "1s", "host": true}]}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "faults[0].host: not used by pause")
}

// Shrinking tries the process crash in place of the host crash, and finds
// it smaller.
func TestShrinkHostCrash(t *testing.T) {
	s := Schedule{Faults: []Fault{{Kind: Crash, At: time.Second, Node: "redis-1", Persistence: PersistEverysec, Host: true}}}
	found := false
	for _, c := range s.Shrink() {
		if len(c.Faults) == 1 && !c.Faults[0].Host && c.Faults[0].At == s.Faults[0].At {
			found = true
			assert.True(t, c.Smaller(s))
			assert.False(t, s.Smaller(c))
		}
	}
	assert.True(t, found)
}

// Random schedules crash hosts under everysec only, and sometimes.
func TestRandomHostCrashes(t *testing.T) {
	hosts := 0
	for seed := range uint64(200) {
		s := Random(seeded(seed), Topology{Clients: 3, Redis: 3}, time.Minute, 2*time.Second)
		for _, f := range s.Faults {
			if f.Host {
				hosts++
				assert.Equal(t, PersistEverysec, f.Persistence)
				assert.Equal(t, Crash, f.Kind)
			}
		}
	}
	assert.Positive(t, hosts)
}
