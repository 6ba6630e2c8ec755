package model

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func verdicts(rs []Result) map[string]Verdict {
	m := make(map[string]Verdict)
	for _, r := range rs {
		m[r.Check] = r.Verdict
	}
	return m
}

func TestCheckAll(t *testing.T) {
	fenced := gcPause(t, true)
	fenced.acquire(2, "L", "v3", 35, 3500, 3510, 3810)
	rs := CheckAll(fenced.history(), Options{Fencing: true, LivenessBound: time.Second})
	assert.Equal(t, map[string]Verdict{
		NameMutualExclusion:      OK,
		NameResourceLinearizable: OK,
		NameLockLinearizable:     OK,
		NameFencing:              OK,
		NameFencingOrder:         OK,
		NameLiveness:             OK,
	}, verdicts(rs))
	assert.Equal(t, OK, Combine(rs))

	rs = CheckAll(gcPause(t, false).history(), Options{})
	assert.Equal(t, map[string]Verdict{
		NameMutualExclusion:      Violation,
		NameResourceLinearizable: Violation,
		NameLockLinearizable:     OK,
	}, verdicts(rs))
	assert.Equal(t, Violation, Combine(rs))

	rs = CheckAll(wallet(t, true).history(), Options{Ledger: true})
	assert.Equal(t, Violation, verdicts(rs)[NameLedgerConservation])
}

func TestCheckAllInvalidHistory(t *testing.T) {
	h := histories.History{{Time: 5, Type: histories.OK, Op: histories.OpAcquire, OpID: 1, Node: "c1", Key: "L"}}
	rs := CheckAll(h, Options{})
	require.Len(t, rs, 1)
	assert.Equal(t, Unknown, rs[0].Verdict)
	assert.Contains(t, rs[0].Explanation, "the history is invalid, nothing can be checked: event 1: ok acquire: completion without invoke (op_id 1)")
}

func TestCombine(t *testing.T) {
	ok := Result{Verdict: OK}
	unk := Result{}
	bad := Result{Verdict: Violation}
	tests := []struct {
		in   []Result
		want Verdict
	}{
		{nil, Unknown},
		{[]Result{ok}, OK},
		{[]Result{ok, unk}, Unknown},
		{[]Result{unk, bad, ok}, Violation},
		{[]Result{{Verdict: Verdict(9)}}, Unknown},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Combine(tt.in))
	}
	var zero Verdict
	assert.Equal(t, Unknown, zero, "never ok by default")
}

func TestVerdictJSON(t *testing.T) {
	b, err := json.Marshal(Result{Check: NameFencing, Verdict: Violation, Explanation: "x"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"check":"fencing","verdict":"violation","explanation":"x"}`, string(b))
	var r Result
	require.NoError(t, json.Unmarshal(b, &r))
	assert.Equal(t, Violation, r.Verdict)
	assert.Error(t, json.Unmarshal([]byte(`{"verdict":"fine"}`), &r))
	assert.Equal(t, histories.Verdict{Check: "fencing", Verdict: "violation", Explanation: "x"}, r.Record())
}
