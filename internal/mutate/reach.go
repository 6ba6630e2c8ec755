package mutate

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path"
	"slices"
	"strconv"
)

// Entries finds the locks of the package's registry: every composite
// literal whose first element is a string literal (the lock's name) and
// which holds a function literal (its constructor call). A lock's entry
// points are the package's functions that literal uses and every method of
// the named types those functions return (the Locker a caller gets).
func (p *Package) Entries() map[string][]types.Object {
	out := map[string][]types.Object{}
	for _, f := range p.files {
		ast.Inspect(f, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok || len(cl.Elts) < 2 {
				return true
			}
			lit, ok := cl.Elts[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			name, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, e := range cl.Elts[1:] {
				fl, ok := e.(*ast.FuncLit)
				if !ok {
					continue
				}
				for _, o := range p.uses(fl) {
					out[name] = append(out[name], o)
					out[name] = append(out[name], p.methodsOfResults(o)...)
				}
			}
			return true
		})
	}
	return out
}

// uses are the package-level objects of this package that n refers to
// (functions, methods, constants, variables), in source order.
func (p *Package) uses(n ast.Node) []types.Object {
	var out []types.Object
	ast.Inspect(n, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		o := p.info.Uses[id]
		if o == nil || o.Pkg() != p.pkg {
			return true
		}
		switch o := o.(type) {
		case *types.Func:
			out = append(out, o)
		case *types.Const, *types.Var:
			if o.Parent() == p.pkg.Scope() {
				out = append(out, o)
			}
		}
		return true
	})
	return out
}

// methodsOfResults are the methods of the named types (of this package)
// that the function o returns.
func (p *Package) methodsOfResults(o types.Object) []types.Object {
	fn, ok := o.(*types.Func)
	if !ok {
		return nil
	}
	sig := fn.Type().(*types.Signature)
	var out []types.Object
	for v := range sig.Results().Variables() {
		t := v.Type()
		if ptr, ok := t.(*types.Pointer); ok {
			t = ptr.Elem()
		}
		named, ok := t.(*types.Named)
		if !ok || named.Obj().Pkg() != p.pkg {
			continue
		}
		for m := range named.Methods() {
			out = append(out, m)
		}
	}
	return out
}

// Reach assigns each mutant the locks whose entry points reach the
// function (or package-level constant or variable) it changes, following
// the references between the package's declarations. A change no lock
// reaches (e.g. a Lease method only callers use) counts for every lock
// that reaches something else in the same file, as the issue's "shared
// files count for every lock using them" says.
func (p *Package) Reach(ms []Mutant) error {
	decls := map[types.Object]ast.Node{} // object -> the declaration to follow
	byName := map[string]map[string]types.Object{}
	fileOf := map[types.Object]string{}
	for i, f := range p.files {
		file := p.names[i]
		byName[file] = map[string]types.Object{}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				o := p.info.Defs[d.Name]
				if o == nil {
					continue
				}
				decls[o], fileOf[o] = d, file
				byName[file][funcName(d)] = o
			case *ast.GenDecl:
				for _, s := range d.Specs {
					vs, ok := s.(*ast.ValueSpec)
					if !ok {
						continue
					}
					for _, id := range vs.Names {
						if o := p.info.Defs[id]; o != nil {
							decls[o], fileOf[o] = vs, file
							byName[file][id.Name] = o
						}
					}
				}
			}
		}
	}
	entries := p.Entries()
	if len(entries) == 0 {
		return fmt.Errorf("%s: found no lock registry (composite literals of a name and a constructor)", p.dir)
	}
	locksOf := map[types.Object][]string{}
	fileLocks := map[string][]string{}
	for _, lock := range sortedKeys(entries) {
		seen := map[types.Object]bool{}
		queue := slices.Clone(entries[lock])
		for len(queue) > 0 {
			o := queue[0]
			queue = queue[1:]
			if seen[o] {
				continue
			}
			seen[o] = true
			if d := decls[o]; d != nil {
				queue = append(queue, p.uses(d)...)
			}
		}
		for o := range seen {
			locksOf[o] = appendNew(locksOf[o], lock)
			if f, ok := fileOf[o]; ok {
				fileLocks[f] = appendNew(fileLocks[f], lock)
			}
		}
	}
	for i := range ms {
		file := path.Base(ms[i].File)
		if path.Dir(ms[i].File) != p.dir {
			return fmt.Errorf("mutant %s: %s is not in %s", ms[i].ID, ms[i].File, p.dir)
		}
		name := ms[i].Func
		if ms[i].obj != "" {
			name = ms[i].obj
		}
		ls := locksOf[byName[file][name]]
		if len(ls) == 0 {
			ls = fileLocks[file]
		}
		ms[i].Locks = slices.Sorted(slices.Values(ls))
	}
	return nil
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
