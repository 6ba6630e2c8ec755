package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --careful overrides the scenario's clients either way, and is otherwise
// the scenario's own setting (clock-drift's clients are careful).
func TestCarefulFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"--lock", "lua", "--scenario", "gc-pause"}, false},
		{[]string{"--lock", "lua", "--scenario", "gc-pause", "--careful"}, true},
		{[]string{"--lock", "lua", "--scenario", "clock-drift"}, true},
		{[]string{"--lock", "lua", "--scenario", "clock-drift", "--careful=false"}, false},
	} {
		fs := newFlags("run")
		cf := addConfigFlags(fs)
		require.NoError(t, fs.Parse(tc.args))
		cfg, err := cf.config()
		require.NoError(t, err)
		assert.Equal(t, tc.want, cfg.Careful, "%v", tc.args)
		assert.Contains(t, describeConfig(cfg, 1), map[bool]string{true: "careful clients", false: "counter workload, 1 fault"}[tc.want])
	}
}

// --tries reaches the config (and through it each lock's options), and is
// left at the lock's default without the flag.
func TestTriesFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--lock", "redlock", "--scenario", "gc-pause"}, 0},
		{[]string{"--lock", "redlock", "--scenario", "gc-pause", "--tries", "3"}, 3},
		{[]string{"--lock", "redsync", "--tries", "1"}, 1},
	} {
		fs := newFlags("run")
		cf := addConfigFlags(fs)
		require.NoError(t, fs.Parse(tc.args))
		cfg, err := cf.config()
		require.NoError(t, err)
		assert.Equal(t, tc.want, cfg.Tries, "%v", tc.args)
	}
}
