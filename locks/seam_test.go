package locks

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seamExemptFile is the one file of locks/ allowed to break the seam rules:
// it holds the production Runtime, which the simulator replaces.
const seamExemptFile = "real.go"

// seamExemptEtcd is the other: the production Etcd on clientv3, whose
// watch is a channel. The simulator replaces it too, with its own Etcd.
const seamExemptEtcd = "etcdclient.go"

// TestSeamRules parses and type-checks every non-test .go file under locks/
// and fails on anything that reaches around the Runtime seam; see
// checkSeam for the rules. Code that breaks them would run in the simulator
// outside the scheduler's sight (a goroutine, a channel wait, a sync.Mutex
// wait), on the host's clock, with global randomness, or in map order, and
// the simulation would no longer be deterministic or faithful.
func TestSeamRules(t *testing.T) {
	dirs := map[string][]string{} // dir -> its non-test .go files
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			dirs[filepath.Dir(path)] = append(dirs[filepath.Dir(path)], path)
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, dirs, ".", "no Go files found in locks/")
	require.FileExists(t, seamExemptFile, "the exempt file named in this test must exist")
	require.FileExists(t, seamExemptEtcd, "the exempt file named in this test must exist")

	dirNames := make([]string, 0, len(dirs))
	for d := range dirs {
		dirNames = append(dirNames, d)
	}
	sort.Strings(dirNames)
	exemptFound, etcdFound := 0, 0
	for _, dir := range dirNames {
		fset := token.NewFileSet()
		var files []*ast.File
		for _, path := range dirs[dir] {
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			files = append(files, f)
		}
		lookup := exportLookup(t, "./"+dir)
		info, err := typeCheck(fset, files, lookup)
		require.NoError(t, err, "type-checking %s", dir)
		for _, v := range checkSeam(fset, files, info) {
			if dir == "." && filepath.Base(v.Pos.Filename) == seamExemptFile {
				exemptFound++
				continue
			}
			if dir == "." && filepath.Base(v.Pos.Filename) == seamExemptEtcd {
				etcdFound++
				continue
			}
			t.Errorf("%s", v)
		}
	}
	// The exemption is not vacuous: the checker does see the production
	// runtime's goroutines, channels and clock, so it would see them
	// anywhere else.
	assert.Positive(t, exemptFound, "the checker found nothing in %s; is it checking anything?", seamExemptFile)
	assert.Positive(t, etcdFound, "the checker found nothing in %s; is its exemption still needed?", seamExemptEtcd)
}

// TestSeamRulesCatchPlantedViolations feeds the checker one planted
// violation per rule, and clean code that must pass.
func TestSeamRulesCatchPlantedViolations(t *testing.T) {
	cases := []struct {
		rule, imports, body string
	}{
		{"go", ``, `go func() {}()`},
		{"select", ``, `select {}`},
		{"chan", ``, `var c chan int; _ = c`},
		{"chan", ``, `c := make(chan int, 1); c <- 1`},
		{"chan", `"context"`, `<-context.Background().Done()`},
		{"chan", `"context"`, `for range context.Background().Done() {}`},
		{"chan", `"context"`, `d := context.Background().Done(); _ = d`},
		{"sync", `"sync"`, `var mu sync.Mutex; mu.Lock(); mu.Unlock()`},
		{"sync", `"sync"`, `var mu sync.RWMutex; mu.RLock()`},
		{"sync", `"sync"`, `var wg sync.WaitGroup; wg.Wait()`},
		{"sync", `"sync"`, `c := sync.NewCond(nil); _ = c`},
		{"sync", `"sync"`, `type S struct{ sync.Mutex }; var s S; s.Lock()`},
		{"time", `"time"`, `_ = time.Now()`},
		{"time", `"time"`, `time.Sleep(1)`},
		{"time", `"time"`, `_ = time.After(1)`},
		{"time", `"time"`, `_ = time.NewTimer(1)`},
		{"time", `"time"`, `_ = time.Tick(1)`},
		{"time", `"time"`, `_ = time.AfterFunc(1, func() {})`},
		{"time", `"time"`, `_ = time.NewTicker(1)`},
		{"time", `"time"`, `_ = time.Since(time.Time{})`},
		{"time", `"time"`, `f := time.Now; _ = f`},
		{"context", `"context"`, `_, c := context.WithTimeout(context.Background(), 1); c()`},
		{"context", `"context"; "time"`, `_, c := context.WithDeadline(context.Background(), time.Time{}); c()`},
		{"rand", `"math/rand"`, `_ = rand.Intn(3)`},
		{"rand", `"math/rand/v2"`, `_ = rand.IntN(3)`},
		{"rand", `"math/rand/v2"`, `_ = rand.Uint64()`},
		{"rand", `"math/rand/v2"`, `rand.Shuffle(0, nil)`},
		{"rand", `"crypto/rand"`, `_, _ = rand.Read(nil)`},
		{"rand", `"crypto/rand"`, `_ = rand.Reader`},
		{"maprange", ``, `m := map[string]int{}; for k := range m { _ = k }`},
		{"maprange", ``, `type M map[int]int; var m M; for range m {}`},
		{"maprange", `"maps"`, `for k := range maps.Keys(map[int]int{}) { _ = k }`},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%02d-%s", i, c.rule), func(t *testing.T) {
			vs := checkSource(t, plantedFile(c.imports, c.body))
			rules := make([]string, len(vs))
			for j, v := range vs {
				rules[j] = v.Rule
			}
			assert.Contains(t, rules, c.rule, "planted %q: got %v", c.body, vs)
		})
	}

	t.Run("clean", func(t *testing.T) {
		clean := plantedFile(`"context"; "errors"; "math/rand/v2"; "sync/atomic"; "time"`, `
			var n atomic.Int64
			n.Add(1)
			r := rand.New(rand.NewPCG(1, 2))
			_ = r.IntN(10)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_ = ctx.Err()
			var t0 time.Time
			_ = t0.Add(time.Second).Sub(t0)
			_ = time.Duration(5) * time.Millisecond
			m := map[string]int{"a": 1}
			_ = m["a"]
			for i, s := range []string{"x"} { _, _ = i, s }
			_ = errors.New("x")
			g := func(yield func(int) bool) { yield(1) }
			for v := range g { _ = v }`)
		assert.Empty(t, checkSource(t, clean))
	})
}

func plantedFile(imports, body string) string {
	var b strings.Builder
	b.WriteString("package p\n\n")
	if imports != "" {
		b.WriteString("import (" + imports + ")\n\n")
	}
	b.WriteString("func f() {\n" + body + "\n}\n")
	return b.String()
}

// checkSource parses, type-checks and checks one file's source.
func checkSource(t *testing.T, src string) []seamViolation {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "planted.go", src, parser.SkipObjectResolution)
	require.NoError(t, err, src)
	var paths []string
	for _, imp := range f.Imports {
		paths = append(paths, strings.Trim(imp.Path.Value, `"`))
	}
	info, err := typeCheck(fset, []*ast.File{f}, exportLookup(t, paths...))
	require.NoError(t, err, src)
	return checkSeam(fset, []*ast.File{f}, info)
}

// seamViolation is one broken rule at one place.
type seamViolation struct {
	Pos  token.Position
	Rule string // go, select, chan, sync, time, context, rand, maprange
	What string
}

func (v seamViolation) String() string {
	return fmt.Sprintf("%s: seam rule %q: %s (only %s and %s may do this; go through Runtime)", v.Pos, v.Rule, v.What, seamExemptFile, seamExemptEtcd)
}

// Forbidden package members, by package path.
var (
	seamTime    = map[string]bool{"Now": true, "Sleep": true, "After": true, "NewTimer": true, "Tick": true, "AfterFunc": true, "NewTicker": true, "Since": true, "Until": true}
	seamContext = map[string]bool{"WithTimeout": true, "WithDeadline": true, "WithTimeoutCause": true, "WithDeadlineCause": true}
	seamSync    = map[string]bool{"Mutex": true, "RWMutex": true, "WaitGroup": true, "Cond": true, "NewCond": true}
	seamMaps    = map[string]bool{"Keys": true, "Values": true, "All": true}
)

// checkSeam returns, in source order, every place in files that breaks a
// seam rule:
//
//   - go: a go statement;
//   - select: a select statement;
//   - chan: a chan type, a send, a receive, a range over a channel, close,
//     or any expression of channel type (e.g. ctx.Done());
//   - sync: any use of sync.Mutex, RWMutex, WaitGroup, Cond or NewCond, or
//     of their methods (also promoted through embedding);
//   - time: time.Now, Sleep, After, NewTimer, Tick, AfterFunc, NewTicker,
//     Since, Until (called or taken as a value);
//   - context: context.WithTimeout, WithDeadline and their Cause variants;
//   - rand: a package-level function of math/rand or math/rand/v2 other than
//     the New* constructors (those use the global source), and anything of
//     crypto/rand;
//   - maprange: a range over a value whose type is a map, or over
//     maps.Keys, maps.Values or maps.All.
func checkSeam(fset *token.FileSet, files []*ast.File, info *types.Info) []seamViolation {
	var vs []seamViolation
	add := func(pos token.Pos, rule, format string, args ...any) {
		vs = append(vs, seamViolation{Pos: fset.Position(pos), Rule: rule, What: fmt.Sprintf(format, args...)})
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				add(n.Pos(), "go", "go statement")
			case *ast.SelectStmt:
				add(n.Pos(), "select", "select statement")
			case *ast.SendStmt:
				add(n.Pos(), "chan", "channel send")
			case *ast.UnaryExpr:
				if n.Op == token.ARROW {
					add(n.Pos(), "chan", "channel receive")
				}
			case *ast.ChanType:
				add(n.Pos(), "chan", "chan type")
			case *ast.RangeStmt:
				if tv, ok := info.Types[n.X]; ok && tv.Type != nil {
					switch tv.Type.Underlying().(type) {
					case *types.Map:
						add(n.Pos(), "maprange", "range over a map (random order)")
					case *types.Chan:
						add(n.Pos(), "chan", "range over a channel")
					}
				}
			case *ast.CallExpr:
				if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
					if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
						add(n.Pos(), "chan", "close of a channel")
					}
				}
			}
			if e, ok := n.(ast.Expr); ok {
				if tv, ok := info.Types[e]; ok && tv.IsValue() && tv.Type != nil {
					if _, isChan := tv.Type.Underlying().(*types.Chan); isChan {
						if _, isType := e.(*ast.ChanType); !isType {
							add(e.Pos(), "chan", "expression of channel type")
						}
					}
				}
			}
			return true
		})
	}

	// Uses of forbidden objects (functions, types, methods, variables).
	type use struct {
		id  *ast.Ident
		obj types.Object
	}
	var uses []use
	for id, obj := range info.Uses {
		uses = append(uses, use{id, obj})
	}
	for id, sel := range info.Selections { // promoted methods of embedded sync types
		uses = append(uses, use{id.Sel, sel.Obj()})
	}
	sort.Slice(uses, func(i, j int) bool { return uses[i].id.Pos() < uses[j].id.Pos() })
	for _, u := range uses {
		obj := u.obj
		if obj.Pkg() == nil {
			continue
		}
		path, name := obj.Pkg().Path(), obj.Name()
		fn, isFunc := obj.(*types.Func)
		recv := ""
		if isFunc && fn.Signature().Recv() != nil {
			recv = recvName(fn.Signature().Recv().Type())
		}
		switch path {
		case "time":
			if recv == "" && seamTime[name] {
				add(u.id.Pos(), "time", "time.%s", name)
			}
		case "context":
			if seamContext[name] {
				add(u.id.Pos(), "context", "context.%s", name)
			}
		case "sync":
			if (recv == "" && seamSync[name]) || seamSync[recv] {
				add(u.id.Pos(), "sync", "sync.%s", strings.TrimPrefix(recv+"."+name, "."))
			}
		case "math/rand", "math/rand/v2":
			if isFunc && recv == "" && !strings.HasPrefix(name, "New") {
				add(u.id.Pos(), "rand", "%s.%s uses the global source", path, name)
			}
		case "crypto/rand":
			add(u.id.Pos(), "rand", "crypto/rand.%s", name)
		case "maps":
			if seamMaps[name] {
				add(u.id.Pos(), "maprange", "maps.%s iterates in random order", name)
			}
		}
	}
	// One report per place and rule, in source order.
	sort.SliceStable(vs, func(i, j int) bool {
		a, b := vs[i].Pos, vs[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	out := vs[:0]
	for i, v := range vs {
		if i > 0 && v.Pos == vs[i-1].Pos && v.Rule == vs[i-1].Rule {
			continue
		}
		out = append(out, v)
	}
	return out
}

func recvName(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok {
		return n.Obj().Name()
	}
	return ""
}

func typeCheck(fset *token.FileSet, files []*ast.File, lookup map[string]string) (*types.Info, error) {
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Uses:       map[*ast.Ident]types.Object{},
		Defs:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := lookup[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	})
	conf := types.Config{Importer: imp}
	_, err := conf.Check(files[0].Name.Name, fset, files, info)
	return info, err
}

// exportLookup maps the import paths of patterns and their dependencies to
// their export data files, built by the go command (cached between runs).
func exportLookup(t *testing.T, patterns ...string) map[string]string {
	t.Helper()
	m := map[string]string{}
	if len(patterns) == 0 {
		return m
	}
	args := append([]string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, patterns...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list -export: %s", stderr.String())
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		path, file, _ := strings.Cut(sc.Text(), "\t")
		m[path] = file
	}
	return m
}
