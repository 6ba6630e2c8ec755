package layering

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goList runs `go list` in the module with args and returns its output.
func goList(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
	}
	require.NoError(t, err, "go list")
	return string(out)
}

// TestLayering holds the module, tests included, to DESIGN.md's directions
// of dependency (Rules): a forbidden import, even an indirect one, fails
// it with the importer, the import and the rule.
func TestLayering(t *testing.T) {
	module := strings.TrimSpace(goList(t, "-m"))
	pkgs := Parse(module, goList(t, "-test", "-f", ListFormat, module+"/..."))
	seen := map[string]bool{}
	deps := map[string][]string{}
	for _, p := range pkgs {
		seen[p.Path] = true
		deps[p.Path] = append(deps[p.Path], p.Deps...)
	}
	for _, r := range Rules {
		require.True(t, seen[r.From], "rule for %s, a package the module does not have", r.From)
	}
	// the graph is read: the adapters know both sides
	require.Subset(t, deps["simlock"], []string{"locks", "sim"}, "simlock's dependencies as read")
	for _, v := range Check(pkgs, Rules) {
		t.Error(v)
	}
}

// TestParse reads go list's lines, test variants included, and keeps the
// module's packages only.
func TestParse(t *testing.T) {
	const m = "example.com/m"
	out := strings.Join([]string{
		m + "/a\tfmt\t" + m + "/b\t" + m + "/b/c",
		m + "/a [" + m + "/a.test]\t" + m + "/d\ttesting",
		m + "/a_test [" + m + "/a.test]\t" + m + "/a [" + m + "/a.test]\t" + m + "/e",
		m + "/a.test\t" + m + "/a [" + m + "/a.test]\t" + m + "/a_test [" + m + "/a.test]",
		"fmt\terrors",
		"",
	}, "\n")
	assert.Equal(t, []Package{
		{Path: "a", Deps: []string{"b", "b/c"}},
		{Path: "a", Deps: []string{"d"}},
		{Path: "a", Deps: []string{"e"}},
		{Path: "a"},
	}, Parse(m, out))
}

// TestCheckFindsForbiddenImports: the checker reports a forbidden import,
// direct or not, from a package under a rule's (its tests included, since
// Parse folds them in), and any import of cmd/ from outside it; it passes
// what the rules allow.
func TestCheckFindsForbiddenImports(t *testing.T) {
	rules := []Rule{{From: "sim", Not: []string{"locks"}, Why: "sim knows no lock"}}
	for _, tc := range []struct {
		name string
		pkgs []Package
		want []string
	}{
		{"allowed", []Package{{Path: "sim", Deps: []string{"internal/x"}}, {Path: "simlock", Deps: []string{"locks", "sim"}}, {Path: "cmd/a", Deps: []string{"cmd/b"}}}, nil},
		{"direct", []Package{{Path: "sim", Deps: []string{"locks"}}}, []string{"sim imports locks: sim knows no lock"}},
		{"below", []Package{{Path: "sim/redis", Deps: []string{"locks/x"}}}, []string{"sim/redis imports locks/x: sim knows no lock"}},
		{"prefix-only", []Package{{Path: "simx", Deps: []string{"locks"}}, {Path: "sim", Deps: []string{"locksmith"}}}, nil},
		{"cmd", []Package{{Path: "scenario", Deps: []string{"cmd/simrun"}}}, []string{"scenario imports cmd/simrun: nothing but cmd/ imports cmd/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Check(tc.pkgs, rules))
		})
	}
}

// TestRulesKeepServerModelsOffTheKernel: with the real rules, the Redis
// model may import the kernel and the locks' adapters may import the
// model, but the kernel may not import the model, even through another
// package.
func TestRulesKeepServerModelsOffTheKernel(t *testing.T) {
	assert.Empty(t, Check([]Package{
		{Path: "sim/redis", Deps: []string{"sim"}},
		{Path: "simlock", Deps: []string{"sim", "sim/redis", "locks"}},
		{Path: "scenario", Deps: []string{"sim", "sim/redis", "simlock"}},
	}, Rules))
	assert.Equal(t, []string{
		"sim imports sim/redis: the kernel knows no server protocol: each server model is its own package on the kernel's exported API (sim/redis, sim/etcd), and models do not import each other",
	}, Check([]Package{{Path: "sim", Deps: []string{"sim/redis"}}}, Rules))
	assert.NotEmpty(t, Check([]Package{{Path: "sim", Deps: []string{"internal/x", "sim/redis"}}}, Rules))
}
