package report_test

import (
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/model"
	"github.com/locksim/locksim/report"
	"github.com/stretchr/testify/require"
)

// gcPauseArtifact is a real failure: simrun run --lock lua --scenario
// gc-pause --seed 1. Client 1 acquires at 0.002s and is paused for 16s;
// its lease ends at 8s; at 16.003s its read lands inside client 4's
// critical section (read at 15.613s, write at 16.157s).
const gcPauseArtifact = "testdata/lua-gc-pause-seed1.json"

// gcPausePage is the single-failure page of the gc-pause artifact, its
// checks run again on the recorded history (as the CLI does after a
// replay) so that the violating pair is known.
func gcPausePage(t testing.TB) *report.Page {
	t.Helper()
	a, err := histories.LoadArtifact(gcPauseArtifact)
	require.NoError(t, err)
	checks := model.CheckAll(a.History, model.Options{StorageComplete: true})
	return &report.Page{
		Title: "locksim: lua × gc-pause, seed 1",
		Failures: []report.Failure{{
			Title:    "lua × gc-pause, seed 1",
			Seeds:    []uint64{1},
			Run:      &report.Run{History: a.History, Checks: checks, Keys: gcPauseKeys()},
			Replay:   "go run ./cmd/simrun replay out/lua-gc-pause-seed1.json",
			Artifact: "lua-gc-pause-seed1.json", Visualization: "lua-gc-pause-seed1-viz/resource-linearizability.html",
		}},
	}
}

// gcPauseKeys are a few of the lock key's states on redis-1 in that run.
func gcPauseKeys() []report.KeyState {
	return []report.KeyState{
		{At: 15_611_000_000, Node: "redis-1", Key: "lock", Value: "bb9d8cfefdd0b9218885c46db00edba6", Exists: true},
		{At: 16_160_000_000, Node: "redis-1", Key: "lock", Exists: false},
		{At: 16_172_000_000, Node: "redis-1", Key: "lock", Value: "7e664d0e196c3900d495f923749c147a", Exists: true},
	}
}
