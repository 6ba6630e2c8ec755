package live_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/backend/live"
	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/scenario"
)

// What the live backend cannot do, it refuses in one sentence naming the
// fault; what it can do, it accepts. Refuse starts no process.
func TestRefuse(t *testing.T) {
	named := func(lock, name string) scenario.Config {
		n, err := scenario.Lookup(name)
		require.NoError(t, err)
		cfg, err := n.Config(lock)
		require.NoError(t, err)
		return cfg
	}
	mixed := named("lua", "redis-restart-no-fsync")
	mixed.Faults.Faults = append(mixed.Faults.Faults, faults.Fault{Kind: faults.Crash, At: 20 * time.Second, Node: "redis-1", For: time.Second, Persistence: faults.PersistAlways})
	doSeam := named("lua", "gc-pause")
	f := doSeam.Faults.Faults[0]
	when := *f.When // a copy: the named scenarios share their triggers
	when.Seam, when.Call = faults.SeamDoReplied, 1
	f.When = &when
	doSeam.Faults.Faults = []faults.Fault{f}
	for _, tc := range []struct {
		name string
		cfg  scenario.Config
		want string // "" accepted
	}{
		{"client pause", named("lua", "gc-pause"), ""},
		{"process crash", named("redlock", "redis-restart-everysec"), ""},
		{"clock step on redis", named("redlock", "redis-clock-jump"), ""},
		{"partition", named("redlock", "minority-partition"), ""},
		{"host crash", named("lua", "redis-host-crash-everysec"), "faults[0]: a host crash cannot be done live"},
		{"seam at a reply", doSeam, "faults[0]: a pause triggered at a do-replied seam call cannot be given live"},
		{"two persistences", mixed, "a live server's persistence is fixed when it starts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := live.New(tc.cfg, live.Options{}).Refuse(tc.cfg)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// A refused config never reaches Execute: scenario.Run returns the refusal
// as bad config.
func TestRunRefusedIsBadConfig(t *testing.T) {
	n, err := scenario.Lookup("redis-host-crash-everysec")
	require.NoError(t, err)
	cfg, err := n.Config("lua")
	require.NoError(t, err)
	_, err = live.Run(cfg, 1, scenario.Options{}, live.Options{})
	assert.ErrorIs(t, err, scenario.ErrBadConfig)
}
