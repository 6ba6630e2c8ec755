package simlock

// Reading the published libraries' scripts from their source, in the
// module cache, for the tests: locksim holds no copy of them. Each script
// is a package-level variable of the module's root package initialised
// with a call of a function named NewScript (redsync's redis.NewScript(n,
// src, hash), go-redis's redis.NewScript(src)); its body is the call's
// first string literal, and any further string literal is a digest the
// library declares for it (redsync sends EVALSHA with that digest).

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// sourceScript is one script as a library's source declares it.
type sourceScript struct {
	Var, File string
	Body      string
	Declared  []string // further string literals of the call: declared digests
}

// librarySource is what a module's root package declares.
type librarySource struct {
	Module, Version, Dir string
	Scripts              []sourceScript // by Var
}

var (
	librarySourcesMu sync.Mutex
	librarySources   = map[string]librarySource{}
)

// readLibrarySource returns the scripts of module at the version go.mod
// requires, read from the module cache (go list -m -json gives its
// directory).
func readLibrarySource(t testing.TB, module string) librarySource {
	t.Helper()
	librarySourcesMu.Lock()
	defer librarySourcesMu.Unlock()
	if src, ok := librarySources[module]; ok {
		return src
	}
	out, err := exec.Command("go", "list", "-m", "-json", module).Output()
	require.NoError(t, err, "go list -m -json %s", module)
	var m struct{ Path, Version, Dir string }
	require.NoError(t, json.Unmarshal(out, &m), "go list -m -json %s", module)
	require.NotEmpty(t, m.Dir, "module %s is not in the module cache (go mod download %s)", module, module)
	scripts, err := parseScripts(m.Dir)
	require.NoError(t, err, "module %s", module)
	src := librarySource{Module: m.Path, Version: m.Version, Dir: m.Dir, Scripts: scripts}
	librarySources[module] = src
	return src
}

// parseScripts finds the scripts of the Go package in dir (tests left out).
func parseScripts(dir string) ([]sourceScript, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read library source: %w", err)
	}
	fset := token.NewFileSet()
	var scripts []sourceScript
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse library source: %w", err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, v := range vs.Values {
					s, ok, err := scriptOf(v)
					if err != nil {
						return nil, fmt.Errorf("%s: variable %s: %w", name, vs.Names[i].Name, err)
					}
					if ok {
						s.Var, s.File = vs.Names[i].Name, name
						scripts = append(scripts, s)
					}
				}
			}
		}
	}
	sort.Slice(scripts, func(i, j int) bool { return scripts[i].Var < scripts[j].Var })
	return scripts, nil
}

// scriptOf reads a NewScript call: its first string literal is the body.
func scriptOf(e ast.Expr) (sourceScript, bool, error) {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return sourceScript{}, false, nil
	}
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		ok = fn.Sel.Name == "NewScript"
	case *ast.Ident:
		ok = fn.Name == "NewScript"
	}
	if !ok {
		return sourceScript{}, false, nil
	}
	var lits []string
	for _, a := range call.Args {
		lit, ok := a.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			continue
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return sourceScript{}, false, fmt.Errorf("string literal %s: %w", lit.Value, err)
		}
		lits = append(lits, s)
	}
	if len(lits) == 0 {
		return sourceScript{}, false, fmt.Errorf("NewScript without a string literal body")
	}
	return sourceScript{Body: lits[0], Declared: lits[1:]}, true, nil
}

// libraryBodies returns the bodies of every library script that has a
// fast path, by fast path name, as the libraries' source has them today.
func libraryBodies(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, ls := range LibraryScripts() {
		src := readLibrarySource(t, ls.Module)
		for _, s := range src.Scripts {
			if s.Var == ls.Var {
				out[libName(ls)] = s.Body
			}
		}
		require.Contains(t, out, libName(ls), "%s %s declares no script %s", ls.Module, src.Version, ls.Var)
	}
	return out
}

// libName names a library script in tests: library.variable, the library
// being its module path's last element that is not a major version.
func libName(ls LibraryScript) string {
	lib := path.Base(ls.Module)
	if _, err := strconv.Atoi(strings.TrimPrefix(lib, "v")); err == nil && strings.HasPrefix(lib, "v") {
		lib = path.Base(path.Dir(ls.Module))
	}
	return lib + "." + ls.Var
}
