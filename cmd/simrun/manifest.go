package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/locksim/locksim/internal/atomicfile"
)

// manifestFormat is the format of manifest.json and results.jsonl.
const manifestFormat = 1

// manifest says what produced an explore directory: enough to refuse a
// merge of directories that do not belong together, and to rerun any seed.
type manifest struct {
	Format int `json:"format"`
	// Locksim is locksim's module version and Commit its VCS revision
	// (from debug.ReadBuildInfo; "unknown" when the build has none),
	// Modified whether the tree had uncommitted changes.
	Locksim  string `json:"locksim"`
	Commit   string `json:"commit"`
	Modified bool   `json:"modified"`
	// Go is the Go version simrun was built with.
	Go string `json:"go"`
	// Command is the command line, without the program's path.
	Command []string `json:"command"`
	// Lock, Scenario and Faults are as in results.jsonl; Config is the
	// base config of every run (a random schedule is drawn per seed).
	Lock     string          `json:"lock"`
	Scenario string          `json:"scenario"`
	Faults   string          `json:"faults"`
	Config   json.RawMessage `json:"config"`
	// Reproduce is the simrun run command of a seed, SEED standing for it.
	Reproduce string `json:"reproduce"`
	// Seeds are the seeds the command was asked for.
	Seeds seedPlan `json:"seeds"`
	// For is --for ("" without), MaxFailures --max-failures (0 without).
	For         string `json:"for"`
	MaxFailures int    `json:"max_failures"`
	// Runs is the number of seeds in results.jsonl, Stopped why the
	// command stopped before its last seed: "" (it did not),
	// "interrupted", "time" (--for) or "max-failures".
	Runs    int    `json:"runs"`
	Stopped string `json:"stopped"`
	// Merged lists the directories simrun merge joined into this one.
	Merged []string `json:"merged,omitempty"`
}

// seedPlan is a range of seeds, and the shard of it a directory holds.
type seedPlan struct {
	// From and Count are the range: From .. From+Count-1.
	From  uint64 `json:"from"`
	Count int    `json:"count"`
	// Shard is "i/n" or "" (the whole range); First, Step and Planned are
	// its seeds: First, First+Step, ..., Planned of them.
	Shard   string `json:"shard"`
	First   uint64 `json:"first"`
	Step    uint64 `json:"step"`
	Planned int    `json:"planned"`
}

// buildInfo returns locksim's version, commit, modified flag and the Go
// version from the binary's build information.
func buildInfo() (version, commit string, modified bool, goVersion string) {
	version, commit, goVersion = "unknown", "unknown", "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	goVersion = bi.GoVersion
	if bi.Main.Version != "" {
		version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return
}

// writeManifest writes m into dir atomically.
func writeManifest(dir string, m *manifest) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, manifestFile), b.Bytes())
}

// readManifest reads dir's manifest, as bad input naming it.
func readManifest(dir string) (*manifest, error) {
	path := filepath.Join(dir, manifestFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, badInput("%s: no readable %s (not a directory simrun explore --out wrote): %v", dir, manifestFile, unwrapPath(err))
	}
	var m manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, badInput("%s: %v", path, err)
	}
	if m.Format != manifestFormat {
		return nil, badInput("%s: format %d, want %d (written by another version of simrun)", path, m.Format, manifestFormat)
	}
	return &m, nil
}

// disagreement names the first field in which b differs from a in a way
// that forbids merging them, with both values, or "" if none does.
func disagreement(a, b *manifest) (field, va, vb string) {
	cfgA, cfgB := compactJSON(a.Config), compactJSON(b.Config)
	for _, f := range []struct{ name, a, b string }{
		{"locksim", a.Locksim, b.Locksim},
		{"commit", a.Commit, b.Commit},
		{"modified", fmt.Sprint(a.Modified), fmt.Sprint(b.Modified)},
		{"go", a.Go, b.Go},
		{"lock", a.Lock, b.Lock},
		{"scenario", a.Scenario, b.Scenario},
		{"faults", a.Faults, b.Faults},
		{"config", cfgA, cfgB},
		{"seeds.from", fmt.Sprint(a.Seeds.From), fmt.Sprint(b.Seeds.From)},
		{"seeds.count", fmt.Sprint(a.Seeds.Count), fmt.Sprint(b.Seeds.Count)},
		{"seeds.shard count", shardCount(a.Seeds.Shard), shardCount(b.Seeds.Shard)},
		{"for", a.For, b.For},
		{"max_failures", fmt.Sprint(a.MaxFailures), fmt.Sprint(b.MaxFailures)},
	} {
		if f.a != f.b {
			return f.name, f.a, f.b
		}
	}
	return "", "", ""
}

// shardCount is n of "i/n", or "1" for "".
func shardCount(s string) string {
	if s == "" {
		return "1"
	}
	sh, err := parseShard(s)
	if err != nil {
		return s
	}
	return fmt.Sprint(sh.n)
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}
