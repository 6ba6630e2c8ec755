package histories

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/locksim/locksim/internal/atomicfile"
)

// ArtifactFormat and ArtifactVersion identify a failure artifact.
const (
	ArtifactFormat  = "locksim-artifact"
	ArtifactVersion = 1
)

// Artifact is everything needed to reproduce and explain a failing run, in
// one self-contained JSON file.
type Artifact struct {
	// Seed is the seed of the run.
	Seed uint64
	// Config is the full scenario configuration, as the scenario layer
	// encodes it (required, any JSON value but null).
	Config json.RawMessage
	// Schedule is the fault schedule (required; [] for none).
	Schedule json.RawMessage
	// TraceHash is the hash of the run's trace; a replay must reproduce it.
	TraceHash string
	// Verdicts are the checkers' results for the run.
	Verdicts []Verdict
	// History is the recorded history; it is validated on load.
	History History
}

// Verdict is a checker's result as stored in an artifact.
type Verdict struct {
	Check       string `json:"check"`
	Verdict     string `json:"verdict"`
	Explanation string `json:"explanation,omitempty"`
}

// MarshalArtifact encodes a as JSON: the header fields first, then the
// configuration, schedule and verdicts, then the history, one event per
// line so that artifacts diff well.
func MarshalArtifact(a *Artifact) ([]byte, error) {
	if len(bytes.TrimSpace(a.Config)) == 0 || !json.Valid(a.Config) {
		return nil, fmt.Errorf("marshal artifact: config is not valid JSON")
	}
	schedule := a.Schedule
	if len(bytes.TrimSpace(schedule)) == 0 {
		schedule = json.RawMessage("[]")
	}
	if !json.Valid(schedule) {
		return nil, fmt.Errorf("marshal artifact: schedule is not valid JSON")
	}
	verdicts := a.Verdicts
	if verdicts == nil {
		verdicts = []Verdict{}
	}
	var b bytes.Buffer
	field := func(name string, v any) error {
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("marshal artifact %s: %w", name, err)
		}
		var ind bytes.Buffer
		if err := json.Indent(&ind, raw, "  ", "  "); err != nil {
			return fmt.Errorf("marshal artifact %s: %w", name, err)
		}
		fmt.Fprintf(&b, "  %q: %s,\n", name, ind.Bytes())
		return nil
	}
	b.WriteString("{\n")
	for _, f := range []struct {
		name string
		v    any
	}{
		{"format", ArtifactFormat},
		{"version", ArtifactVersion},
		{"seed", a.Seed},
		{"trace_hash", a.TraceHash},
		{"config", a.Config},
		{"schedule", schedule},
		{"verdicts", verdicts},
	} {
		if err := field(f.name, f.v); err != nil {
			return nil, err
		}
	}
	b.WriteString("  \"history\": [")
	for i := range a.History {
		raw, err := json.Marshal(&a.History[i])
		if err != nil {
			return nil, fmt.Errorf("marshal artifact history event %d: %w", i+1, err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		b.Write(raw)
	}
	if len(a.History) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("]\n}\n")
	return b.Bytes(), nil
}

// WriteArtifact writes a to path atomically (internal/atomicfile): a
// temporary file in the same directory is written, synced and renamed over
// path, and the directory is synced, so a crash leaves either the old file
// or the complete new one.
func WriteArtifact(path string, a *Artifact) error {
	data, err := MarshalArtifact(a)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("write artifact: %w", err)
	}
	return nil
}

// LoadArtifact reads and validates the artifact at path. Errors name the
// file and, for problems inside the history, the line:
// "path:line: history event N: what is wrong".
func LoadArtifact(path string) (*Artifact, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load artifact: %w", err)
	}
	return ParseArtifact(data, path)
}
