package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/require"
)

func TestReplayRoundTrip(t *testing.T) {
	cfg := shortConfig("lua")
	cfg.Faults = RandomSchedule(cfg, 5)
	res, err := Run(cfg, 5, Options{})
	require.NoError(t, err)
	dir := t.TempDir()
	path, err := SaveArtifact(res, dir)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "lua-faults-seed5.json"), path)

	a, err := histories.LoadArtifact(path)
	require.NoError(t, err)
	again, err := Replay(a, Options{})
	require.NoError(t, err)
	require.Equal(t, res.TraceHash, again.TraceHash)
	require.Empty(t, SameVerdicts(again, a.Verdicts))

	a.TraceHash = "0000000000000000"
	_, err = Replay(a, Options{})
	var nd *NondeterminismError
	require.True(t, errors.As(err, &nd), "got %v", err)
	require.Equal(t, "0000000000000000", nd.Want)
	require.Equal(t, res.TraceHash, nd.Got)
}

func TestFromArtifactRejectsBadConfig(t *testing.T) {
	res, err := Run(shortConfig("lua"), 1, Options{})
	require.NoError(t, err)
	a, err := res.Artifact()
	require.NoError(t, err)
	a.Config = []byte(`{"lock":"nope","clients":1}`)
	_, _, err = FromArtifact(a)
	require.ErrorIs(t, err, ErrBadConfig)
	require.Contains(t, err.Error(), "lock")
	a.Config = []byte(`{"lock":"lua","bogus":1}`)
	_, _, err = FromArtifact(a)
	require.ErrorIs(t, err, ErrBadConfig)
	require.NoError(t, os.WriteFile(filepath.Join(t.TempDir(), "x"), nil, 0o644))
}
