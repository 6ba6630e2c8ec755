package mutate

import (
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Package is the parsed, type-checked source of the package the mutants
// live in (locks/): what decides which lock reaches a change (reach.go)
// and whether a mutant compiles (compile.go), without running the compiler.
type Package struct {
	dir   string            // relative to root, slash-separated
	names []string          // the non-test .go files, sorted
	srcs  map[string][]byte // by file name
	imp   types.Importer
	// baseErrs are the type errors of the unmutated package (by file and
	// message), e.g. of a dependency the importer cannot load: a mutant
	// fails to compile only when it adds one.
	baseErrs map[string]int
	fset     *token.FileSet
	files    []*ast.File
	info     *types.Info
	pkg      *types.Package
}

// LoadPackage parses and type-checks the non-test files of dir (relative
// to root).
func LoadPackage(root, dir string) (*Package, error) {
	full := filepath.Join(root, filepath.FromSlash(dir))
	ents, err := os.ReadDir(full)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	p := &Package{dir: dir, srcs: map[string][]byte{}, imp: lenientImporter{importer.Default()}}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(full, n))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", n, err)
		}
		p.names = append(p.names, n)
		p.srcs[n] = src
	}
	slices.Sort(p.names)
	if len(p.names) == 0 {
		return nil, fmt.Errorf("%s has no Go files", dir)
	}
	var errs []string
	p.fset, p.files, p.info, p.pkg, errs, err = p.check("", nil)
	if err != nil {
		return nil, err
	}
	p.baseErrs = countErrs(errs)
	return p, nil
}

// check parses and type-checks the package, with the file called replace
// (if any) replaced by src, and returns the type errors as "file: message"
// (positions left out: a mutant moves lines).
func (p *Package) check(replace string, src []byte) (*token.FileSet, []*ast.File, *types.Info, *types.Package, []string, error) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, n := range p.names {
		s := p.srcs[n]
		if n == replace {
			s = src
		}
		f, err := parser.ParseFile(fset, n, s, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, nil, nil, nil, fmt.Errorf("parsing %s: %w", n, err)
		}
		files = append(files, f)
	}
	var errs []string
	conf := types.Config{Importer: p.imp, Error: func(err error) {
		var te types.Error
		if errors.As(err, &te) {
			errs = append(errs, te.Fset.Position(te.Pos).Filename+": "+te.Msg)
			return
		}
		errs = append(errs, err.Error())
	}}
	info := &types.Info{Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
	pkg, _ := conf.Check(p.dir, fset, files, info) // errors arrive through conf.Error
	return fset, files, info, pkg, errs, nil
}

func countErrs(errs []string) map[string]int {
	m := map[string]int{}
	for _, e := range errs {
		m[e]++
	}
	return m
}

// lenientImporter imports what the default importer can and gives an
// empty package for the rest (e.g. a module dependency without export data
// at hand): the errors that causes are the same in the original and in
// every mutant, so they cancel out.
type lenientImporter struct{ base types.Importer }

func (l lenientImporter) Import(path string) (*types.Package, error) {
	if p, err := l.base.Import(path); err == nil {
		return p, nil
	}
	name := path[strings.LastIndex(path, "/")+1:]
	if strings.HasPrefix(name, "v") && strings.Count(path, "/") > 0 && len(name) <= 3 {
		rest := strings.TrimSuffix(path, "/"+name)
		name = rest[strings.LastIndex(rest, "/")+1:]
	}
	name = strings.ReplaceAll(name, "-", "")
	pkg := types.NewPackage(path, name)
	pkg.MarkComplete()
	return pkg, nil
}
