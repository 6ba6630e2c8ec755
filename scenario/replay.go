package scenario

import (
	"fmt"

	"github.com/locksim/locksim/histories"
)

// NondeterminismError reports that a replay did not reproduce the trace of
// the run it replays: same config and seed, a different trace hash. It is
// a bug of the simulator or of code that escapes the runtime seam.
type NondeterminismError struct {
	// Want is the trace hash the artifact recorded, Got the replay's.
	Want, Got string
}

func (e *NondeterminismError) Error() string {
	return fmt.Sprintf("nondeterminism: the replay's trace hash %s differs from the recorded %s", e.Got, e.Want)
}

// Replay re-runs the run artifact a records (its config, schedule and
// seed) and returns the new result. If the trace hash differs from the
// recorded one it returns the result together with a
// *NondeterminismError. An artifact that cannot be run gives an error
// wrapping ErrBadConfig.
func Replay(a *histories.Artifact, opts Options) (*Result, error) {
	cfg, seed, err := FromArtifact(a)
	if err != nil {
		return nil, err
	}
	res, err := Run(cfg, seed, opts)
	if err != nil {
		return nil, err
	}
	if res.TraceHash != a.TraceHash {
		return res, &NondeterminismError{Want: a.TraceHash, Got: res.TraceHash}
	}
	return res, nil
}

// SameVerdicts compares the verdicts of res with those an artifact
// recorded, check by check, and describes the first difference ("" when
// they agree). Explanations are not compared.
func SameVerdicts(res *Result, recorded []histories.Verdict) string {
	got := map[string]string{}
	for _, c := range res.Checks {
		got[c.Check] = c.Verdict.String()
	}
	if len(got) != len(recorded) {
		return fmt.Sprintf("%d checks ran, the artifact recorded %d", len(got), len(recorded))
	}
	for _, v := range recorded {
		if got[v.Check] != v.Verdict {
			return fmt.Sprintf("check %s: got %q, recorded %q", v.Check, got[v.Check], v.Verdict)
		}
	}
	return ""
}

// ReplayFile loads the artifact at path and replays it (see Replay).
func ReplayFile(path string, opts Options) (*Result, error) {
	a, err := histories.LoadArtifact(path)
	if err != nil {
		return nil, err
	}
	return Replay(a, opts)
}
