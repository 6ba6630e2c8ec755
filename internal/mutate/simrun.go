package mutate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Simrun is one built simrun binary, driven through its command line only:
// the CLI is the stable surface, scenario's Go API is not.
type Simrun struct {
	Bin     string        // the binary
	Dir     string        // its working directory (failure artifacts land in Dir/out)
	Timeout time.Duration // per run
}

// Build builds ./cmd/simrun of the tree at root into bin. -trimpath keeps
// the build cache's keys independent of the copy's path, so that a mutant
// recompiles only the mutated package and what its export data changes;
// -s -w skip the symbol table and DWARF, a quarter of the build's CPU time
// (a panic's stack trace keeps its function names).
func Build(ctx context.Context, goCmd, root, bin string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/simrun")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build: %w: %s", err, firstLines(out.String(), 3))
	}
	return nil
}

// Scenarios runs `simrun scenarios` and returns, per lock, the named
// scenarios that list an expectation for it, in the listed order. A line
// is "name  description [lock=expected ...]".
func (s Simrun) Scenarios(ctx context.Context) (map[string][]string, error) {
	cmd := exec.CommandContext(ctx, s.Bin, "scenarios")
	cmd.Dir = s.Dir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("simrun scenarios: %w", err)
	}
	return parseScenarios(string(out))
}

func parseScenarios(out string) (map[string][]string, error) {
	m := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		name := strings.Fields(line)[0]
		lo, hi := strings.LastIndex(line, "["), strings.LastIndex(line, "]")
		if lo < 0 || hi < lo {
			return nil, fmt.Errorf("simrun scenarios: line %q has no [lock=expected ...]", line)
		}
		for _, kv := range strings.Fields(line[lo+1 : hi]) {
			lock, _, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("simrun scenarios: %q in line %q is not lock=expected", kv, line)
			}
			m[lock] = append(m[lock], name)
		}
	}
	if len(m) == 0 {
		return nil, errors.New("simrun scenarios: listed no scenario")
	}
	return m, sc.Err()
}

// Run runs one case of lock and classifies it.
func (s Simrun) Run(ctx context.Context, lock string, c Case) Outcome {
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	args := append(c.Args(lock), "--json", "--out", filepath.Join(s.Dir, "out"))
	cmd := exec.CommandContext(ctx, s.Bin, args...)
	cmd.Dir = s.Dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return Timeout
	}
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		return Crash
	}
	return classify(code, stdout.Bytes(), stderr.String())
}

// classify maps simrun's exit code and --json output to an outcome.
func classify(code int, stdout []byte, stderr string) Outcome {
	// simrun turns a panic into "simrun: internal error: ..." and exit 2.
	if strings.Contains(stderr, "panic:") || strings.Contains(stderr, "fatal error:") || strings.Contains(stderr, "internal error:") {
		return Crash
	}
	switch code {
	case 2:
		return Rejected
	case 3:
		return Nondeterminism
	case 0, 1:
	default:
		return Crash
	}
	var res struct {
		Outcome string `json:"outcome"`
	}
	if err := json.Unmarshal(stdout, &res); err != nil {
		return Crash
	}
	switch o := Outcome(res.Outcome); o {
	case Safe, Violation, Stuck, Unknown:
		return o
	}
	return Crash
}

// CopyTree copies the tree at root to dst, leaving out .git, the
// top-level out directory (failure artifacts) and skip (the work
// directory, when it lies inside root).
func CopyTree(root, dst, skip string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || rel == "out" || (skip != "" && sameDir(p, skip))) {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, info.Mode().Perm())
		}
		return nil
	})
}

func sameDir(a, b string) bool {
	a, errA := filepath.Abs(a)
	b, errB := filepath.Abs(b)
	return errA == nil && errB == nil && a == b
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}
