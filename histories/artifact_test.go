package histories

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleArtifact() *Artifact {
	return &Artifact{
		Seed:      42,
		Config:    json.RawMessage(`{"lock":"lua","clients":2,"ttl_ms":300}`),
		Schedule:  json.RawMessage(`[{"at_ms":1100,"kind":"pause","target":"c1","for_ms":2000}]`),
		TraceHash: "9f86d081884c7d65",
		Verdicts:  []Verdict{{Check: "mutual-exclusion", Verdict: "ok", Explanation: "fine"}},
		History:   sampleHistory(),
	}
}

func TestArtifactRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fail.json")
	a := sampleArtifact()
	require.NoError(t, WriteArtifact(path, a))
	got, err := LoadArtifact(path)
	require.NoError(t, err)
	assert.Equal(t, a.Seed, got.Seed)
	assert.JSONEq(t, string(a.Config), string(got.Config))
	assert.JSONEq(t, string(a.Schedule), string(got.Schedule))
	assert.Equal(t, a.TraceHash, got.TraceHash)
	assert.Equal(t, a.Verdicts, got.Verdicts)
	assert.Equal(t, a.History, got.History)

	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestWriteArtifactReplacesAtomically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fail.json")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	require.NoError(t, WriteArtifact(path, sampleArtifact()))
	_, err := LoadArtifact(path)
	require.NoError(t, err)

	bad := sampleArtifact()
	bad.Config = json.RawMessage(`{broken`)
	require.Error(t, WriteArtifact(path, bad))
	_, err = LoadArtifact(path)
	require.NoError(t, err, "a failed write leaves the previous artifact intact")
}

func TestLoadArtifactErrors(t *testing.T) {
	good, err := MarshalArtifact(sampleArtifact())
	require.NoError(t, err)
	text := string(good)
	historyLine := 1 + strings.Count(text[:strings.Index(text, `{"time":1020000000`)], "\n")
	tests := []struct {
		name, input, want string
	}{
		{"empty", "", "a.json: empty file"},
		{"not an object", "[1,2]", "a.json:1: expected a JSON object"},
		{"truncated", text[:len(text)/2], "unexpected end of file (truncated artifact?)"},
		{"wrong version", strings.Replace(text, `"version": 1`, `"version": 7`, 1), "a.json:3: unsupported artifact version 7 (this build reads version 1)"},
		{"wrong format", strings.Replace(text, `"locksim-artifact"`, `"other"`, 1), `a.json:2: format is "other", want "locksim-artifact"`},
		{"missing seed", strings.Replace(text, `"seed": 42,`, ``, 1), `a.json: missing field "seed"`},
		{"negative seed", strings.Replace(text, `"seed": 42`, `"seed": -1`, 1), "seed -1 is not an unsigned 64-bit integer"},
		{"fractional seed", strings.Replace(text, `"seed": 42`, `"seed": 4.2`, 1), "seed 4.2 is not an unsigned 64-bit integer"},
		{"unknown field", strings.Replace(text, `"seed": 42`, `"sead": 42`, 1), `unknown field "sead"`},
		{"duplicate field", strings.Replace(text, `"seed": 42,`, `"seed": 42, "seed": 43,`, 1), `duplicate field "seed"`},
		{"null config", strings.Replace(text, `"config": {`, `"config": null, "x": {`, 1), "config is null"},
		{"bad history line", strings.Replace(text, `{"time":1020000000,"type":"invoke"`, `{"time":1020000000,"type":"nope"`, 1),
			"a.json:" + itoa(historyLine) + `: history event 4: unknown type "nope"`},
		{"history time backwards", strings.Replace(text, `{"time":1020000000,`, `{"time":5,`, 1),
			"a.json:" + itoa(historyLine) + ": history event 4: time goes backwards"},
		{"history not an array", strings.Replace(text, `"history": [`, `"history": {"a":[`, 1), "expected history to be a JSON array of events"},
		{"trailing data", text + "{}", "trailing data after the artifact object"},
		{"wrong type", strings.Replace(text, `"trace_hash": "`, `"trace_hash": 5, "y": "`, 1), "cannot use JSON number as string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a.json")
			require.NoError(t, os.WriteFile(path, []byte(tt.input), 0o644))
			_, err := LoadArtifact(path)
			require.Error(t, err)
			msg := strings.ReplaceAll(err.Error(), path, "a.json")
			assert.Contains(t, msg, tt.want)
			assert.True(t, errors.Is(err, ErrInvalid), "wraps ErrInvalid: %v", err)
		})
	}
}

func TestLoadArtifactMissingFile(t *testing.T) {
	_, err := LoadArtifact(filepath.Join(t.TempDir(), "nope.json"))
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.NotErrorIs(t, err, ErrInvalid)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestWriteArtifactErrors(t *testing.T) {
	err := WriteArtifact(filepath.Join(t.TempDir(), "missing", "a.json"), sampleArtifact())
	assert.ErrorIs(t, err, os.ErrNotExist)

	a := sampleArtifact()
	a.Config = nil
	assert.ErrorContains(t, WriteArtifact(filepath.Join(t.TempDir(), "a.json"), a), "config is not valid JSON")
}
