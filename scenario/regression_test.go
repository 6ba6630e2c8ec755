package scenario

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/require"
)

// TestRegressionCorpus replays every artifact of testdata/regressions (one
// per violation cell of the expected-outcome table, the first failing
// seed) and requires the recorded trace hash and verdicts. After a change
// that legitimately changes traces, regenerate the corpus with
// scripts/regen-regressions and review the diff.
func TestRegressionCorpus(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "regressions", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "the regression corpus is empty")
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			a, err := histories.LoadArtifact(path)
			require.NoError(t, err)
			res, err := Replay(a, Options{})
			var nd *NondeterminismError
			if errors.As(err, &nd) {
				t.Fatalf("%s: trace hash %s, recorded %s: the run changed (if on purpose, run scripts/regen-regressions)", path, nd.Got, nd.Want)
			}
			require.NoError(t, err)
			require.Empty(t, SameVerdicts(res, a.Verdicts), "%s: verdicts differ; replay: simrun replay %s", path, path)
			require.True(t, res.Violation(), "%s: the corpus holds violations only", path)
		})
	}
}
