package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
// validated, and so is the artifact's consistency: its schedule must be
// its config's faults, the scenario it names must exist and apply to its
// lock, and its history may name only the clients and nodes of its config.
// An artifact edited into inconsistency is bad input, not a replay that
// could only report nondeterminism. Errors name the field and wrap
// ErrBadConfig.
func FromArtifact(a *histories.Artifact) (Config, uint64, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(a.Config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, 0, fmt.Errorf("%w: artifact config: %w", ErrBadConfig, err)
	}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: artifact %s: %s", ErrBadConfig, field, fmt.Sprintf(format, args...))
	}
	// an artifact holds its config with defaults applied: a zero written
	// there is an edit, never a request for the default (a field left
	// out is one)
	var present map[string]json.RawMessage
	_ = json.Unmarshal(a.Config, &present) // it decoded above
	for _, f := range []string{"clients", "ttl", "duration", "acquire_timeout"} {
		switch string(bytes.TrimSpace(present[f])) {
		case "0", `"0"`, `"0s"`:
			return Config{}, 0, bad("config."+f, "0 is refused: it must be positive (leave the field out for the default)")
		}
	}
	if cfg.Lock != "mutex" && string(bytes.TrimSpace(present["nodes"])) == "0" {
		return Config{}, 0, bad("config.nodes", "0 is out of range 1..%d for %s", MaxNodes, cfg.Lock)
	}
	if s := bytes.TrimSpace(a.Schedule); len(s) > 0 && !bytes.Equal(s, []byte("[]")) {
		sched, err := faults.Parse(s)
		if err != nil {
			return Config{}, 0, fmt.Errorf("%w: artifact schedule: %w", ErrBadConfig, err)
		}
		if cfg.Faults.Len() > 0 && !sameSchedule(cfg.Faults, sched) {
			return Config{}, 0, bad("schedule", "differs from the config's faults (the artifact was edited; make them equal)")
		}
		cfg.Faults = sched
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		msg := strings.TrimPrefix(err.Error(), ErrBadConfig.Error()+": ")
		return Config{}, 0, fmt.Errorf("%w: artifact config.%s", ErrBadConfig, msg)
	}
	if cfg.Scenario != "" {
		sc, err := Lookup(cfg.Scenario)
		if err != nil {
			return Config{}, 0, bad("config.scenario", "%v", err)
		}
		if _, err := sc.Config(cfg.Lock); err != nil {
			return Config{}, 0, bad("config.scenario", "%v", err)
		}
	}
	if err := historyFits(a.History, cfg); err != nil {
		return Config{}, 0, err
	}
	return cfg, a.Seed, nil
}

// sameSchedule reports whether two schedules encode alike.
func sameSchedule(a, b faults.Schedule) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// historyFits reports a history event that names a client or node the
// config does not have: the history of another config.
func historyFits(h histories.History, cfg Config) error {
	nodes := map[string]bool{faults.Storage: true, "": true}
	topo := cfg.Topology()
	for i := 1; i <= cfg.Nodes; i++ {
		nodes[topo.Server(i)] = true
	}
	for i := 1; i <= cfg.Clients; i++ {
		if cfg.Lock == "mutex" {
			nodes["process"] = true
		} else {
			nodes[faults.ClientNode(i)] = true
		}
	}
	for i, e := range h {
		if e.Process > cfg.Clients {
			return fmt.Errorf("%w: artifact history[%d].process: client %d, but the config has %d clients (lock %s)", ErrBadConfig, i, e.Process, cfg.Clients, cfg.Lock)
		}
		if !nodes[e.Node] {
			return fmt.Errorf("%w: artifact history[%d].node: %q is not a node of the config (lock %s, %d clients, %d lock servers)", ErrBadConfig, i, e.Node, cfg.Lock, cfg.Clients, cfg.Nodes)
		}
	}
	return nil
}

// VisualizeDirFor is the directory, under parent, that receives the
// porcupine visualizations of the run of cfg with seed: one per run, next
// to its artifact, since the checkers use fixed file names.
func VisualizeDirFor(parent string, cfg Config, seed uint64) string {
	return filepath.Join(parent, ArtifactName(cfg, seed)+"-viz")
}
