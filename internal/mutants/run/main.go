// Command run applies each mutant of scripts/mutants.d in a temporary copy
// of the repository, runs the mutant's tests there, and reports each mutant
// killed (a test failed), survived (every test passed: an oracle that cannot
// fail), stale (its original text is gone) or broken (it does not compile).
// It exits 0 only when every mutant is killed. scripts/mutants runs it.
//
// Usage: go run ./internal/mutants/run [-dir scripts/mutants.d] [-only NAME,...]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/locksim/locksim/internal/mutants"
	"github.com/locksim/locksim/internal/mutate"
)

func main() {
	dir := flag.String("dir", "scripts/mutants.d", "folder of *.mutant files")
	only := flag.String("only", "", "comma-separated mutant names to run (default all)")
	timeout := flag.Duration("timeout", 15*time.Minute, "time limit of one mutant's tests")
	baseline := flag.Bool("baseline", true, "first check that the unmutated tests pass")
	flag.Parse()
	os.Exit(run(*dir, *only, *timeout, *baseline))
}

func run(dir, only string, timeout time.Duration, baseline bool) int {
	ms, err := mutants.Load(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutants:", err)
		return 2
	}
	if only != "" {
		names := strings.Split(only, ",")
		ms = slices.DeleteFunc(ms, func(m mutants.Mutant) bool { return !slices.Contains(names, m.Name) })
	}
	if len(ms) == 0 {
		fmt.Fprintln(os.Stderr, "mutants: no mutant to run in", dir)
		return 2
	}
	root, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutants:", err)
		return 2
	}
	if baseline {
		var pkgs []string
		for _, m := range ms {
			for _, p := range m.Tests {
				if !slices.Contains(pkgs, p) {
					pkgs = append(pkgs, p)
				}
			}
		}
		fmt.Printf("baseline: go test %s\n", strings.Join(pkgs, " "))
		if out, err := goTest(context.Background(), root, pkgs, ""); err != nil {
			fmt.Fprintf(os.Stderr, "mutants: the unmutated tests fail, so no mutant can be judged:\n%s\n", tail(out, 40))
			return 2
		}
	}
	bad := 0
	for _, m := range ms {
		verdict, detail := judge(root, m, timeout)
		if verdict != "killed" {
			bad++
		}
		fmt.Printf("%-9s %-28s %s\n          %s\n", verdict, m.Name, m.Why, detail)
	}
	fmt.Printf("%d of %d mutants killed\n", len(ms)-bad, len(ms))
	if bad > 0 {
		return 1
	}
	return 0
}

// judge applies m in a fresh copy of root and runs its tests.
func judge(root string, m mutants.Mutant, timeout time.Duration) (verdict, detail string) {
	tmp, err := os.MkdirTemp("", "mutant-"+m.Name+"-")
	if err != nil {
		return "error", err.Error()
	}
	defer os.RemoveAll(tmp)
	if err := mutate.CopyTree(root, tmp, ""); err != nil {
		return "error", err.Error()
	}
	if err := m.Apply(tmp); err != nil {
		if errors.Is(err, mutants.ErrStale) {
			return "stale", err.Error()
		}
		return "error", err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	out, err := goTest(ctx, tmp, m.Tests, m.Run)
	took := time.Since(start).Round(time.Second)
	switch {
	case err == nil:
		return "SURVIVED", fmt.Sprintf("go test %s passed (%s)", strings.Join(m.Tests, " "), took)
	case strings.Contains(out, "[build failed]") || strings.Contains(out, "[setup failed]"):
		return "broken", "the mutant does not compile:\n" + tail(out, 10)
	case ctx.Err() != nil:
		return "killed", fmt.Sprintf("by timeout after %s", took)
	}
	return "killed", fmt.Sprintf("by %s (%s)", failing(out), took)
}

func goTest(ctx context.Context, dir string, pkgs []string, runPattern string) (string, error) {
	args := []string{"test", "-count=1"}
	if runPattern != "" {
		args = append(args, "-run", runPattern)
	}
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// failing names the failed tests of a go test output, the top-level ones
// first, at most five.
func failing(out string) string {
	var names []string
	for _, m := range failLine.FindAllStringSubmatch(out, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		return "a failed package (no test name: " + strings.TrimSpace(tail(out, 1)) + ")"
	}
	if len(names) > 5 {
		names = append(names[:5], fmt.Sprintf("and %d more", len(names)-5))
	}
	return strings.Join(names, ", ")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
