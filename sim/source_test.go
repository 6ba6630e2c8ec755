package sim

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Source rules of the kernel and of the server models on its API (sim/...):
// they decide the run, so they must not reach around the scheduler.

// kernelFiles returns the non-test Go files of dir (relative to sim/).
func kernelFiles(t *testing.T, dir string) []string {
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	var out []string
	for _, p := range paths {
		if !strings.HasSuffix(p, "_test.go") {
			out = append(out, p)
		}
	}
	require.NotEmpty(t, out, "no Go files in %s", dir)
	return out
}

// protocolName matches what the kernel must not name: the server models
// live in packages of their own (DESIGN.md, Backends).
var protocolName = regexp.MustCompile(`(?i)redis|etcd`)

// TestKernelNamesNoServerModel: no non-test file of package sim names a
// server model, in code or comments; the kernel knows no protocol.
func TestKernelNamesNoServerModel(t *testing.T) {
	for _, p := range kernelFiles(t, ".") {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		for i, line := range strings.Split(string(b), "\n") {
			assert.False(t, protocolName.MatchString(line), "%s:%d names a server model: %s", p, i+1, strings.TrimSpace(line))
		}
	}
	// the check can fail
	assert.True(t, protocolName.MatchString(`rn := w.AddRedisNode("r", PersistNone) // miniredis`))
}

// sourceViolations returns the places in src (a file of package sim or a
// model) that break a determinism rule: a go statement outside the
// scheduler's workers (task.go), a select outside its non-blocking polls
// of foreign contexts (scheduler.go, context.go), the host's clock, or the
// global random source. (A range over a map is not caught here: package
// locks's seam test type-checks for it; the kernel and its models keep
// their maps to lookups, or sort.)
func sourceViolations(t *testing.T, name, src string) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	require.NoError(t, err)
	imports := map[string]string{} // local name -> path
	for _, im := range f.Imports {
		path := strings.Trim(im.Path.Value, `"`)
		local := filepath.Base(path)
		if path == "math/rand/v2" {
			local = "rand"
		}
		if im.Name != nil {
			local = im.Name.Name
		}
		imports[local] = path
	}
	base := filepath.Base(name)
	var out []string
	add := func(pos token.Pos, what string) { out = append(out, fset.Position(pos).String()+": "+what) }
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			if base != "task.go" {
				add(n.Pos(), "go statement")
			}
		case *ast.SelectStmt:
			if base != "scheduler.go" && base != "context.go" {
				add(n.Pos(), "select statement")
			}
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok {
				break
			}
			switch imports[id.Name] {
			case "time":
				switch n.Sel.Name {
				case "Now", "Since", "Until", "Sleep", "After", "AfterFunc", "NewTimer", "NewTicker", "Tick":
					add(n.Pos(), "time."+n.Sel.Name+" reads the host's clock")
				}
			case "math/rand", "math/rand/v2":
				if !strings.HasPrefix(n.Sel.Name, "New") && n.Sel.Name != "Rand" && n.Sel.Name != "PCG" && n.Sel.Name != "Source" {
					add(n.Pos(), "rand."+n.Sel.Name+" uses the global source")
				}
			case "crypto/rand":
				add(n.Pos(), "crypto/rand."+n.Sel.Name)
			}
		}
		return true
	})
	return out
}

// TestSourceRules checks the kernel and the server models (sim/redis,
// sim/etcd).
func TestSourceRules(t *testing.T) {
	for _, dir := range []string{".", "redis", "etcd"} {
		for _, p := range kernelFiles(t, dir) {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			for _, v := range sourceViolations(t, p, string(b)) {
				t.Error(v)
			}
		}
	}
}

// TestSourceRulesCatchPlantedViolations: one planted violation per rule,
// and clean code that passes.
func TestSourceRulesCatchPlantedViolations(t *testing.T) {
	for _, tc := range []struct {
		name, imports, body string
		bad                 bool
	}{
		{"go", ``, `go func() {}()`, true},
		{"select", ``, `select {}`, true},
		{"now", `"time"`, `_ = time.Now()`, true},
		{"sleep", `"time"`, `time.Sleep(1)`, true},
		{"global-rand", `"math/rand/v2"`, `_ = rand.IntN(3)`, true},
		{"global-rand-alias", `r "math/rand"`, `_ = r.Int()`, true},
		{"crypto-rand", `"crypto/rand"`, `_ = rand.Reader`, true},
		{"clean-duration", `"time"`, `_ = time.Duration(3) * time.Second`, false},
		{"clean-stream", `"math/rand/v2"`, `_ = rand.New(rand.NewPCG(1, 2)); var r *rand.Rand; _ = r`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "package x\n"
			if tc.imports != "" {
				src += "import " + tc.imports + "\n"
			}
			src += "func f() {\n" + tc.body + "\n}\n"
			v := sourceViolations(t, "planted.go", src)
			if tc.bad {
				assert.NotEmpty(t, v)
			} else {
				assert.Empty(t, v)
			}
		})
	}
	// the exemptions are by file: the scheduler's own goroutines and poll
	assert.Empty(t, sourceViolations(t, "task.go", "package x\nfunc f() { go f() }\n"))
	assert.Empty(t, sourceViolations(t, "scheduler.go", "package x\nfunc f() { select {} }\n"))
}
