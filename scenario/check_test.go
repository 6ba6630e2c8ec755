package scenario

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVerifyBuiltIn(t *testing.T) {
	rep, err := Verify(Spec{Like: "lua", Scenario: "gc-pause", Seeds: 2, Out: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.OK())
	require.Len(t, rep.Failures, 2)
	require.FileExists(t, rep.Failures[0].Artifact)
	require.Contains(t, rep.String(), "simrun replay "+rep.Failures[0].Artifact)
	require.Contains(t, rep.String(), `replay: scenario.CheckArtifact(t, "`+rep.Failures[0].Artifact+`", nil)`)
	require.Equal(t, "lua-gc-pause-seed1.json", filepath.Base(rep.Failures[0].Artifact))

	rep, err = Verify(Spec{Like: "setnx", Scenario: "holder-crash", Seeds: 2, Expect: Stuck, Out: t.TempDir()})
	require.NoError(t, err)
	require.True(t, rep.OK(), rep.String())
}

func TestVerifyBadSpec(t *testing.T) {
	_, err := Verify(Spec{Like: "lua", Scenario: "meteor"})
	require.ErrorContains(t, err, "scenario")
	_, err = Verify(Spec{Like: "mutex", Scenario: "slow-reply"})
	require.ErrorContains(t, err, "like")
}
