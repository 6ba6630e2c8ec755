package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/histories"
)

// ArtifactName is the base name (without extension) of the artifact of a
// run of cfg with seed: lock, scenario and seed, e.g. "lua-gc-pause-seed7".
// A run that names no scenario is "faults" when it has faults (a random
// or hand-written schedule), "nofaults" otherwise. A custom lock's name
// (Config.CustomLock) takes the lock's place, prefixed with "custom-"
// unless it starts with "custom": no built-in lock's name does, so the two
// never collide.
func ArtifactName(cfg Config, seed uint64) string {
	sc := cfg.Scenario
	switch {
	case sc != "":
	case cfg.Faults.Len() > 0:
		sc = "faults"
	default:
		sc = "nofaults"
	}
	lock := cfg.Lock
	if cfg.CustomLock != "" {
		lock = customFilePrefix(cfg.CustomLock)
	}
	return fmt.Sprintf("%s-%s-seed%d", lock, sc, seed)
}

// SaveArtifact writes the artifact of res atomically into dir (created if
// needed) as ArtifactName(res.Config, res.Seed)+".json" and returns its
// path.
func SaveArtifact(res *Result, dir string) (string, error) {
	path := filepath.Join(dir, ArtifactName(res.Config, res.Seed)+".json")
	return path, WriteArtifactFile(res, path)
}

// WriteArtifactFile writes the artifact of res atomically to path, creating
// its directory if needed.
func WriteArtifactFile(res *Result, path string) error {
	a, err := res.Artifact()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save artifact: %w", err)
	}
	return histories.WriteArtifact(path, a)
}

// FromArtifact decodes the run an artifact records: its config, with the
// artifact's schedule as the fault schedule, and its seed. The config is
// validated; errors name the field and wrap ErrBadConfig.
func FromArtifact(a *histories.Artifact) (Config, uint64, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(a.Config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, 0, fmt.Errorf("%w: artifact config: %w", ErrBadConfig, err)
	}
	if s := bytes.TrimSpace(a.Schedule); len(s) > 0 && !bytes.Equal(s, []byte("[]")) {
		sched, err := faults.Parse(s)
		if err != nil {
			return Config{}, 0, fmt.Errorf("%w: artifact schedule: %w", ErrBadConfig, err)
		}
		cfg.Faults = sched
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, 0, fmt.Errorf("artifact: %w", err)
	}
	return cfg, a.Seed, nil
}

// VisualizeDirFor is the directory, under parent, that receives the
// porcupine visualizations of the run of cfg with seed: one per run, next
// to its artifact, since the checkers use fixed file names.
func VisualizeDirFor(parent string, cfg Config, seed uint64) string {
	return filepath.Join(parent, ArtifactName(cfg, seed)+"-viz")
}
